package io.ov2ha.controller.docker;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.TestDocker;
import io.ov2ha.controller.support.TestRecorders;

/** The backup a runtime test starts: the test recorder, recording with no controller to talk to. */
final class TestBackupSpecs {

	private TestBackupSpecs() {
	}

	/**
	 * @param run the test run's label value (its containers are removed by it)
	 * @param role the test label's value
	 */
	static BackupSpec of(String image, String id, long epoch, String run, String role, Path recordings, long shmBytes) {
		Map<String, String> env = new LinkedHashMap<>(TestRecorders.openViduEnv(id, 1700000005000L, null));
		env.put("HA_EPOCH", Long.toString(epoch));
		env.put("HA_START_CHUNK", "4");
		// no controller listens there: the recorder records and retries its calls
		env.put("HA_CONTROLLER_URL", "http://127.0.0.1:9");
		env.put("HA_CHUNK_DURATION", "2");
		Map<String, String> labels = new LinkedHashMap<>(
				ContainerLabels.backup(RecordingId.of(id), 1700000005000L, epoch, "ctl-test"));
		labels.put(TestDocker.TEST_LABEL + ".run", run);
		labels.put(TestDocker.TEST_LABEL, role);
		return new BackupSpec(ContainerLabels.backupName(RecordingId.of(id), epoch), image, env, labels,
				recordings.toString(), shmBytes);
	}

}
