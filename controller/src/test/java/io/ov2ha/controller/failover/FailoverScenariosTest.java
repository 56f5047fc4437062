package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;
import org.testcontainers.containers.GenericContainer;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;

import io.micrometer.core.instrument.MeterRegistry;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestControllers;
import io.ov2ha.controller.support.TestDocker;
import io.ov2ha.controller.support.TestRecorders;
import io.ov2ha.controller.support.TestRedis;
import tools.jackson.databind.JsonNode;

/**
 * Failover against the real Docker engine: a controller (heartbeat 1 s x 4, 2 s chunks,
 * HA_MAX_FAILOVERS=2) and test recorders started the way OpenVidu starts its recorder.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailoverScenariosTest {

	private static final Duration CHUNK_WAIT = Duration.ofSeconds(40);

	private static final Duration FAILOVER_WAIT = Duration.ofSeconds(40);

	private ConfigurableApplicationContext controller;

	private Api admin;

	private ScenarioApi scenario;

	private String site;

	private Path recordings;

	private final Hooks hooks = new Hooks();

	private final List<GenericContainer<?>> containers = new ArrayList<>();

	private final List<String> ids = new ArrayList<>();

	private final List<String> extraContainers = new ArrayList<>();

	/** Stands in for the finalizer and the webhook relay: records what the stop coordinator asked. */
	static final class Hooks implements FinalizationTrigger, FinalStatusNotifier {

		final Map<RecordingId, Boolean> finalized = new ConcurrentHashMap<>();

		final Map<RecordingId, String> notified = new ConcurrentHashMap<>();

		@Override
		public Optional<RecordingStatus> finalizeAfterFailover(RecordingId id) {
			finalized.put(id, true);
			return Optional.of(RecordingStatus.READY);
		}

		@Override
		public void finalStatusReached(RecordingId id, RecordingStatus status, String stopReason) {
			notified.put(id, status + "/" + stopReason);
		}

	}

	@BeforeAll
	void startController() throws IOException {
		TestDocker.assumeAvailable();
		TestControllers.flushRedis();
		recordings = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "failover-recordings");
		int port = TestRedis.freePort();
		site = TestDocker.siteImage(TestControllers.recorderSettings(port));
		controller = TestControllers.start(port, site, recordings,
				// primary: they stand in for the real finalizer and announcer in these scenarios
				ctx -> ((org.springframework.context.support.GenericApplicationContext) ctx).registerBean("testHooks",
						Hooks.class, () -> hooks, bd -> bd.setPrimary(true)),
				// a patience (15 s by default) far from the stall timeout: what ends a deferral is told apart
				"--ha.failover.max-failovers=2", "--ha.failover.cpu-pressure-timeout=30s");
		admin = Api.at(port).asAdmin();
		scenario = new ScenarioApi(admin);
	}

	@AfterEach
	void cleanUp() throws InterruptedException {
		// forget the recordings first: removing their containers must not look like a failure
		for (String id : ids) {
			admin.delete("/api/recordings/" + id + "?force=true");
		}
		Thread.sleep(500);
		for (GenericContainer<?> c : containers) {
			System.out.println("--- logs of " + c.getContainerName() + "\n" + TestDocker.logs(c.getContainerId()));
			c.stop();
		}
		containers.clear();
		for (String id : ids) {
			for (var c : TestDocker.containers(Map.of(ContainerLabels.RECORDING_ID, id))) {
				System.out.println("--- logs of backup " + c.getNames()[0] + "\n" + TestDocker.logs(c.getId()));
			}
			TestDocker.removeContainers(Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.RECORDING_ID, id));
		}
		ids.clear();
		for (String id : extraContainers) {
			for (var c : TestDocker.containers(Map.of(TestDocker.TEST_LABEL + ".run", id))) {
				System.out.println("--- logs of " + c.getNames()[0] + "\n" + TestDocker.logs(c.getId()));
			}
			TestDocker.removeContainers(Map.of(TestDocker.TEST_LABEL + ".run", id));
		}
		extraContainers.clear();
	}

	@AfterAll
	void stopController() {
		if (controller != null) {
			controller.close();
		}
		if (site != null) {
			TestDocker.removeImage(site);
		}		if (recordings != null) {
			FileSystemUtils.deleteRecursively(recordings.toFile());
		}
	}

	// --- scenarios -----------------------------------------------------------------------------

	@Test
	void aKilledRecorderIsReplacedFromTheNextChunkWithItsEnvironmentEpochAndLabels() {
		String id = newId("kill");
		long createdAt = System.currentTimeMillis();
		GenericContainer<?> primary = primary(id, createdAt, 128L * 1024 * 1024, Map.of());
		scenario.awaitChunk(id, 1, CHUNK_WAIT);
		RecordingStore store = controller.getBean(RecordingStore.class);
		String primaryHost = store.find(RecordingId.of(id)).orElseThrow().host();
		assertThat(primaryHost).isNotEmpty();

		kill(primary.getContainerId(), "SIGKILL");

		JsonNode f = scenario.awaitBackupStarted(id, 1, FAILOVER_WAIT);
		assertThat(f.path("reason").asString()).isEqualTo("container-died");
		assertThat(f.path("fromEpoch").asLong()).isZero();
		assertThat(f.path("oldContainerId").asString()).isEqualTo(primary.getContainerId());
		assertThat(f.path("failedAtSource").asString()).isEqualTo("docker-event");
		assertThat(f.path("detail").asString()).contains("137");
		assertThat(f.path("detectionMillis").asLong()).isNotNegative();
		// start chunk = the highest chunk known anywhere + 1 (here: the dead recorder's partial chunk on disk)
		long expectedStart = highestChunkOnDisk(id, 0) + 1;
		assertThat(f.path("startChunk").asLong()).isEqualTo(expectedStart);

		InspectContainerResponse backup = TestDocker.client()
			.inspectContainerCmd(f.path("backupContainerId").asString())
			.exec();
		assertThat(backup.getName()).isEqualTo("/ov2ha-backup-" + id + "-e1");
		assertThat(backup.getConfig().getLabels()).containsAllEntriesOf(Map.of("io.ov2ha.managed", "true",
				"io.ov2ha.role", "backup", "io.ov2ha.recording-id", id, "io.ov2ha.recording-created-at",
				Long.toString(createdAt), "io.ov2ha.epoch", "1", "io.ov2ha.controller",
				controller.getBean(ControllerInstance.class).id()));
		HostConfig host = backup.getHostConfig();
		assertThat(host.getNetworkMode()).isEqualTo("host");
		assertThat(host.getShmSize()).isEqualTo(128L * 1024 * 1024);
		assertThat(host.getBinds()).hasSize(1);
		assertThat(host.getBinds()[0].getPath()).isEqualTo(recordings.toString());
		assertThat(host.getBinds()[0].getVolume().getPath()).isEqualTo("/recordings");
		// exactly OpenVidu's variables, plus the epoch and the start chunk; none of the controller's settings
		Map<String, String> expected = new LinkedHashMap<>(TestRecorders.openViduEnv(id, createdAt, 128L * 1024 * 1024));
		expected.put("HA_EPOCH", "1");
		expected.put("HA_START_CHUNK", Long.toString(expectedStart));
		assertThat(ownEnvironment(backup)).isEqualTo(expected);

		// the backup records from its start chunk, and the history notes its first chunk
		scenario.awaitChunkOfEpoch(id, expectedStart, 1);
		// the backup's host is its engine's name (docker info), the primary's host here: judged beside that host's recorders
		assertThat(store.find(RecordingId.of(id)).orElseThrow().host()).isEqualTo(primaryHost);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> scenario.failovers(id).path("failovers").get(0).path("firstChunkAt").isString());

		// a recorder of the replaced epoch that comes back is refused (409) and exits
		String zombie = startZombie(id, createdAt);
		await().atMost(Duration.ofSeconds(60))
			.until(() -> !Boolean.TRUE.equals(TestDocker.client().inspectContainerCmd(zombie).exec().getState().getRunning()));
		assertThat(TestDocker.client().inspectContainerCmd(zombie).exec().getState().getExitCodeLong()).isEqualTo(3L);
		assertThat(TestDocker.logs(zombie)).contains("event=fenced");
		assertThat(scenario.recording(id).path("epoch").asLong()).isEqualTo(1);
		assertThat(scenario.recording(id).path("failoverCount").asInt()).isEqualTo(1);

		// the end: the backup is stopped like OpenVidu stops its recorder, then finalized and announced
		assertThat(admin.post("/api/recordings/" + id + "/stop", null).status()).isEqualTo(202);
		await().atMost(Duration.ofSeconds(30)).until(() -> hooks.notified.containsKey(RecordingId.of(id)));
		assertThat(hooks.finalized).containsKey(RecordingId.of(id));
		assertThat(hooks.notified.get(RecordingId.of(id))).isEqualTo("READY/stoppedByAdmin");
		InspectContainerResponse stopped = TestDocker.client().inspectContainerCmd(backup.getId()).exec();
		assertThat(stopped.getState().getRunning()).isFalse();
		assertThat(stopped.getState().getExitCodeLong()).isZero();
		JsonNode after = scenario.failovers(id).path("failovers").get(0);
		assertThat(after.path("stopExitCode").asLong()).isZero();
		assertThat(after.path("stoppedAt").isString()).isTrue();
	}

	@Test
	void aHungRecorderIsKilledByIdAndReplaced() {
		String id = newId("hang");
		GenericContainer<?> primary = primary(id, System.currentTimeMillis(), null, Map.of());
		scenario.awaitChunk(id, 1, CHUNK_WAIT);

		freeze(primary.getContainerId());

		JsonNode f = scenario.awaitBackupStarted(id, 1, FAILOVER_WAIT);
		assertThat(f.path("reason").asString()).isEqualTo("hung");
		assertThat(f.path("oldContainerId").asString()).isEqualTo(primary.getContainerId());
		assertThat(f.path("oldContainerKilled").asBoolean()).isTrue();
		assertThat(f.path("failedAtSource").asString()).isEqualTo("last-heartbeat");
		var state = TestDocker.client().inspectContainerCmd(primary.getContainerId()).exec().getState();
		assertThat(state.getRunning()).isFalse();
		assertThat(state.getExitCodeLong()).isEqualTo(137L);
		scenario.awaitChunkOfEpoch(id, f.path("startChunk").asLong(), 1);
	}

	@Test
	void aRecorderWhoseMediaStallsWhileItsHeartbeatsGoOnIsKilledAndReplaced() {
		stallsAndIsReplaced(Map.of(), "media-stall", "last-progress");
	}

	@Test
	void anOlderRecorderWithoutProgressInItsHeartbeatsIsJudgedByItsChunks() {
		stallsAndIsReplaced(Map.of("TEST_LEGACY_HEARTBEAT", "1"), "chunk-stall", "last-chunk");
	}

	@Test
	void onASaturatedHostAStalledRecorderGetsTheLongerTimeoutBeforeItIsReplaced() {
		String id = newId("saturated");
		GenericContainer<?> primary = primary(id, System.currentTimeMillis(), null, Map.of());
		scenario.awaitChunk(id, 1, CHUNK_WAIT);
		TestControllers.cpuPressure(95);
		try {
			TestDocker.exec(primary.getContainerId(), "pkill", "-STOP", "ffmpeg");
			// three times the normal stall timeout (2 s), well within HA_CPU_PRESSURE_TIMEOUT (30 s here, from
			// the last progress a heartbeat showed, up to a late heartbeat before the stall)
			await().during(Duration.ofSeconds(6))
				.atMost(Duration.ofSeconds(15))
				.until(() -> scenario.failovers(id).path("failovers").isEmpty());
			assertThat(TestDocker.client().inspectContainerCmd(primary.getContainerId()).exec().getState().getRunning())
				.isTrue();
		}
		finally {
			TestControllers.cpuPressure(0);
		}
		// the host is no longer saturated: the stall, long proven, is acted on
		JsonNode f = scenario.awaitBackupStarted(id, 1, FAILOVER_WAIT);
		assertThat(f.path("reason").asString()).isEqualTo("media-stall");
		assertThat(f.path("oldContainerKilled").asBoolean()).isTrue();
	}

	@Test
	void twoRecordersOfTheHostFrozenTogetherAreTheHostsAndOnlyOneFrozenAloneIsReplaced() throws Exception {
		// seen on a loaded 2-core host: two healthy primaries stood still from the same moment
		String a = newId("hostwide-a");
		String b = newId("hostwide-b");
		GenericContainer<?> first = primary(a, System.currentTimeMillis(), null, Map.of());
		GenericContainer<?> second = primary(b, System.currentTimeMillis(), null, Map.of());
		scenario.awaitChunk(a, 1, CHUNK_WAIT);
		scenario.awaitChunk(b, 1, CHUNK_WAIT);
		List<String> firstFfmpeg = hostPids(first, "ffmpeg");
		List<String> secondFfmpeg = hostPids(second, "ffmpeg");
		// one signal call: both freeze at the same instant, as a host's burst freezes them
		List<String> both = new ArrayList<>(firstFfmpeg);
		both.addAll(secondFfmpeg);
		signal("STOP", both);
		Instant resumed;
		try {
			// both wait for their host, as the gauge shows
			var waiting = controller.getBean(MeterRegistry.class)
				.get("ov2ha.recorders.host.waiting")
				.tag("cause", "host_wide_standstill")
				.gauge();
			await().atMost(Duration.ofSeconds(15)).until(() -> waiting.value() == 2);
			// three times the stall timeout (2 s), far within the patience (30 s here)
			await().during(Duration.ofSeconds(6))
				.atMost(Duration.ofSeconds(12))
				.until(() -> scenario.failovers(a).path("failovers").isEmpty() && scenario.failovers(b).path("failovers").isEmpty());
		}
		finally {
			resumed = Instant.now();
			signal("CONT", secondFfmpeg);
		}
		// the second recorder advances again: the first one stands still alone, its own failure, acted
		// on without waiting for the patience to end (24 s after the resume here)
		JsonNode f = scenario.awaitBackupStarted(a, 1, FAILOVER_WAIT);
		assertThat(f.path("reason").asString()).isEqualTo("media-stall");
		assertThat(Duration.between(resumed, Instant.parse(f.path("claimedAt").asString())))
			.isLessThan(Duration.ofSeconds(15));
		assertThat(scenario.failovers(b).path("failovers")).isEmpty();
		assertThat(TestDocker.client().inspectContainerCmd(second.getContainerId()).exec().getState().getRunning())
			.isTrue();
	}

	/** The host's ids of a container's processes whose command contains {@code name}. */
	private static List<String> hostPids(GenericContainer<?> c, String name) {
		var top = TestDocker.client().topContainerCmd(c.getContainerId()).exec();
		List<String> titles = List.of(top.getTitles());
		int pid = titles.indexOf("PID");
		int cmd = titles.indexOf("CMD");
		List<String> out = new ArrayList<>();
		for (String[] row : top.getProcesses()) {
			if (row[cmd].contains(name)) {
				out.add(row[pid]);
			}
		}
		assertThat(out).as("%s processes of %s", name, c.getContainerName()).isNotEmpty();
		return out;
	}

	private static void signal(String signal, List<String> pids) throws Exception {
		List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
		command.addAll(pids);
		Process p = new ProcessBuilder(command).inheritIO().start();
		assertThat(p.waitFor()).as(String.join(" ", command)).isZero();
	}

	private void stallsAndIsReplaced(Map<String, String> env, String reason, String source) {
		String id = newId("stall");
		GenericContainer<?> primary = primary(id, System.currentTimeMillis(), null, env);
		scenario.awaitChunk(id, 1, CHUNK_WAIT);

		// ffmpeg freezes; the recorder's heartbeat loop goes on
		TestDocker.exec(primary.getContainerId(), "pkill", "-STOP", "ffmpeg");
		long lastSeq = scenario.recording(id).path("chunks").path("lastSeq").asLong();

		JsonNode f = scenario.awaitBackupStarted(id, 1, FAILOVER_WAIT);
		assertThat(f.path("reason").asString()).isEqualTo(reason);
		assertThat(f.path("failedAtSource").asString()).isEqualTo(source);
		assertThat(f.path("oldContainerKilled").asBoolean()).isTrue();
		assertThat(f.path("startChunk").asLong()).isGreaterThan(lastSeq);
		assertThat(TestDocker.client().inspectContainerCmd(primary.getContainerId()).exec().getState().getRunning())
			.isFalse();
		scenario.awaitChunkOfEpoch(id, f.path("startChunk").asLong(), 1);
	}

	@Test
	void aBackupThatHangsBeforeItsFirstChunkIsJudgedAndReplaced() throws IOException {
		String id = newId("bkhang");
		GenericContainer<?> primary = primary(id, System.currentTimeMillis(), null, Map.of());
		scenario.awaitChunk(id, 1, CHUNK_WAIT);
		// the backup of epoch 1 heartbeats in phase "starting" and captures nothing for a while
		Path delay = recordings.resolve(".test-start-delay-" + id + "-e1");
		Files.writeString(delay, "600");
		try {
			kill(primary.getContainerId(), "SIGKILL");
			JsonNode first = scenario.awaitBackupStarted(id, 1, FAILOVER_WAIT);
			String backupId = first.path("backupContainerId").asString();
			await().atMost(Duration.ofSeconds(30)).until(() -> TestDocker.logs(backupId).contains("event=slow_start"));
			Instant spoke = Instant.now();
			await().atMost(Duration.ofSeconds(15)).until(() -> {
				JsonNode hb = scenario.recording(id).path("lastHeartbeat");
				return "starting".equals(hb.path("phase").asString()) && hb.path("at").isString()
						&& Instant.parse(hb.path("at").asString()).isAfter(spoke);
			});

			// it hangs before its first chunk: judged all the same (the sweep's first-chunk check for it
			// runs in the same task as its judgement; this asserts the replacement, not how soon: a
			// judgement refused on some ticks, as before 42cb7f7, only delays it)
			freeze(backupId);

			JsonNode second = scenario.awaitBackupStarted(id, 2, FAILOVER_WAIT);
			assertThat(second.path("reason").asString()).isEqualTo("hung");
			assertThat(second.path("oldContainerId").asString()).isEqualTo(backupId);
			assertThat(second.path("oldContainerKilled").asBoolean()).isTrue();
			assertThat(scenario.failovers(id).path("failovers").get(0).path("firstChunkAt").isString()).isFalse();
			assertThat(TestDocker.client().inspectContainerCmd(backupId).exec().getState().getExitCodeLong())
				.isEqualTo(137L);
			scenario.awaitChunkOfEpoch(id, second.path("startChunk").asLong(), 2);
		}
		finally {
			Files.deleteIfExists(delay);
		}
	}

	@Test
	void aRecorderThatStartsSlowerThanTwoChunksIsNeverFailedOver() {
		// a loaded host: the browser takes longer to start than the old chunk-stall window
		// (2 chunks + grace = 6 s here); the recorder says "starting" meanwhile
		String id = newId("slow");
		primary(id, System.currentTimeMillis(), null, Map.of("TEST_START_DELAY", "10"));
		await().atMost(Duration.ofSeconds(15))
			.until(() -> "starting".equals(scenario.recording(id).path("lastHeartbeat").path("phase").asString()));

		scenario.awaitChunk(id, 1, CHUNK_WAIT);
		assertThat(scenario.recording(id).path("lastHeartbeat").path("phase").asString()).isEqualTo("capturing");
		assertThat(scenario.recording(id).path("lastHeartbeat").path("frames").asLong()).isPositive();
		assertThat(scenario.failovers(id).path("failovers")).isEmpty();
		assertThat(scenario.recording(id).path("epoch").asLong()).isZero();
	}

	@Test
	void afterTheFailoverLimitTheRecordingIsFailedAndNoFurtherContainerStarts() {
		String id = newId("limit");
		GenericContainer<?> primary = primary(id, System.currentTimeMillis(), null, Map.of());
		scenario.awaitChunk(id, 0, CHUNK_WAIT);
		kill(primary.getContainerId(), "SIGKILL");
		JsonNode first = scenario.awaitBackupStarted(id, 1, FAILOVER_WAIT);
		scenario.awaitChunkOfEpoch(id, first.path("startChunk").asLong(), 1);

		TestDocker.client().killContainerCmd(first.path("backupContainerId").asString()).exec();
		JsonNode second = scenario.awaitBackupStarted(id, 2, FAILOVER_WAIT);
		assertThat(second.path("failoverNumber").asInt()).isEqualTo(2);
		scenario.awaitChunkOfEpoch(id, second.path("startChunk").asLong(), 2);

		TestDocker.client().killContainerCmd(second.path("backupContainerId").asString()).exec();
		await().atMost(FAILOVER_WAIT).until(() -> scenario.recording(id).path("status").asString().equals("FAILED"));
		assertThat(scenario.recording(id).path("statusReason").asString()).contains("failover limit");
		assertThat(scenario.recording(id).path("epoch").asLong()).isEqualTo(2);
		// nothing else starts: no container of it runs, for a while (the reconciler may remove
		// the two dead backups of the FAILED recording meanwhile: that is allowed)
		await().during(Duration.ofSeconds(3))
			.atMost(Duration.ofSeconds(10))
			.until(() -> TestDocker.containers(Map.of(ContainerLabels.RECORDING_ID, id))
				.stream()
				.noneMatch(c -> "running".equals(c.getState())) && scenario.recording(id).path("epoch").asLong() == 2);
		assertThat(TestDocker.containers(Map.of(ContainerLabels.RECORDING_ID, id))).hasSizeLessThanOrEqualTo(2);
		assertThat(scenario.failovers(id).path("failovers")).hasSize(2);
		assertThat(admin.get("/actuator/prometheus").body())
			.containsPattern("ov2ha_failovers_exhausted_total(\\{[^}]*})? [1-9]");
	}

	@Test
	void aRecorderThatStoppedWhileTheStopNoticeWasMissedIsFinalizedNotReplaced() {
		String id = newId("clean");
		GenericContainer<?> primary = primary(id, System.currentTimeMillis(), null, Map.of("TEST_SKIP_FINALIZE", "1"));
		scenario.awaitChunk(id, 0, CHUNK_WAIT);

		// OpenVidu's "q", but its "stopped" webhook never reached the controller
		execStop(primary);

		await().atMost(FAILOVER_WAIT).until(() -> hooks.finalized.containsKey(RecordingId.of(id)));
		JsonNode r = scenario.recording(id);
		assertThat(r.path("stopReason").asString()).isEqualTo("recorderExited");
		assertThat(r.path("epoch").asLong()).isZero();
		assertThat(r.path("failoverCount").asInt()).isZero();
		assertThat(TestDocker.containers(Map.of(ContainerLabels.RECORDING_ID, id))).isEmpty();
	}

	@Test
	void aRecorderThatCannotRunHereFailsTheRecordingInsteadOfLoopingThroughBackups() {
		String id = newId("badcfg");
		primary(id, System.currentTimeMillis(), null, Map.of("TEST_EXIT_AFTER_CHUNKS", "1:78"));

		await().atMost(FAILOVER_WAIT).until(() -> scenario.recording(id).path("status").asString().equals("FAILED"));
		assertThat(scenario.recording(id).path("statusReason").asString()).contains("exit code 78");
		assertThat(scenario.recording(id).path("failoverCount").asInt()).isZero();
		assertThat(TestDocker.containers(Map.of(ContainerLabels.RECORDING_ID, id))).isEmpty();
		assertThat(hooks.notified.get(RecordingId.of(id))).startsWith("FAILED");
	}

	@Test
	void aContainerWithASimilarNameIsNeverTouched() {
		String id = newId("room");
		// OpenVidu's recorder of "<id>0" would be named like this: a bystander for "<id>"'s failover
		GenericContainer<?> bystander = TestRecorders.bystander(site, RecordingId.of(id).openViduContainerName() + "0");
		bystander.start();
		containers.add(bystander);
		String bystanderStartedAt = TestDocker.client()
			.inspectContainerCmd(bystander.getContainerId())
			.exec()
			.getState()
			.getStartedAt();
		// registered without its container id: the controller finds it by its exact name
		GenericContainer<?> primary = primary(id, System.currentTimeMillis(), null, Map.of("TEST_HIDE_CONTAINER_ID", "1"));
		scenario.awaitChunk(id, 0, CHUNK_WAIT);
		await().atMost(Duration.ofSeconds(15))
			.until(() -> primary.getContainerId()
				.equals(scenario.recording(id).path("currentContainer").path("containerId").asString()));

		kill(primary.getContainerId(), "SIGKILL");

		JsonNode f = scenario.awaitBackupStarted(id, 1, FAILOVER_WAIT);
		assertThat(f.path("reason").asString()).isEqualTo("container-died");
		assertThat(f.path("oldContainerId").asString()).isEqualTo(primary.getContainerId());
		var state = TestDocker.client().inspectContainerCmd(bystander.getContainerId()).exec().getState();
		assertThat(state.getRunning()).isTrue();
		assertThat(state.getStartedAt()).isEqualTo(bystanderStartedAt);
		assertThat(TestDocker.client().inspectContainerCmd(bystander.getContainerId()).exec().getRestartCount())
			.isZero();
	}

	@Test
	void anAdminFailsARecordingOverAndSeesItInTheStatus() {
		String id = newId("manual");
		GenericContainer<?> primary = primary(id, System.currentTimeMillis(), null, Map.of());
		scenario.awaitChunk(id, 0, CHUNK_WAIT);

		Api.Response response = admin.post("/api/recordings/" + id + "/failover", null);

		assertThat(response.status()).as(response.body()).isEqualTo(202);
		JsonNode f = response.json();
		assertThat(f.path("reason").asString()).isEqualTo("manual");
		assertThat(f.path("toEpoch").asLong()).isEqualTo(1);
		assertThat(f.path("oldContainerKilled").asBoolean()).isTrue();
		assertThat(f.path("outcome").asString()).isEqualTo("started");
		assertThat(TestDocker.client().inspectContainerCmd(primary.getContainerId()).exec().getState().getRunning())
			.isFalse();
		JsonNode history = scenario.failovers(id);
		assertThat(history.path("failoverCount").asInt()).isEqualTo(1);
		assertThat(history.path("maxFailovers").asInt()).isEqualTo(2);
		assertThat(history.path("failovers")).hasSize(1);

		JsonNode status = admin.get("/api/failover/status").json();
		assertThat(status.path("available").asBoolean()).isTrue();
		assertThat(status.path("docker").path("reachable").asBoolean()).isTrue();
		assertThat(status.path("docker").path("eventsConnected").asBoolean()).isTrue();
		assertThat(status.path("recorderImage").path("present").asBoolean()).isTrue();
		assertThat(status.path("reconciler").path("isLeader").asBoolean()).isTrue();
		assertThat(status.path("failoversByReason").path("manual").asLong()).isPositive();
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			for (JsonNode b : admin.get("/api/failover/status").json().path("activeBackups")) {
				if (b.path("recordingId").asString().equals(id)) {
					return true;
				}
			}
			return false;
		});
		JsonNode health = admin.get("/actuator/health").json().path("components");
		assertThat(health.path("failover").path("status").asString()).isEqualTo("UP");
		assertThat(health.path("docker").path("status").asString()).isEqualTo("UP");
		assertThat(admin.get("/actuator/prometheus").body()).contains("ov2ha_failovers_total{")
			.contains("reason=\"manual\"")
			.contains("ov2ha_failover_active_backups");
	}

	// --- helpers -------------------------------------------------------------------------------

	private String newId(String prefix) {
		String id = Recordings.newId(prefix);
		ids.add(id);
		return id;
	}

	private GenericContainer<?> primary(String id, long createdAt, Long shmSize, Map<String, String> extraEnv) {
		GenericContainer<?> c = TestRecorders.primary(site, id, createdAt, shmSize, recordings, extraEnv);
		containers.add(c);
		c.start();
		return c;
	}

	/** SIGSTOP to every process of the container: it hangs, Docker still says it runs. */
	private static void freeze(String containerId) {
		// every process but PID 1 (and the shell itself), then PID 1 from outside
		TestDocker.exec(containerId, "bash", "-c", "kill -STOP -1");
		kill(containerId, "SIGSTOP");
	}

	/** What OpenVidu does to stop its recorder: {@code bash -c "echo 'q' > stop"} in the WORKDIR. */
	private static void execStop(GenericContainer<?> c) {
		TestDocker.exec(c.getContainerId(), "bash", "-c", "echo 'q' > stop");
	}

	private static void kill(String containerId, String signal) {
		TestDocker.client().killContainerCmd(containerId).withSignal(signal).exec();
	}

	private long highestChunkOnDisk(String id, long epoch) {
		try (Stream<Path> files = Files.list(recordings.resolve(id).resolve("chunks"))) {
			return files.map(p -> p.getFileName().toString())
				.filter(n -> n.endsWith("-e" + epoch + ".ts"))
				.mapToLong(n -> Long.parseLong(n.substring(0, n.indexOf('-'))))
				.max()
				.orElse(-1);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The container's environment without the variables its image sets. */
	private static Map<String, String> ownEnvironment(InspectContainerResponse container) {
		List<String> imageEnv = List.of(TestDocker.client()
			.inspectImageCmd(container.getImageId())
			.exec()
			.getConfig()
			.getEnv());
		Map<String, String> env = new LinkedHashMap<>();
		for (String kv : container.getConfig().getEnv()) {
			if (!imageEnv.contains(kv)) {
				env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
			}
		}
		return env;
	}

	/** A recorder of epoch 0 that was not killed and comes back after the failover. */
	private String startZombie(String id, long createdAt) {
		extraContainers.add(id);
		List<String> env = new ArrayList<>();
		TestRecorders.openViduEnv(id, createdAt, 128L * 1024 * 1024).forEach((k, v) -> env.add(k + "=" + v));
		String zombie = TestDocker.client()
			.createContainerCmd(site)
			.withName("ov2ha-test-zombie-" + id)
			.withEnv(env)
			.withLabels(Map.of(TestDocker.TEST_LABEL, "zombie", TestDocker.TEST_LABEL + ".run", id))
			.withHostConfig(HostConfig.newHostConfig()
				.withNetworkMode("host")
				.withBinds(new Bind(recordings.toString(), new Volume("/recordings"))))
			.exec()
			.getId();
		TestDocker.client().startContainerCmd(zombie).exec();
		return zombie;
	}

}
