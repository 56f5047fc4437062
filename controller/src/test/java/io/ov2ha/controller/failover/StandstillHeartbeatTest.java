package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;
import org.testcontainers.containers.GenericContainer;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestControllers;
import io.ov2ha.controller.support.TestDatabase;
import io.ov2ha.controller.support.TestDocker;
import io.ov2ha.controller.support.TestRecorders;
import io.ov2ha.controller.support.TestRedis;
import tools.jackson.databind.JsonNode;

/**
 * The heartbeat as an event source of the reconciler: with the sweep out of play (one pass at the
 * start, the next an hour later), a recorder whose ffmpeg stalls while its heartbeats go on is
 * still judged and replaced, from the heartbeat that shows the standstill.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandstillHeartbeatTest {

	private final TestDatabase redis = TestRedis.database();

	private ConfigurableApplicationContext controller;

	private Api admin;

	private String site;

	private Path recordings;

	private GenericContainer<?> primary;

	private String id;

	@BeforeAll
	void startController() throws IOException {
		TestDocker.assumeAvailable();
		recordings = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "standstill-recordings");
		int port = TestRedis.freePort();
		site = TestDocker.siteImage(TestControllers.recorderSettings(port));
		controller = TestControllers.start(port, site, recordings, null, "--ha.redis.url=" + redis.url(),
				"--ha.failover.reconcile-interval=1h");
		admin = Api.at(port).asAdmin();
	}

	@AfterAll
	void stopController() {
		if (id != null) {
			admin.delete("/api/recordings/" + id + "?force=true");
		}
		if (primary != null) {
			System.out.println("--- logs of " + primary.getContainerName() + "\n" + TestDocker.logs(primary.getContainerId()));
			primary.stop();
		}
		if (id != null) {
			TestDocker.removeContainers(Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.RECORDING_ID, id));
		}
		if (controller != null) {
			controller.close();
		}
		if (site != null) {
			TestDocker.removeImage(site);
		}
		if (recordings != null) {
			FileSystemUtils.deleteRecursively(recordings.toFile());
		}
		redis.flush();
	}

	@Test
	void aStallIsJudgedFromTheHeartbeatThatShowsItWithoutWaitingForTheSweep() throws Exception {
		id = Recordings.newId("standstill");
		primary = TestRecorders.primary(site, id, System.currentTimeMillis(), null, recordings, Map.of());
		primary.start();
		await().atMost(Duration.ofSeconds(40))
			.until(() -> admin.get("/api/recordings/" + id).json().path("chunks").path("lastSeq").asLong(-1) >= 1);
		assertThat(admin.get("/api/failover/status").json().path("reconciler").path("isLeader").asBoolean()).isTrue();

		// ffmpeg freezes; the recorder's heartbeat loop goes on
		TestDocker.exec(primary.getContainerId(), "pkill", "-STOP", "ffmpeg");

		// no sweep runs before an hour: only the heartbeats can have the stall judged
		await().atMost(Duration.ofSeconds(40)).until(() -> !failovers().isEmpty());
		JsonNode f = failovers().get(0);
		assertThat(f.path("reason").asString()).isEqualTo("media-stall");
		assertThat(f.path("failedAtSource").asString()).isEqualTo("last-progress");
		await().atMost(Duration.ofSeconds(40)).until(() -> "started".equals(failovers().get(0).path("outcome").asString()));
		assertThat(TestDocker.client().inspectContainerCmd(primary.getContainerId()).exec().getState().getRunning())
			.isFalse();
	}

	private JsonNode failovers() {
		return admin.get("/api/recordings/" + id + "/failovers").json().path("failovers");
	}

}
