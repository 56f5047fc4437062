package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestControllers;
import io.ov2ha.controller.support.TestDocker;
import io.ov2ha.controller.support.TestRecorders;
import io.ov2ha.controller.support.TestRedis;
import tools.jackson.databind.JsonNode;

/** Several controllers on one Redis: a restart finds its backup again, two replicas start one backup. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailoverReplicasTest {

	private int port;

	private String site;

	private Path recordings;

	private final List<ConfigurableApplicationContext> controllers = new ArrayList<>();

	private final List<GenericContainer<?>> containers = new ArrayList<>();

	private final List<String> ids = new ArrayList<>();

	@BeforeAll
	void setUp() throws IOException {
		TestDocker.assumeAvailable();
		TestControllers.flushRedis();
		recordings = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "replica-recordings");
		port = TestRedis.freePort();
		// the recorders talk to the controller on this port
		site = TestDocker.siteImage(TestControllers.recorderSettings(port));
	}

	@AfterEach
	void cleanUp() throws InterruptedException {
		Api admin = Api.at(port).asAdmin();
		if (controllers.isEmpty()) {
			controllers.add(TestControllers.start(port, site, recordings, null));
		}
		for (String id : ids) {
			admin.delete("/api/recordings/" + id + "?force=true");
		}
		Thread.sleep(500);
		for (ConfigurableApplicationContext c : controllers) {
			c.close();
		}
		controllers.clear();
		for (GenericContainer<?> c : containers) {
			System.out.println("--- logs of " + c.getContainerName() + "\n" + TestDocker.logs(c.getContainerId()));
			c.stop();
		}
		containers.clear();
		for (String id : ids) {
			for (Container c : TestDocker.containers(Map.of(ContainerLabels.RECORDING_ID, id))) {
				System.out.println("--- logs of backup " + c.getNames()[0] + "\n" + TestDocker.logs(c.getId()));
			}
			TestDocker.removeContainers(Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.RECORDING_ID, id));
		}
		ids.clear();
	}

	@AfterAll
	void tearDown() {
		if (site != null) {
			TestDocker.removeImage(site);
		}		if (recordings != null) {
			FileSystemUtils.deleteRecursively(recordings.toFile());
		}
	}

	@Test
	void aRestartedControllerFindsTheRunningBackupByLabelAndStartsNoOther() {
		String id = newId("restart");
		Api admin = Api.at(port).asAdmin();
		String backup = backupOfAStoppedController(admin, id);
		ConfigurableApplicationContext second = start(port);

		// found again by label after the full reconciliation; still the only recorder, still epoch 1
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			JsonNode reconciler = admin.get("/api/failover/status").json().path("reconciler");
			return reconciler.path("isLeader").asBoolean() && reconciler.path("runningBackupsFound").asInt() >= 1;
		});
		assertThat(activeBackup(admin, id, backup)).isTrue();
		Instant judging = Instant.parse(admin.get("/api/failover/status").json().path("reconciler").path("judgingFrom").asString());
		await().atMost(Duration.ofSeconds(30)).until(() -> Instant.now().isAfter(judging.plusSeconds(5)));
		JsonNode recording = admin.get("/api/recordings/" + id).json();
		assertThat(recording.path("epoch").asLong()).isEqualTo(1);
		assertThat(recording.path("failoverCount").asInt()).isEqualTo(1);
		assertThat(recording.path("status").asString()).isEqualTo("RECORDING");
		List<Container> backups = TestDocker.containers(Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.RECORDING_ID, id));
		assertThat(backups).extracting(Container::getId).containsExactly(backup);
		assertThat(backups.get(0).getState()).isEqualTo("running");
		// and it keeps recording under the restarted controller
		long before = recording.path("chunks").path("lastSeq").asLong();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> admin.get("/api/recordings/" + id).json().path("chunks").path("lastSeq").asLong() > before);
		assertThat(second.isRunning()).isTrue();
	}

	@Test
	void aBackupThatDiedWhileNoControllerRanIsReplacedByTheFullReconciliation() {
		String id = newId("missed");
		Api admin = Api.at(port).asAdmin();
		String backup = backupOfAStoppedController(admin, id);

		// its death while no controller listens: no event will tell of it
		TestDocker.client().killContainerCmd(backup).exec();
		// a heartbeat timeout of a minute: its silence cannot be what the next controller acts on
		controllers.add(TestControllers.start(port, site, recordings, null, "--ha.heartbeat.max-missed=60"));

		String next = awaitBackup(admin, id, 2);
		JsonNode second = admin.get("/api/recordings/" + id + "/failovers").json().path("failovers").get(1);
		assertThat(second.path("reason").asString()).isEqualTo("container-died");
		assertThat(second.path("oldContainerId").asString()).isEqualTo(backup);
		assertThat(second.path("failedAtSource").asString()).isEqualTo("container-finished");
		assertThat(next).isNotEqualTo(backup);
		assertThat(admin.get("/api/recordings/" + id).json().path("status").asString()).isEqualTo("RECORDING");
	}

	@Test
	void aStopAskedOfTheControllerThatDoesNotSweepStopsTheBackupThereAndFinalizesIt() {
		String id = newId("stop");
		// the lease holder would take up a stop nobody finished only ten minutes after it began
		int leaderPort = TestRedis.freePort();
		controllers.add(TestControllers.start(leaderPort, site, recordings, null, "--ha.failover.stop-timeout=10m"));
		Api leader = Api.at(leaderPort).asAdmin();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> leader.get("/api/failover/status").json().path("reconciler").path("isLeader").asBoolean());
		start(port);
		Api admin = Api.at(port).asAdmin();
		GenericContainer<?> primary = primary(id);
		awaitChunk(admin, id, 0);
		TestDocker.client().killContainerCmd(primary.getContainerId()).exec();
		String backup = awaitBackup(admin, id, 1);

		assertThat(admin.post("/api/recordings/" + id + "/stop", null).status()).isEqualTo(202);

		// well before the lease holder's fallback (ten minutes): the controller asked stopped it
		await().atMost(Duration.ofSeconds(90))
			.until(() -> admin.get("/api/recordings/" + id).json().path("status").asString().equals("READY"));
		assertThat(admin.get("/api/failover/status").json().path("reconciler").path("isLeader").asBoolean())
			.as("stopped by the controller asked, not the lease holder").isFalse();
		// the backup asks for its finalization before it exits: READY may come first
		InspectContainerResponse stopped = await().atMost(Duration.ofSeconds(30))
			.until(() -> TestDocker.client().inspectContainerCmd(backup).exec(), c -> !c.getState().getRunning());
		assertThat(stopped.getState().getExitCodeLong()).as("stopped as OpenVidu stops its recorder").isZero();
	}

	@Test
	void twoControllersRacingTheSameFailureStartExactlyOneBackup() {
		String id = newId("race");
		start(port);
		start(TestRedis.freePort());
		GenericContainer<?> primary = primary(id);
		Api admin = Api.at(port).asAdmin();
		awaitChunk(admin, id, 0);

		// both controllers get Docker's die event and both try to fail over
		TestDocker.client().killContainerCmd(primary.getContainerId()).exec();

		String backup = awaitBackup(admin, id, 1);
		// for a while, only that one backup exists (a second one would show up within this time)
		await().during(Duration.ofSeconds(4))
			.atMost(Duration.ofSeconds(10))
			.until(() -> TestDocker
				.containers(Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.RECORDING_ID, id))
				.stream()
				.map(Container::getId)
				.toList()
				.equals(List.of(backup)));
		JsonNode history = admin.get("/api/recordings/" + id + "/failovers").json();
		assertThat(history.path("epoch").asLong()).isEqualTo(1);
		assertThat(history.path("failoverCount").asInt()).isEqualTo(1);
		assertThat(history.path("failovers")).hasSize(1);
	}

	@Test
	void aReplicaWhoseHostClockIsBehindDoesNotMakeItsRecordersLookDead() {
		String id = newId("skew");
		// the leader judges; the recorders talk to the other replica, whose host is 30 s behind:
		// on host clocks its heartbeats would look 30 s old to the leader (heartbeat timeout 4 s)
		int leaderPort = TestRedis.freePort();
		start(leaderPort);
		Api leader = Api.at(leaderPort).asAdmin();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> leader.get("/api/failover/status").json().path("reconciler").path("isLeader").asBoolean());
		ConfigurableApplicationContext behind = TestControllers.start(port, site, recordings,
				ctx -> ctx.registerBean("hostClock", Clock.class,
						() -> Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-30))));
		controllers.add(behind);
		primary(id);
		awaitChunk(leader, id, 0);

		await().during(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(20)).until(() -> {
			JsonNode r = leader.get("/api/recordings/" + id).json();
			return r.path("failoverCount").asInt() == 0 && r.path("status").asString().equals("RECORDING");
		});
		assertThat(leader.get("/api/failover/status").json().path("reconciler").path("isLeader").asBoolean()).isTrue();
	}

	/**
	 * A controller fails the recording's primary over (killed), then stops: the backup (epoch 1)
	 * records on with no controller.
	 */
	private String backupOfAStoppedController(Api admin, String id) {
		ConfigurableApplicationContext first = start(port);
		GenericContainer<?> primary = primary(id);
		awaitChunk(admin, id, 0);
		TestDocker.client().killContainerCmd(primary.getContainerId()).exec();
		String backup = awaitBackup(admin, id, 1);
		first.close();
		controllers.remove(first);
		return backup;
	}

	private ConfigurableApplicationContext start(int on) {
		ConfigurableApplicationContext c = TestControllers.start(on, site, recordings, null);
		controllers.add(c);
		return c;
	}

	private String newId(String prefix) {
		String id = Recordings.newId(prefix);
		ids.add(id);
		return id;
	}

	private GenericContainer<?> primary(String id) {
		GenericContainer<?> c = TestRecorders.primary(site, id, System.currentTimeMillis(), null, recordings, Map.of());
		containers.add(c);
		c.start();
		return c;
	}

	private static void awaitChunk(Api admin, String id, long seq) {
		await().atMost(Duration.ofSeconds(40))
			.until(() -> admin.get("/api/recordings/" + id).json().path("chunks").path("lastSeq").asLong(-1) >= seq);
	}

	private static String awaitBackup(Api admin, String id, long epoch) {
		await().atMost(Duration.ofSeconds(40)).until(() -> {
			for (JsonNode f : admin.get("/api/recordings/" + id + "/failovers").json().path("failovers")) {
				if (f.path("toEpoch").asLong() == epoch && f.path("outcome").asString().equals("started")) {
					return true;
				}
			}
			return false;
		});
		for (JsonNode f : admin.get("/api/recordings/" + id + "/failovers").json().path("failovers")) {
			if (f.path("toEpoch").asLong() == epoch) {
				return f.path("backupContainerId").asString();
			}
		}
		throw new AssertionError("no backup of epoch " + epoch);
	}

	private static boolean activeBackup(Api admin, String id, String containerId) {
		for (JsonNode b : admin.get("/api/failover/status").json().path("activeBackups")) {
			if (b.path("recordingId").asString().equals(id) && b.path("containerId").asString().equals(containerId)) {
				return true;
			}
		}
		return false;
	}

}
