package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import com.github.dockerjava.api.model.Container;

import io.micrometer.core.instrument.MeterRegistry;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Manifests;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestControllers;
import io.ov2ha.controller.support.TestDatabase;
import io.ov2ha.controller.support.TestDocker;
import io.ov2ha.controller.support.TestRecorders;
import io.ov2ha.controller.support.TestRedis;
import tools.jackson.databind.JsonNode;

/**
 * Warm standby recorders against the real Docker engine (HA_STANDBY_RECORDERS=1 of the test
 * recordings' 320x180): a standby writes nothing before it is handed a recording; a killed
 * primary's recording goes to it (after the primary is gone), it records from the next chunk as
 * the epoch's backup, is stopped and finalized like one, and the pool fills up again; a
 * recording of another resolution gets a cold backup.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandbyRecordersTest {

	private static final Duration WAIT = Duration.ofSeconds(60);

	/** Docker's time of the standby's log line that says it took its assignment. */
	private static final Pattern ASSIGNED_AT = Pattern.compile("^(\\S+) \\S+ test-recorder event=standby_assigned",
			Pattern.MULTILINE);

	private final TestDatabase redis = TestRedis.database();

	private ConfigurableApplicationContext controller;

	private Api admin;

	private String site;

	private Path recordings;

	private final List<GenericContainer<?>> primaries = new ArrayList<>();

	private final List<String> ids = new ArrayList<>();

	@BeforeAll
	void startController() throws IOException {
		TestDocker.assumeAvailable();
		recordings = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "standby-recordings");
		int port = TestRedis.freePort();
		site = TestDocker.siteImage(TestControllers.recorderSettings(port));
		controller = TestControllers.start(port, site, recordings, null, "--ha.redis.url=" + redis.url(),
				"--ha.failover.standby-recorders=1", "--ha.failover.standby-resolution=320x180",
				// a recorder dying right after its claim falls in the back-off (see the failed hand-over)
				"--ha.failover.backoff=3s");
		admin = Api.at(port).asAdmin();
	}

	@AfterEach
	void cleanUp() {
		for (String id : ids) {
			admin.delete("/api/recordings/" + id + "?force=true");
		}
		for (GenericContainer<?> c : primaries) {
			System.out.println("--- logs of " + c.getContainerName() + "\n" + TestDocker.logs(c.getContainerId()));
			c.stop();
		}
		primaries.clear();
		for (String id : ids) {
			TestDocker.removeContainers(Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.RECORDING_ID, id));
		}
		ids.clear();
	}

	@AfterAll
	void stopController() {
		if (controller != null) {
			controller.close();
		}
		for (Container c : standbys()) {
			System.out.println("--- logs of standby " + c.getNames()[0] + "\n" + TestDocker.logs(c.getId()));
		}
		TestDocker.removeContainers(Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.ROLE, ContainerLabels.ROLE_STANDBY));
		if (site != null) {
			TestDocker.removeImage(site);
		}
		if (recordings != null) {
			FileSystemUtils.deleteRecursively(recordings.toFile());
		}
		redis.flush();
	}

	@Test
	void aKilledPrimaryIsHandedToTheStandbyWhichRecordsFromTheNextChunkAndThePoolFillsUpAgain() throws Exception {
		String standby = awaitFreeStandby();
		double handovers = handovers();
		String id = newId("standby");
		GenericContainer<?> primary = primary(id, Map.of());
		awaitChunk(id, 1);
		// waiting, the standby has written nothing and knows no recording
		assertThat(chunkFiles(id)).allMatch(n -> n.endsWith("-e0.ts"));
		assertThat(TestDocker.logs(standby)).contains("event=standby_ready").doesNotContain("event=standby_assigned");

		TestDocker.client().killContainerCmd(primary.getContainerId()).withSignal("SIGKILL").exec();

		JsonNode f = awaitBackupStarted(id);
		assertThat(f.path("backupContainerId").asString()).isEqualTo(standby);
		assertThat(f.path("standby").asBoolean()).isTrue();
		InspectContainerResponse backup = TestDocker.client().inspectContainerCmd(standby).exec();
		assertThat(backup.getName()).isEqualTo("/" + ContainerLabels.backupName(io.ov2ha.controller.kernel.RecordingId.of(id), 1));
		long startChunk = f.path("startChunk").asLong();
		awaitChunkOfEpoch(id, startChunk, 1);
		// the standby's page joined only once the old recorder was gone (OpenVidu's one RECORDER per session)
		Instant oldFinished = Instant.parse(TestDocker.client().inspectContainerCmd(primary.getContainerId()).exec()
			.getState().getFinishedAt());
		Matcher m = ASSIGNED_AT.matcher(TestDocker.logs(standby, true));
		assertThat(m.find()).isTrue();
		Instant assignedAt = Instant.parse(m.group(1));
		assertThat(assignedAt).isAfterOrEqualTo(oldFinished.minusMillis(1));
		assertThat(handovers()).isEqualTo(handovers + 1);

		// the pool fills up again with a new standby
		String next = awaitFreeStandby();
		assertThat(next).isNotEqualTo(standby);

		// the handed-over standby is a backup like any other: stopped, finalized, sealed
		assertThat(admin.post("/api/recordings/" + id + "/stop", null).status()).isEqualTo(202);
		await().atMost(WAIT).until(() -> "READY".equals(recording(id).path("status").asString()));
		// the recorder exits once its finalize call returned (the final may be sealed before)
		await().atMost(WAIT)
			.until(() -> !Boolean.TRUE.equals(TestDocker.client().inspectContainerCmd(standby).exec().getState().getRunning()));
		assertThat(TestDocker.client().inspectContainerCmd(standby).exec().getState().getExitCodeLong()).isZero();
		assertThat(recording(id).path("failoverCount").asInt()).isEqualTo(1);
	}

	@Test
	void aRecordingOfAnotherResolutionGetsAColdBackupAndTheStandbyStaysFree() {
		String standby = awaitFreeStandby();
		String id = newId("standby-res");
		GenericContainer<?> primary = primary(id, Map.of("RESOLUTION", "640x360"));
		awaitChunk(id, 1);

		TestDocker.client().killContainerCmd(primary.getContainerId()).withSignal("SIGKILL").exec();

		JsonNode f = awaitBackupStarted(id);
		assertThat(f.path("backupContainerId").asString()).isNotEqualTo(standby);
		assertThat(f.path("standby").asBoolean()).isFalse();
		InspectContainerResponse backup = TestDocker.client().inspectContainerCmd(f.path("backupContainerId").asString()).exec();
		assertThat(backup.getConfig().getLabels()).containsEntry(ContainerLabels.ROLE, ContainerLabels.ROLE_BACKUP);
		assertThat(TestDocker.client().inspectContainerCmd(standby).exec().getName()).startsWith("/ov2ha-standby-");
		assertThat(TestDocker.logs(standby)).doesNotContain("event=standby_assigned");
	}

	@Test
	void aStandbyWhoseAssignmentCannotBeWrittenIsKilledAndAnotherBackupTakesTheRecording() throws Exception {
		String standby = awaitFreeStandby();
		double handovers = handovers();
		// a file where the assignment folder should be: the engine's copy fails, nothing is written
		TestDocker.exec(standby, "sh", "-c",
				"rm -rf " + StandbyHandover.ASSIGNMENT_DIR + " && touch " + StandbyHandover.ASSIGNMENT_DIR);
		String id = newId("standby-fail");
		GenericContainer<?> primary = primary(id, Map.of());
		awaitChunk(id, 1);

		TestDocker.client().killContainerCmd(primary.getContainerId()).withSignal("SIGKILL").exec();

		// the standby is killed without having taken anything, and the next epoch records
		await().atMost(WAIT)
			.until(() -> !Boolean.TRUE.equals(TestDocker.client().inspectContainerCmd(standby).exec().getState().getRunning()));
		assertThat(TestDocker.client().inspectContainerCmd(standby).exec().getState().getExitCodeLong()).isEqualTo(137L);
		assertThat(TestDocker.logs(standby)).doesNotContain("event=standby_assigned");
		awaitChunk(id, c -> c.path("epoch").asLong() == 2);
		assertThat(recording(id).path("status").asString()).isEqualTo("RECORDING");
		// killed by the failed hand-over itself (its death the next failover), not left to its
		// take-over deadline as a standby that would have been counted handed over
		assertThat(handovers()).isEqualTo(handovers);
		JsonNode second = admin.get("/api/recordings/" + id + "/failovers").json().path("failovers").get(1);
		assertThat(second.path("reason").asString()).isEqualTo("container-died");
		assertThat(second.path("oldContainerId").asString()).isEqualTo(standby);
		// its death came within the back-off of the first claim: its Docker event's exit decided
		// again once the back-off ended, not left to the silence check or the full reconciliation
		// (every minute, both "container-finished"); bound generous for a busy host
		assertThat(second.path("failedAtSource").asString()).isEqualTo("docker-event");
		assertThat(second.path("detectionMillis").isNumber()).isTrue();
		assertThat(second.path("detectionMillis").asLong()).isLessThan(12_000L);
	}

	// --- helpers -------------------------------------------------------------------------------

	private String newId(String prefix) {
		String id = Recordings.newId(prefix);
		ids.add(id);
		return id;
	}

	private GenericContainer<?> primary(String id, Map<String, String> extraEnv) {
		GenericContainer<?> c = TestRecorders.primary(site, id, System.currentTimeMillis(), null, recordings, extraEnv);
		primaries.add(c);
		c.start();
		return c;
	}

	private double handovers() {
		return controller.getBean(MeterRegistry.class).counter("ov2ha.standby.handovers").count();
	}

	private static List<Container> standbys() {
		return TestDocker.containers(Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.ROLE, ContainerLabels.ROLE_STANDBY));
	}

	/** The one free standby, once the status counts it ready. */
	private String awaitFreeStandby() {
		await().atMost(WAIT).until(() -> admin.get("/api/failover/status").json().path("standbys").path("ready").asInt() == 1);
		List<String> free = standbys().stream()
			.filter(c -> "running".equals(c.getState()) && c.getNames()[0].startsWith("/" + ContainerLabels.STANDBY_NAME_PREFIX))
			.map(Container::getId)
			.toList();
		assertThat(free).hasSize(1);
		return free.get(0);
	}

	private JsonNode recording(String id) {
		return admin.get("/api/recordings/" + id).json();
	}

	private void awaitChunk(String id, long seq) {
		await().atMost(WAIT).until(() -> recording(id).path("chunks").path("lastSeq").asLong(-1) >= seq);
	}

	private void awaitChunkOfEpoch(String id, long seq, long epoch) {
		awaitChunk(id, Manifests.chunkOf(seq, epoch));
	}

	/** Until the recording's manifest holds a chunk that matches. */
	private void awaitChunk(String id, Predicate<JsonNode> wanted) {
		Manifests.awaitChunk(admin, id, WAIT, wanted, () -> "recording: " + recording(id));
	}

	private JsonNode awaitBackupStarted(String id) {
		await().atMost(WAIT).until(() -> {
			JsonNode fs = admin.get("/api/recordings/" + id + "/failovers").json().path("failovers");
			return !fs.isEmpty() && "started".equals(fs.get(0).path("outcome").asString());
		});
		return admin.get("/api/recordings/" + id + "/failovers").json().path("failovers").get(0);
	}

	private List<String> chunkFiles(String id) throws IOException {
		try (Stream<Path> files = Files.list(recordings.resolve(id).resolve("chunks"))) {
			return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ts")).toList();
		}
	}

}
