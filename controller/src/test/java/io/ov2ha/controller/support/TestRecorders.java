package io.ov2ha.controller.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;

import io.ov2ha.controller.kernel.RecordingId;

/**
 * Recorder containers as OpenVidu starts them: named {@code recording_<id with ~ as _>}, host
 * network, the recordings folder bound at /recordings, OpenVidu's environment, no labels of
 * ours (only the test label, to clean up).
 */
public final class TestRecorders {

	private TestRecorders() {
	}

	/** OpenVidu's RECORDING_JSON of a COMPOSED recording, with an optional shmSize. */
	public static String recordingJson(String id, long createdAt, Long shmSize) {
		return "{\"id\":\"" + id + "\",\"object\":\"recording\",\"name\":\"" + id
				+ "\",\"outputMode\":\"COMPOSED\",\"resolution\":\"320x180\",\"frameRate\":10,"
				+ "\"recordingLayout\":\"BEST_FIT\",\"sessionId\":\"" + id + "\",\"createdAt\":" + createdAt
				+ ",\"size\":0,\"duration\":0.0,\"url\":null,\"hasAudio\":true,\"hasVideo\":true,\"status\":\"started\""
				+ (shmSize == null ? "" : ",\"shmSize\":" + shmSize) + "}";
	}

	/** Exactly the variables OpenVidu sets on its recorder (the layout URL holds its secret). */
	public static Map<String, String> openViduEnv(String id, long createdAt, Long shmSize) {
		return Recordings.openViduEnv(id, "320x180", "10", recordingJson(id, createdAt, shmSize));
	}

	/** A container of the recorder image, not started, named and configured as OpenVidu does. */
	@SuppressWarnings("resource")
	public static GenericContainer<?> primary(String image, String id, long createdAt, Long shmSize, Path recordings,
			Map<String, String> extraEnv) {
		Map<String, String> env = new LinkedHashMap<>(openViduEnv(id, createdAt, shmSize));
		env.putAll(extraEnv);
		String name = RecordingId.of(id).openViduContainerName();
		return new GenericContainer<>(DockerImageName.parse(image)).withImagePullPolicy(img -> false)
			.withNetworkMode("host")
			.withEnv(env)
			.withLabel(TestDocker.TEST_LABEL, "primary")
			.withCreateContainerCmdModifier(cmd -> {
				cmd.withName(name);
				// the bind as OpenVidu sets it (Testcontainers' own file binds would run a check container)
				cmd.getHostConfig()
					.withShmSize(64L * 1024 * 1024)
					.withBinds(new Bind(recordings.toAbsolutePath().toString(), new Volume("/recordings")));
			})
			.waitingFor(Wait.forLogMessage(".*event=registered.*", 1).withStartupTimeout(Duration.ofSeconds(90)));
	}

	/**
	 * A recorder as OpenVidu starts it ({@link #primary}), on another engine than the tests' own
	 * (created and started there; no wait).
	 *
	 * @return its container id
	 */
	public static String primaryOn(DockerClient engine, String image, String id, long createdAt, Path recordings) {
		List<String> env = new ArrayList<>();
		openViduEnv(id, createdAt, null).forEach((k, v) -> env.add(k + "=" + v));
		String containerId = engine.createContainerCmd(image)
			.withName(RecordingId.of(id).openViduContainerName())
			.withEnv(env)
			.withLabels(Map.of(TestDocker.TEST_LABEL, "primary"))
			.withHostConfig(HostConfig.newHostConfig()
				.withNetworkMode("host")
				.withShmSize(64L * 1024 * 1024)
				.withBinds(new Bind(recordings.toAbsolutePath().toString(), new Volume("/recordings"))))
			.exec()
			.getId();
		engine.startContainerCmd(containerId).exec();
		return containerId;
	}

	/** A container that only sleeps, with the given name: a bystander no failover may touch. */
	@SuppressWarnings("resource")
	public static GenericContainer<?> bystander(String image, String name) {
		return new GenericContainer<>(DockerImageName.parse(image)).withImagePullPolicy(img -> false)
			.withNetworkMode("host")
			.withLabel(TestDocker.TEST_LABEL, "bystander")
			.withCreateContainerCmdModifier(cmd -> cmd.withName(name).withEntrypoint("sleep", "600"));
	}

}
