package io.ov2ha.controller.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.util.FileSystemUtils;
import org.testcontainers.containers.GenericContainer;

import com.github.dockerjava.api.command.InspectContainerResponse;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestDocker;
import io.ov2ha.controller.support.TestRecorders;

/** The docker-java runtime against the real Docker engine, with the test recorder image. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerRecorderRuntimeTest {

	private DockerRecorderRuntime runtime;

	private String image;

	private Path recordings;

	private final String run = Recordings.newId("rt");

	@BeforeAll
	void setUp() throws Exception {
		TestDocker.assumeAvailable();
		image = TestDocker.testRecorderImage();
		recordings = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "rt-recordings");
		runtime = new DockerRecorderRuntime(new HaProperties.Docker(null, null, null, null, image, null, null, 0, null, 0, null, 0),
				Clock.systemUTC());
	}

	@AfterAll
	void tearDown() {
		if (runtime != null) {
			TestDocker.removeContainers(Map.of(TestDocker.TEST_LABEL + ".run", run));
			runtime.close();
			FileSystemUtils.deleteRecursively(recordings.toFile());
		}
	}

	/** Subscribes to the runtime's events; {@code connections} gets each (re)connection. */
	private AutoCloseable subscribe(Consumer<RuntimeEvent> events, List<Boolean> connections) {
		return runtime.subscribe(new RuntimeEventListener() {
			@Override
			public void onEvent(RuntimeEvent event) {
				events.accept(event);
			}

			@Override
			public void onConnected(boolean reconnected) {
				connections.add(reconnected);
			}

			@Override
			public void onDisconnected(String reason) {
			}
		});
	}

	private BackupSpec spec(String id, long epoch) {
		return TestBackupSpecs.of(image, id, epoch, run, "runtime", recordings, 96L * 1024 * 1024);
	}

	@Test
	void startsABackupOnTheHostNetworkWithItsEnvironmentLabelsBindAndShm() {
		String id = Recordings.newId("rtstart");
		BackupSpec spec = spec(id, 1);
		String containerId = runtime.startBackup(spec);

		assertThat(ContainerLabels.isExactId(containerId)).isTrue();
		RecorderContainer c = runtime.inspect(containerId).orElseThrow();
		assertThat(c.running()).isTrue();
		assertThat(c.name()).isEqualTo("ov2ha-backup-" + id + "-e1");
		assertThat(c.labels()).containsAllEntriesOf(spec.labels());
		assertThat(c.env()).containsAllEntriesOf(spec.env());
		InspectContainerResponse raw = TestDocker.client().inspectContainerCmd(containerId).exec();
		assertThat(raw.getHostConfig().getNetworkMode()).isEqualTo("host");
		assertThat(raw.getHostConfig().getShmSize()).isEqualTo(96L * 1024 * 1024);
		assertThat(raw.getHostConfig().getBinds()[0].toString()).isEqualTo(recordings + ":/recordings:rw");
		// OpenVidu's startup cleanup force-removes every container whose image, as Docker lists
		// it, starts with the recording image's repo: a backup's is the image id
		String repo = spec.image().substring(0, spec.image().lastIndexOf(':'));
		String listed = TestDocker.client()
			.listContainersCmd()
			.withIdFilter(List.of(containerId))
			.exec()
			.get(0)
			.getImage();
		assertThat(listed).doesNotStartWith(repo).startsWith("sha256:");
		assertThat(raw.getConfig().getLabels()).containsEntry(ContainerLabels.IMAGE, spec.image());
		// it records: chunks named with its epoch, from its start chunk
		await().atMost(Duration.ofSeconds(30))
			.until(() -> Files.exists(recordings.resolve(id).resolve("chunks").resolve("000004-e1.ts")));

		assertThat(runtime.listByLabels(Map.of(ContainerLabels.RECORDING_ID, id))).extracting(RecorderContainer::id)
			.containsExactly(containerId);

		// stopped like OpenVidu stops a recorder: q in /stop, then it exits by itself
		RecorderRuntime.StopResult stop = runtime.stopGracefully(containerId, Duration.ofSeconds(20));
		assertThat(stop.exited()).isTrue();
		assertThat(stop.killed()).isFalse();
		assertThat(stop.exitCode()).isZero();
		assertThat(runtime.inspect(containerId).orElseThrow().running()).isFalse();
		assertThat(runtime.remove(containerId)).isTrue();
		assertThat(runtime.inspect(containerId)).isEmpty();
	}

	@Test
	void killsByIdAndReportsTheDeathAsAnEvent() throws Exception {
		List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
		List<Boolean> connections = new CopyOnWriteArrayList<>();
		try (AutoCloseable subscription = subscribe(events::add, connections)) {
			await().atMost(Duration.ofSeconds(10)).until(() -> !connections.isEmpty());
			assertThat(connections).containsExactly(false);
			assertThat(runtime.status().eventsConnected()).isTrue();
			String id = Recordings.newId("rtkill");
			String containerId = runtime.startBackup(spec(id, 2));

			assertThat(runtime.kill(containerId)).isTrue();

			await().atMost(Duration.ofSeconds(10))
				.until(() -> events.stream()
					.anyMatch(e -> e.containerId().equals(containerId) && e.kind() == RuntimeEvent.Kind.DIED));
			RuntimeEvent died = events.stream().filter(e -> e.containerId().equals(containerId)).findFirst().orElseThrow();
			assertThat(died.exitCode()).isEqualTo(137L);
			assertThat(died.labels()).containsEntry(ContainerLabels.RECORDING_ID, id)
				.containsEntry(ContainerLabels.EPOCH, "2");
			// not running any more: a second kill does nothing
			assertThat(runtime.kill(containerId)).isFalse();
			assertThat(runtime.inspect(containerId).orElseThrow().exitCode()).isEqualTo(137L);
		}
	}

	/**
	 * What the failover relies on to tell a recorder removed by somebody else (OpenVidu's startup
	 * cleanup: {@code docker rm -f}) from a crash: when its die event arrives, inspecting it shows
	 * it gone or being removed, while a killed one shows exited.
	 */
	@Test
	void aForcedRemovalIsVisibleWhenItsDieEventArrives() throws Exception {
		Map<String, String> seen = new ConcurrentHashMap<>();
		List<Boolean> connections = new CopyOnWriteArrayList<>();
		try (AutoCloseable subscription = subscribe(event -> {
			if (event.kind() == RuntimeEvent.Kind.DIED) {
				seen.put(event.containerId(),
						runtime.inspect(event.containerId()).map(RecorderContainer::state).orElse("gone"));
			}
		}, connections)) {
			await().atMost(Duration.ofSeconds(10)).until(() -> !connections.isEmpty());
			String removed = runtime.startBackup(spec(Recordings.newId("rtrm"), 1));
			String killed = runtime.startBackup(spec(Recordings.newId("rtkl"), 1));

			TestDocker.client().removeContainerCmd(removed).withForce(true).exec();
			assertThat(runtime.kill(killed)).isTrue();

			await().atMost(Duration.ofSeconds(10)).until(() -> seen.containsKey(removed) && seen.containsKey(killed));
			assertThat(seen.get(removed)).isIn("removing", "dead", "gone");
			assertThat(seen.get(killed)).isEqualTo("exited");
		}
	}

	@Test
	void killsAFrozenContainer() {
		String containerId = runtime.startBackup(spec(Recordings.newId("rtpause"), 1));
		TestDocker.client().pauseContainerCmd(containerId).exec();

		assertThat(runtime.kill(containerId)).isTrue();

		await().atMost(Duration.ofSeconds(10)).until(() -> !runtime.inspect(containerId).orElseThrow().running());
		assertThat(runtime.inspect(containerId).orElseThrow().exitCode()).isEqualTo(137L);
	}

	@Test
	void copiesFilesAndTellsWhetherOneIsThere() {
		String containerId = runtime.startBackup(spec(Recordings.newId("rtcopy"), 1));
		Map<String, byte[]> files = new LinkedHashMap<>();
		files.put("assignment.env", "A=Yg==\n".getBytes(StandardCharsets.US_ASCII));
		files.put("ready", new byte[0]);

		assertThat(runtime.hasFile(containerId, "/tmp/ready")).isFalse();
		runtime.copyFiles(containerId, "/tmp", files);

		assertThat(runtime.hasFile(containerId, "/tmp/ready")).isTrue();
		assertThat(runtime.hasFile(containerId, "/tmp/assignment.env")).isTrue();
		assertThat(runtime.hasFile(containerId, "/tmp/never-written")).isFalse();
		// a folder that does not exist: refused, and nothing is there afterwards
		assertThatThrownBy(() -> runtime.copyFiles(containerId, "/no-such-folder", files))
			.isInstanceOfSatisfying(RecorderRuntimeException.class,
					ex -> assertThat(ex.kind()).isEqualTo(RecorderRuntimeException.Kind.REFUSED));
		assertThat(runtime.hasFile(containerId, "/no-such-folder/ready")).isFalse();
		// paths are checked before they reach the engine
		assertThatThrownBy(() -> runtime.hasFile(containerId, "tmp/ready")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> runtime.hasFile(containerId, "/tmp/../etc/passwd"))
			.isInstanceOf(IllegalArgumentException.class);
		runtime.kill(containerId);
		// a stopped container still answers
		await().atMost(Duration.ofSeconds(10)).until(() -> !runtime.inspect(containerId).orElseThrow().running());
		assertThat(runtime.hasFile(containerId, "/tmp/ready")).isTrue();
	}

	@Test
	void aMissingImageIsAClearErrorAndNothingIsPulled() {
		BackupSpec spec = spec(Recordings.newId("rtnoimg"), 1);
		BackupSpec missing = new BackupSpec(spec.name(), "ov2ha-no-such-image:never", spec.env(), spec.labels(),
				spec.recordingsHostPath(), spec.shmSizeBytes());
		assertThatThrownBy(() -> runtime.startBackup(missing)).isInstanceOfSatisfying(RecorderRuntimeException.class,
				ex -> {
					assertThat(ex.kind()).isEqualTo(RecorderRuntimeException.Kind.IMAGE_MISSING);
					assertThat(ex.getMessage()).contains("ov2ha-no-such-image:never").contains("never pulls");
				});
		assertThat(TestDocker.imageExists("ov2ha-no-such-image:never")).isFalse();
	}

	@Test
	void aNameInUseIsRefused() {
		BackupSpec spec = spec(Recordings.newId("rtdup"), 1);
		runtime.startBackup(spec);
		assertThatThrownBy(() -> runtime.startBackup(spec)).isInstanceOfSatisfying(RecorderRuntimeException.class,
				ex -> assertThat(ex.kind()).isEqualTo(RecorderRuntimeException.Kind.REFUSED));
	}

	@Test
	void nameLookupIsExactAndIdsMustBeComplete() {
		String base = "ov2ha-test-" + run + "-room1";
		GenericContainer<?> one = TestRecorders.bystander(image, base).withLabel(TestDocker.TEST_LABEL + ".run", run);
		GenericContainer<?> ten = TestRecorders.bystander(image, base + "0").withLabel(TestDocker.TEST_LABEL + ".run", run);
		one.start();
		ten.start();
		try {
			assertThat(runtime.inspectByExactName(base)).map(RecorderContainer::id).contains(one.getContainerId());
			assertThat(runtime.inspectByExactName(base + "0")).map(RecorderContainer::id).contains(ten.getContainerId());
			assertThat(runtime.inspectByExactName("ov2ha-test-" + run + "-room")).isEmpty();
			// an id prefix is never accepted where an exact id is required
			assertThatThrownBy(() -> runtime.kill(one.getContainerId().substring(0, 12)))
				.isInstanceOf(IllegalArgumentException.class);
			assertThat(one.isRunning()).isTrue();
		}
		finally {
			one.stop();
			ten.stop();
		}
	}

	@Test
	void anUnreachableEngineIsReportedNotThrownAtStart() {
		try (DockerRecorderRuntime unreachable = new DockerRecorderRuntime(
				new HaProperties.Docker("tcp://127.0.0.1:9", null, null, null, image, null, null, 0, null, 0, null, 0), Clock.systemUTC())) {
			RuntimeStatus status = unreachable.status();
			assertThat(status.reachable()).isFalse();
			assertThat(status.error()).isNotBlank();
			assertThat(status.endpoint()).isEqualTo("tcp://127.0.0.1:9");
			assertThatThrownBy(() -> unreachable.startBackup(spec(Recordings.newId("rtdown"), 1)))
				.isInstanceOfSatisfying(RecorderRuntimeException.class,
						ex -> assertThat(ex.kind()).isEqualTo(RecorderRuntimeException.Kind.UNAVAILABLE));
		}
	}

}
