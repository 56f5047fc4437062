package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.SecondEngine;
import io.ov2ha.controller.support.TestControllers;
import io.ov2ha.controller.support.TestDocker;
import io.ov2ha.controller.support.TestRecorders;
import io.ov2ha.controller.support.TestRedis;
import tools.jackson.databind.JsonNode;

/**
 * Recorders on two Docker engines (HA_DOCKER_HOSTS): the tests' engine (A) and a
 * {@link SecondEngine} playing another host (B). A recorder that dies on B is replaced on B; when
 * B's whole host dies (engine and containers at once, no die event), its recorder is replaced on A
 * from the next chunk, and the recording ends as any other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EngineLossTest {

	private static final Duration CHUNK_WAIT = Duration.ofSeconds(60);

	private static final Duration FAILOVER_WAIT = Duration.ofSeconds(60);

	/** What a silence of two recorders of one busy host gets before it is judged (HA_CPU_PRESSURE_TIMEOUT). */
	private static final Duration PATIENCE = Duration.ofSeconds(30);

	private SecondEngine b;

	private ConfigurableApplicationContext controller;

	private Api admin;

	private ScenarioApi scenario;

	private String site;

	private Path recordings;

	private final FailoverScenariosTest.Hooks hooks = new FailoverScenariosTest.Hooks();

	private final List<String> ids = new ArrayList<>();

	@BeforeAll
	void startController() throws IOException {
		TestDocker.assumeAvailable();
		b = SecondEngine.start();
		TestControllers.flushRedis();
		recordings = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "engines-recordings");
		int port = TestRedis.freePort();
		site = TestDocker.siteImage(TestControllers.recorderSettings(port));
		b.load(site);
		controller = TestControllers.start(port, site, recordings,
				ctx -> ctx.registerBean("testHooks", FailoverScenariosTest.Hooks.class, () -> hooks,
						bd -> bd.setPrimary(true)),
				"--ha.docker.hosts=unix:///var/run/docker.sock," + b.endpoint(),
				"--ha.failover.standby-recorders=0", "--ha.failover.cpu-pressure-timeout=" + PATIENCE.toSeconds() + "s");
		admin = Api.at(port).asAdmin();
		scenario = new ScenarioApi(admin);
	}

	@AfterEach
	void forget() throws InterruptedException {
		for (String id : ids) {
			admin.delete("/api/recordings/" + id + "?force=true");
		}
		Thread.sleep(500);
		for (String id : ids) {
			for (var c : TestDocker.containers(Map.of(ContainerLabels.RECORDING_ID, id))) {
				System.out.println("--- logs of backup " + c.getNames()[0] + "\n" + TestDocker.logs(c.getId()));
			}
			TestDocker.removeContainers(Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.RECORDING_ID, id));
		}
		ids.clear();
	}

	@AfterAll
	void stop() {
		if (controller != null) {
			controller.close();
		}
		if (b != null) {
			b.close();
		}
		if (site != null) {
			TestDocker.removeImage(site);
		}
		if (recordings != null) {
			FileSystemUtils.deleteRecursively(recordings.toFile());
		}
	}

	@Test
	@Order(1)
	void aRecorderThatDiesOnTheSecondEngineIsReplacedOnItsOwnEngine() {
		String id = newId("engdie");
		String primary = TestRecorders.primaryOn(b.client(), site, id, System.currentTimeMillis(), recordings);
		scenario.awaitChunk(id, 1, CHUNK_WAIT);
		assertThat(host(id)).isEqualTo(SecondEngine.HOST_NAME);

		b.client().killContainerCmd(primary).withSignal("SIGKILL").exec();

		JsonNode f = scenario.awaitBackupStarted(id, 1, FAILOVER_WAIT);
		assertThat(f.path("reason").asString()).isEqualTo("container-died");
		assertThat(f.path("failedAtSource").asString()).isEqualTo("docker-event");
		String backup = f.path("backupContainerId").asString();
		// on B, the engine of the recorder it replaces, which still answers
		assertThat(b.client().inspectContainerCmd(backup).exec().getState().getRunning()).isTrue();
		assertThat(TestDocker.containers(Map.of(ContainerLabels.RECORDING_ID, id))).isEmpty();
		scenario.awaitChunkOfEpoch(id, f.path("startChunk").asLong(), 1);
		assertThat(host(id)).isEqualTo(SecondEngine.HOST_NAME);
	}

	@Test
	@Order(2)
	void whenTheSecondEnginesHostDiesItsRecordersAreReplacedOnTheFirstAtOnceFromTheNextChunk() {
		String one = newId("enghost");
		String two = newId("enghost");
		long createdAt = System.currentTimeMillis();
		TestRecorders.primaryOn(b.client(), site, one, createdAt, recordings);
		TestRecorders.primaryOn(b.client(), site, two, createdAt, recordings);
		scenario.awaitChunk(one, 1, CHUNK_WAIT);
		scenario.awaitChunk(two, 1, CHUNK_WAIT);

		b.crash();

		for (String id : List.of(one, two)) {
			JsonNode f = scenario.awaitBackupStarted(id, 1, FAILOVER_WAIT);
			// no die event: its silence; not deferred as two recorders of a busy host standing still
			// together would be (HA_CPU_PRESSURE_TIMEOUT, 30 s here): their engine is lost
			assertThat(f.path("reason").asString()).isEqualTo("heartbeat-lost");
			assertThat(f.path("detectionMillis").asLong()).isLessThan(PATIENCE.toMillis());
			String backup = f.path("backupContainerId").asString();
			assertThat(TestDocker.client().inspectContainerCmd(backup).exec().getState().getRunning()).isTrue();
			long startChunk = f.path("startChunk").asLong();
			assertThat(startChunk).isGreaterThan(1);
			scenario.awaitChunkOfEpoch(id, startChunk, 1);
		}
		JsonNode docker = admin.get("/api/failover/status").json().path("docker");
		assertThat(docker.path("reachable").asBoolean()).isTrue();
		assertThat(docker.path("engines").get(1).path("reachable").asBoolean()).isFalse();

		// the end: stopped, finalized and announced once, as any recording
		for (String id : List.of(one, two)) {
			assertThat(admin.post("/api/recordings/" + id + "/stop", null).status()).isEqualTo(202);
		}
		for (String id : List.of(one, two)) {
			await().atMost(Duration.ofSeconds(30)).until(() -> hooks.notified.containsKey(RecordingId.of(id)));
			assertThat(hooks.finalized).containsKey(RecordingId.of(id));
			assertThat(hooks.notified.get(RecordingId.of(id))).isEqualTo("READY/stoppedByAdmin");
			assertThat(scenario.failovers(id).path("failovers")).hasSize(1);
			assertThat(scenario.recording(id).path("failoverCount").asInt()).isEqualTo(1);
		}
		b.restart();
	}

	private String newId(String prefix) {
		String id = Recordings.newId(prefix);
		ids.add(id);
		return id;
	}

	/** The recording's host: the name its recorder registered with, or its backup's engine's. */
	private String host(String id) {
		return controller.getBean(RecordingStore.class).find(RecordingId.of(id)).orElseThrow().host();
	}

}
