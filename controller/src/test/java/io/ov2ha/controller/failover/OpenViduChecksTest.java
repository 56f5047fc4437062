package io.ov2ha.controller.failover;

import static io.ov2ha.controller.support.Recordings.heartbeat;
import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.FileSystemUtils;

import io.micrometer.core.instrument.MeterRegistry;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.openvidu.OpenViduStandIn;
import io.ov2ha.controller.recording.LossCut;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Manifests;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestControllers;
import io.ov2ha.controller.support.TestDocker;
import io.ov2ha.controller.support.TestRedis;
import io.ov2ha.controller.support.TestSecrets;
import tools.jackson.databind.JsonNode;

/**
 * The controller asks a real HTTP stand-in for OpenVidu (real Redis, real Docker engine; no
 * recorder container: the recorder is played through the API and "dies" by going silent).
 * Finalization and the customer's final event are test doubles ({@link FailoverScenariosTest.Hooks}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenViduChecksTest {

	private static final Duration WAIT = Duration.ofSeconds(60);

	/** Never built: where no backup may start, none could. */
	private static final String ABSENT_IMAGE = "ov2ha-test-absent:none";

	private OpenViduStandIn openvidu;

	private Path recordings;

	private int port;

	private final List<ConfigurableApplicationContext> controllers = new ArrayList<>();

	private final List<String> ids = new ArrayList<>();

	private FailoverScenariosTest.Hooks hooks;

	@BeforeAll
	void setUp() throws IOException {
		TestDocker.assumeAvailable();
		openvidu = new OpenViduStandIn();
		recordings = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "openvidu-checks");
	}

	@AfterEach
	void cleanUp() {
		if (!controllers.isEmpty()) {
			Api admin = Api.at(port).asAdmin();
			for (String id : ids) {
				admin.delete("/api/recordings/" + id + "?force=true");
			}
		}
		ids.clear();
		controllers.forEach(ConfigurableApplicationContext::close);
		controllers.clear();
	}

	@AfterAll
	void tearDown() {
		if (openvidu != null) {
			openvidu.close();
		}
		if (recordings != null) {
			FileSystemUtils.deleteRecursively(recordings.toFile());
		}
	}

	private void startController(String... extra) {
		startController(true, ABSENT_IMAGE, extra);
	}

	private void startController(boolean failover, String image, String... extra) {
		hooks = new FailoverScenariosTest.Hooks();
		FailoverScenariosTest.Hooks mine = hooks;
		List<String> args = new ArrayList<>(List.of("--ha.openvidu.api-url=" + openvidu.url(),
				"--ha.openvidu.secret=" + TestSecrets.OPENVIDU_SECRET, "--ha.openvidu.check-interval=1s",
				"--ha.openvidu.unreachable-grace=4s", "--ha.openvidu.stale-death-age=3s"));
		// a setting given in extra replaces the default above
		for (String e : extra) {
			String key = e.substring(0, e.indexOf('=') + 1);
			args.removeIf(a -> a.startsWith(key));
			args.add(e);
		}
		controllers.add(TestControllers.start(port, image, recordings,
				ctx -> {
					((GenericApplicationContext) ctx).registerBean("testHooks", FailoverScenariosTest.Hooks.class,
							() -> mine, bd -> bd.setPrimary(true));
					// before the command line, which enables failover
					ctx.getEnvironment().getPropertySources().addFirst(new MapPropertySource("failover-switch",
							Map.of("ha.failover.enabled", Boolean.toString(failover))));
				},
				args.toArray(String[]::new)));
	}

	/** A primary registers and sends heartbeats, then goes silent (its container is gone: none exists). */
	private String recorderThatDies(String prefix) {
		return recorderThatDies(prefix, "");
	}

	/**
	 * The same, registered with {@code containerId}: an exact id Docker does not know (404) is a
	 * container somebody removed; empty is a container never identified.
	 */
	private String recorderThatDies(String prefix, String containerId) {
		String id = Recordings.newId(prefix);
		ids.add(id);
		Api recorder = Api.at(port).asRecorder();
		assertThat(recorder.post("/api/recordings", registration(id, 1700000005000L, 0, containerId)).status())
			.isEqualTo(201);
		for (int i = 0; i < 2; i++) {
			assertThat(recorder.put("/api/recordings/" + id + "/heartbeat", heartbeat(0, null)).status()).isEqualTo(200);
		}
		return id;
	}

	private JsonNode history(String id) {
		return Api.at(port).asAdmin().get("/api/recordings/" + id + "/failovers").json();
	}

	@Test
	void aDeadRecorderOfASessionOpenViduNoLongerHasIsFinalizedNotReplaced() {
		TestControllers.flushRedis();
		port = TestRedis.freePort();
		openvidu.mode(OpenViduStandIn.Mode.SESSION_GONE);
		startController();
		String id = recorderThatDies("ovgone");

		await().atMost(WAIT).untilAsserted(() -> assertThat(hooks.notified).containsKey(RecordingId.of(id)));
		assertThat(hooks.notified.get(RecordingId.of(id))).isEqualTo("READY/openviduSessionGone");
		JsonNode h = history(id);
		assertThat(h.path("endedBy").asString()).isEqualTo("openvidu-session-gone");
		assertThat(h.path("failovers").size()).isZero();
		assertThat(h.path("epoch").asLong()).isZero();
		assertThat(h.path("status").asString()).isEqualTo("STOPPING");
		assertThat(openvidu.asked()).contains("/openvidu/api/sessions/" + id);
		assertThat(openvidu.refused()).isEmpty();
	}

	@Test
	void onASaturatedHostARecorderWhoseContainerIsGoneIsReplacedWithoutWaiting() {
		TestControllers.flushRedis();
		port = TestRedis.freePort();
		openvidu.mode(OpenViduStandIn.Mode.ACTIVE);
		TestControllers.cpuPressure(95);
		try {
			// a patience no test outlasts: only the runtime's answer (no such container) can act
			startController("--ha.failover.cpu-pressure-timeout=600s");
			String id = recorderThatDies("satgone");

			await().atMost(WAIT).untilAsserted(() -> {
				JsonNode h = history(id);
				assertThat(h.path("failovers").size()).isEqualTo(1);
				assertThat(h.path("failovers").get(0).path("reason").asString()).isEqualTo("heartbeat-lost");
			});
		}
		finally {
			TestControllers.cpuPressure(0);
		}
	}

	@Test
	void aBackupOfASessionOpenViduLosesIsStoppedAndFinalized() {
		// OpenVidu restarts and its stopped webhook is lost: the session is gone
		backupThenOpenVidu(OpenViduStandIn.Mode.SESSION_GONE, "openvidu-session-gone", "openviduSessionGone");
	}

	@Test
	void aBackupRecordsAtMostTheGraceWhileOpenViduDoesNotAnswer() {
		// HA_OPENVIDU_UNREACHABLE_GRACE is 4 s here
		backupThenOpenVidu(OpenViduStandIn.Mode.DOWN, "openvidu-unreachable", "openviduUnreachable");
	}

	private void backupThenOpenVidu(OpenViduStandIn.Mode loss, String endedBy, String stopReason) {
		TestControllers.flushRedis();
		port = TestRedis.freePort();
		String site = TestDocker.siteImage(TestControllers.recorderSettings(port));
		try {
			openvidu.mode(OpenViduStandIn.Mode.ACTIVE);
			startController(true, site);
			String id = recorderThatDies("ovlost");

			// OpenVidu confirms the session: a backup, which registers and records
			await().atMost(WAIT).untilAsserted(() -> {
				JsonNode h = history(id);
				assertThat(h.path("failovers").size()).isEqualTo(1);
				assertThat(h.path("failovers").get(0).path("outcome").asString()).isEqualTo("started");
			});
			JsonNode h = history(id);
			assertThat(h.path("failovers").get(0).path("reason").asString()).isEqualTo("heartbeat-lost");
			assertThat(openvidu.asked()).contains("/openvidu/api/sessions/" + id, "/openvidu/api/recordings/" + id);
			assertThat(hooks.notified).doesNotContainKey(RecordingId.of(id));

			// the backup captures and reported a chunk: its media up to the loss is in the final (a
			// cut of less than 0.5 s into its only chunk would leave nothing, and is not made)
			Manifests.awaitChunk(Api.at(port).asAdmin(), id, WAIT, c -> c.path("epoch").asLong() == 1,
					() -> "failovers: " + history(id));
			long lostFrom = System.currentTimeMillis();
			openvidu.mode(loss);
			await().atMost(WAIT).untilAsserted(() -> assertThat(hooks.notified).containsKey(RecordingId.of(id)));
			assertThat(hooks.notified.get(RecordingId.of(id))).isEqualTo("READY/" + stopReason);
			h = history(id);
			assertThat(h.path("endedBy").asString()).isEqualTo(endedBy);
			assertThat(h.path("failovers").size()).as("no further backup").isEqualTo(1);
			assertEndsAtTheLoss(id, lostFrom);
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(TestDocker.containers(Map.of(ContainerLabels.RECORDING_ID, id)))
					.as("the backup is no longer running")
					.allMatch(c -> !"running".equals(c.getState())));
		}
		finally {
			for (String id : ids) {
				TestDocker.removeContainers(Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.RECORDING_ID, id));
			}
			cleanUp();
			TestDocker.removeImage(site);
		}
	}

	/**
	 * The final of a recording ended for a loss holds nothing its backup recorded after the
	 * controller learned of it: the cut is written with the end (epoch 1, at or after
	 * {@code lostFrom}), and the backup's media in the final ends at it.
	 */
	private void assertEndsAtTheLoss(String id, long lostFrom) {
		Map<Object, Object> hash = TestControllers.redis().opsForHash().entries(RedisKeys.recording(RecordingId.of(id)));
		assertThat(hash.get(LossCut.EPOCH_FIELD)).as(hash.toString()).isEqualTo("1");
		assertThat(Long.parseLong((String) hash.get(LossCut.AT_FIELD))).isGreaterThanOrEqualTo(lostFrom);
		double cutSeconds = Long.parseLong((String) hash.get(LossCut.MEDIA_FIELD)) / 1000.0;
		JsonNode f = Api.at(port).asAdmin().get("/api/recordings/" + id + "/finalization").json();
		double backupSeconds = 0;
		for (JsonNode k : f.path("keptChunks")) {
			backupSeconds += k.path("epoch").asLong() == 1 ? k.path("durationSeconds").asDouble() : 0;
		}
		assertThat(backupSeconds).as(f.toString()).isLessThanOrEqualTo(cutSeconds + 0.001);
		int cutInside = 0;
		for (JsonNode k : f.path("keptChunks")) {
			cutInside += k.path("cutAtSeconds").isNumber() ? 1 : 0;
		}
		// the backup recorded on until it was stopped: that is cut, inside a chunk or whole chunks
		assertThat(cutInside + f.path("droppedChunks").size()).as(f.toString()).isPositive();
		for (JsonNode d : f.path("droppedChunks")) {
			assertThat(d.path("reason").asString()).as("a chunk left out of the final").startsWith("after the loss:");
		}
	}

	@Test
	void aHangingOpenViduDoesNotHoldUpTheFailoverOfAnotherRecording() {
		TestControllers.flushRedis();
		port = TestRedis.freePort();
		openvidu.mode(OpenViduStandIn.Mode.ACTIVE);
		// OpenVidu never answers about these recordings; one request may wait a minute for it
		openvidu.hang("ses_ovhang");
		try {
			startController("--ha.openvidu.timeout=60s");
			Api admin = Api.at(port).asAdmin();
			// their backups were claimed (they cannot start: no image) and are checked with OpenVidu
			for (int i = 0; i < 5; i++) {
				String id = recorderThatDies("ovhang");
				assertThat(admin.post("/api/recordings/" + id + "/failover", null).status()).isEqualTo(202);
			}
			await().atMost(WAIT).until(() -> openvidu.hanging() >= 1);

			String other = recorderThatDies("ovother");

			// well before the hanging requests time out: the other recording is failed over
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(history(other).path("failovers").size()).isEqualTo(1));
			assertThat(history(other).path("failovers").get(0).path("reason").asString()).isEqualTo("heartbeat-lost");
			assertThat(openvidu.asked()).contains("/openvidu/api/sessions/" + other);
			assertThat(openvidu.hanging()).as("OpenVidu still holds the questions about the others").isPositive();
		}
		finally {
			openvidu.release();
		}
	}

	@Test
	void aRecorderThatSpeaksAgainWhileOpenViduIsAskedIsNotReplaced() throws InterruptedException {
		TestControllers.flushRedis();
		port = TestRedis.freePort();
		openvidu.mode(OpenViduStandIn.Mode.ACTIVE);
		// OpenVidu answers about this recording only when released
		openvidu.hang("ses_ovback");
		AtomicBoolean speaking = new AtomicBoolean(false);
		AtomicInteger heard = new AtomicInteger();
		Thread voice = null;
		try {
			// a start deadline no test outlasts: only the silence can fail the recorder
			startController("--ha.openvidu.timeout=60s", "--ha.failover.start-timeout=600s");
			String id = recorderThatDies("ovback");
			// judged silent, its backup waits for OpenVidu's answer
			await().atMost(WAIT).until(() -> openvidu.hanging() >= 1);

			// meanwhile the recorder speaks again (a starved host let it run): a starting recorder
			speaking.set(true);
			Api recorder = Api.at(port).asRecorder();
			Map<String, Object> starting = new LinkedHashMap<>(heartbeat(0, null));
			starting.put("phase", "starting");
			voice = new Thread(() -> {
				while (speaking.get()) {
					if (recorder.put("/api/recordings/" + id + "/heartbeat", starting).status() == 200) {
						heard.incrementAndGet();
					}
					try {
						Thread.sleep(300);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "recorder-voice");
			voice.start();
			await().atMost(WAIT).until(() -> heard.get() >= 3);
			openvidu.release();

			// OpenVidu says the session goes on; the recorder is judged again on what it says now
			MeterRegistry meters = controllers.get(0).getBean(MeterRegistry.class);
			await().atMost(WAIT)
				.until(() -> meters.counter("ov2ha.failover.recovered", "reason", "heartbeat-lost").count() >= 1);
			assertThat(history(id).path("failovers").size()).as("no backup").isZero();
			assertThat(history(id).path("epoch").asLong()).isZero();
		}
		finally {
			speaking.set(false);
			if (voice != null) {
				voice.join(5_000);
			}
			openvidu.release();
		}
	}

	/**
	 * OpenVidu starts again: its startup cleanup removes its recorders before its REST API
	 * answers. A removed recorder is no crash: no backup without OpenVidu's word, which then says
	 * the session is gone.
	 */
	@Test
	void aRecorderRemovedWhileOpenViduIsStartingGetsNoBackupAndIsFinalizedOnItsWord() {
		TestControllers.flushRedis();
		port = TestRedis.freePort();
		openvidu.mode(OpenViduStandIn.Mode.DOWN);
		// a grace no test outlasts: only OpenVidu's answer can end the wait
		startController("--ha.openvidu.unreachable-grace=600s");
		// its exact container id, which Docker no longer knows: removed
		String id = recorderThatDies("ovremoved", "ab".repeat(32));
		MeterRegistry meters = controllers.get(0).getBean(MeterRegistry.class);
		// judged silent, its container gone: asked, OpenVidu does not answer, the backup waits
		await().atMost(WAIT).until(() -> openvidu.asked().contains("/openvidu/api/sessions/" + id));
		await().during(Duration.ofSeconds(4))
			.atMost(WAIT)
			.untilAsserted(() -> assertThat(history(id).path("failovers").size())
				.as("no backup while OpenVidu does not answer")
				.isZero());
		assertThat(hooks.notified).doesNotContainKey(RecordingId.of(id));
		assertThat(Collections.frequency(openvidu.asked(), "/openvidu/api/sessions/" + id))
			.as("asked again while waiting")
			.isGreaterThan(1);

		openvidu.mode(OpenViduStandIn.Mode.SESSION_GONE);
		await().atMost(WAIT).untilAsserted(() -> assertThat(hooks.notified).containsKey(RecordingId.of(id)));
		assertThat(hooks.notified.get(RecordingId.of(id))).isEqualTo("READY/openviduSessionGone");
		JsonNode h = history(id);
		assertThat(h.path("endedBy").asString()).isEqualTo("openvidu-session-gone");
		assertThat(h.path("failovers").size()).as("never a backup").isZero();
		assertThat(meters.counter("ov2ha.failover.ended", "reason", "openvidu-session-gone").count()).isEqualTo(1);
	}

	/**
	 * Not removed (Docker could not say so: here the container was never identified): a fresh
	 * death gets its backup even while OpenVidu does not answer.
	 */
	@Test
	void aFreshDeathNotKnownToBeARemovalGetsItsBackupWhileOpenViduIsDown() {
		TestControllers.flushRedis();
		port = TestRedis.freePort();
		openvidu.mode(OpenViduStandIn.Mode.DOWN);
		startController("--ha.openvidu.unreachable-grace=600s");
		String id = recorderThatDies("ovcrash");

		// the backup was claimed (it cannot start here: no image)
		await().atMost(WAIT).untilAsserted(() -> assertThat(history(id).path("failovers").size()).isEqualTo(1));
		assertThat(history(id).path("failovers").get(0).path("reason").asString()).isEqualTo("heartbeat-lost");
		assertThat(openvidu.asked()).contains("/openvidu/api/sessions/" + id);
	}

	@Test
	void aStaleDeathFoundAfterARestartWhileOpenViduIsDownIsFinalizedAfterTheGrace() throws InterruptedException {
		TestControllers.flushRedis();
		port = TestRedis.freePort();
		openvidu.mode(OpenViduStandIn.Mode.DOWN);
		startController(false, ABSENT_IMAGE);
		String id = recorderThatDies("ovstale");
		// the host goes down: no controller while the death ages past HA_STALE_DEATH_AGE (3 s)
		controllers.remove(0).close();
		Thread.sleep(4_000);
		startController();

		await().atMost(WAIT).untilAsserted(() -> assertThat(hooks.notified).containsKey(RecordingId.of(id)));
		assertThat(hooks.notified.get(RecordingId.of(id))).isEqualTo("READY/staleDeathUnconfirmed");
		JsonNode h = history(id);
		assertThat(h.path("endedBy").asString()).isEqualTo("stale-death-unconfirmed");
		assertThat(h.path("failovers").size()).as("no backup for a stale death OpenVidu did not confirm").isZero();
	}

}
