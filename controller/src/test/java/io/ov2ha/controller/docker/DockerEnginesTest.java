package io.ov2ha.controller.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.util.FileSystemUtils;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.SecondEngine;
import io.ov2ha.controller.support.TestDocker;

/**
 * The runtime over two real Docker engines (the tests' engine and a {@link SecondEngine}):
 * placement, routing by container, both event streams, and the loss of one engine's host.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerEnginesTest {

	private static final String A = "unix:///var/run/docker.sock";

	private SecondEngine b;

	private DockerEngines engines;

	private String image;

	private Path recordings;

	private final String run = Recordings.newId("eng");

	private final List<RuntimeEvent> events = new CopyOnWriteArrayList<>();

	private AutoCloseable subscription;

	@BeforeAll
	void setUp() throws Exception {
		TestDocker.assumeAvailable();
		image = TestDocker.testRecorderImage();
		b = SecondEngine.start();
		b.load(image);
		recordings = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "eng-recordings");
		engines = new DockerEngines(new HaProperties.Docker(null, null, null, null, image, null, null, 0, null, 0,
				List.of(A, b.endpoint()), 0), Clock.systemUTC());
		subscription = engines.subscribe(new RuntimeEventListener() {
			@Override
			public void onEvent(RuntimeEvent event) {
				events.add(event);
			}

			@Override
			public void onConnected(boolean reconnected) {
			}

			@Override
			public void onDisconnected(String reason) {
			}
		});
	}

	@AfterAll
	void tearDown() throws Exception {
		if (subscription != null) {
			subscription.close();
		}
		if (engines != null) {
			engines.close();
		}
		if (b != null) {
			b.close();
		}
		TestDocker.removeContainers(Map.of(TestDocker.TEST_LABEL + ".run", run));
		if (recordings != null) {
			FileSystemUtils.deleteRecursively(recordings.toFile());
		}
	}

	private BackupSpec spec(String id, long epoch) {
		return TestBackupSpecs.of(image, id, epoch, run, "engines", recordings, 64L * 1024 * 1024);
	}

	private boolean onB(String containerId) {
		return b.client().listContainersCmd().withShowAll(true).withIdFilter(List.of(containerId)).exec().size() == 1;
	}

	@Test
	@Order(1)
	void bothEnginesAnswerAndEachContainerIsAddressedOnItsOwn() {
		await().atMost(Duration.ofSeconds(10)).until(() -> engines.engines().stream().allMatch(RuntimeStatus::reachable));
		assertThat(engines.engines()).extracting(RuntimeStatus::endpoint).containsExactly(A, b.endpoint());
		assertThat(engines.engines().get(1).hostName()).isEqualTo(SecondEngine.HOST_NAME);
		assertThat(engines.status().reachable()).isTrue();
		assertThat(engines.imagePresent(image)).isTrue();
		assertThat(engines.engineCount()).isEqualTo(2);

		// nowhere in particular: an engine that answers (which one: PlacementTest)
		String first = engines.startBackup(spec(Recordings.newId("eng1"), 1));
		assertThat(engines.inspect(first).orElseThrow().running()).isTrue();
		// near a recorder the runtime has not seen yet (a primary OpenVidu started on B): its engine
		String primary = b.client()
			.createContainerCmd(image)
			.withEntrypoint("sleep", "600")
			.withLabels(Map.of(TestDocker.TEST_LABEL, "primary", TestDocker.TEST_LABEL + ".run", run))
			.exec()
			.getId();
		b.client().startContainerCmd(primary).exec();
		String onB = engines.startBackup(spec(Recordings.newId("eng2"), 1).placedNear(primary));
		assertThat(onB(onB)).isTrue();
		assertThat(engines.statusOf(onB).endpoint()).isEqualTo(b.endpoint());
		// near a recorder it started: the same engine
		String near = engines.startBackup(spec(Recordings.newId("eng3"), 1).placedNear(onB));
		assertThat(onB(near)).isTrue();

		// listed together, inspected and killed where each runs, its death seen on its engine's stream
		assertThat(engines.listByLabels(Map.of(TestDocker.TEST_LABEL + ".run", run))).extracting(RecorderContainer::id)
			.contains(first, primary, onB, near);
		assertThat(engines.inspect(near).orElseThrow().running()).isTrue();
		assertThat(engines.kill(near)).isTrue();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> events.stream()
				.anyMatch(e -> e.kind() == RuntimeEvent.Kind.DIED && e.containerId().equals(near)));
		assertThat(engines.remove(near)).isTrue();
		assertThat(engines.inspect(near)).isEmpty();
		assertThat(engines.engineLost(onB)).isFalse();
	}

	@Test
	@Order(2)
	void aLostEngineIsNeverCalledAgainAndItsRecordersBackupsGoToTheOther() {
		String onB = engines.startBackup(spec(Recordings.newId("eng4"), 1).placedNear(anyOnB()));
		assertThat(onB(onB)).isTrue();

		b.crash();

		await().atMost(EngineProbes.PERIOD.multipliedBy(5))
			.until(() -> !engines.engines().get(1).reachable());
		assertThat(engines.status().reachable()).isTrue();
		assertThat(engines.engineLost(onB)).isTrue();
		assertThatThrownBy(() -> engines.inspect(onB)).isInstanceOfSatisfying(RecorderRuntimeException.class,
				ex -> assertThat(ex.kind()).isEqualTo(RecorderRuntimeException.Kind.UNAVAILABLE));
		// a stop of a recorder there waits for its engine a stop's time, then gives up on it
		long t0 = System.nanoTime();
		assertThat(engines.stopGracefully(onB, Duration.ofSeconds(1)))
			.isEqualTo(new RecorderRuntime.StopResult(false, false, null));
		assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
		// what a failover does with the lost recorder: no kill reaches it, its backup goes to the other engine
		String backup = engines.startBackup(spec(Recordings.newId("eng5"), 2).placedNear(onB));
		assertThat(TestDocker.client().inspectContainerCmd(backup).exec().getState().getRunning()).isTrue();
		assertThat(engines.statusOf(backup).endpoint()).isEqualTo(A);
		assertThat(engines.listByLabels(Map.of(TestDocker.TEST_LABEL + ".run", run))).extracting(RecorderContainer::id)
			.contains(backup)
			.doesNotContain(onB);
		// a host's death sends no die event
		assertThat(events).noneMatch(e -> e.kind() == RuntimeEvent.Kind.DIED && e.containerId().equals(onB));

		b.restart();
		await().atMost(Duration.ofSeconds(30)).until(() -> engines.engines().get(1).reachable());
		assertThat(engines.engineLost(onB)).isFalse();
	}

	private String anyOnB() {
		return b.client()
			.listContainersCmd()
			.withLabelFilter(Map.of(TestDocker.TEST_LABEL + ".run", run))
			.exec()
			.get(0)
			.getId();
	}

}
