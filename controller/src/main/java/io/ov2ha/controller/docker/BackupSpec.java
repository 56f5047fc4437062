package io.ov2ha.controller.docker;

import java.util.Map;

/**
 * Everything a runtime needs to start one backup recorder.
 *
 * @param name container name (see {@link ContainerLabels#backupName})
 * @param image recorder image, never pulled
 * @param env the complete container environment (OpenVidu's variables plus HA_EPOCH and HA_START_CHUNK)
 * @param labels container labels (see {@link ContainerLabels})
 * @param recordingsHostPath host folder bound at {@code /recordings}
 * @param shmSizeBytes size of {@code /dev/shm}
 * @param near the container this one replaces (its engine is preferred while it answers), or empty
 */
public record BackupSpec(String name, String image, Map<String, String> env, Map<String, String> labels,
		String recordingsHostPath, long shmSizeBytes, String near) {

	public BackupSpec {
		env = Map.copyOf(env);
		labels = Map.copyOf(labels);
		near = near == null ? "" : near;
	}

	/** Nowhere in particular (a warm standby, a backup whose predecessor is unknown). */
	public BackupSpec(String name, String image, Map<String, String> env, Map<String, String> labels,
			String recordingsHostPath, long shmSizeBytes) {
		this(name, image, env, labels, recordingsHostPath, shmSizeBytes, "");
	}

	/** The same backup, placed near the container it replaces. */
	public BackupSpec placedNear(String containerId) {
		return new BackupSpec(name, image, env, labels, recordingsHostPath, shmSizeBytes, containerId);
	}

	/** Never print the environment: it holds OpenVidu's secret. */
	@Override
	public String toString() {
		return "BackupSpec[name=" + name + ", image=" + image + ", labels=" + labels + ", near="
				+ ContainerLabels.shortId(near) + "]";
	}

}
