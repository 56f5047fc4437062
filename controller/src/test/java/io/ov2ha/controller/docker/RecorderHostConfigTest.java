package io.ov2ha.controller.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;

import io.ov2ha.controller.config.HaProperties;

/** The host settings of a backup recorder: OpenVidu's, plus log rotation and optional limits. */
class RecorderHostConfigTest {

	private static final BackupSpec SPEC = new BackupSpec("ov2ha-backup-ses_A-e1", "ov2-ha-recorder-site:1", Map.of(),
			Map.of(), "/opt/openvidu/recordings", 512L * 1024 * 1024);

	private static HaProperties.Docker settings(String logSize, int logFiles, DataSize memory, double cpus) {
		return new HaProperties.Docker(null, null, null, null, null, null, logSize, logFiles, memory, cpus, null, 0);
	}

	@Test
	void byDefaultLogsRotateAt10MbTimes3AndThereIsNoMemoryOrCpuLimit() {
		HostConfig host = DockerBackupStarts.hostConfig(SPEC, settings(null, 0, null, 0));

		assertThat(host.getNetworkMode()).isEqualTo("host");
		assertThat(host.getShmSize()).isEqualTo(512L * 1024 * 1024);
		assertThat(host.getLogConfig().getType()).isEqualTo(LogConfig.LoggingType.JSON_FILE);
		assertThat(host.getLogConfig().getConfig()).containsExactlyInAnyOrderEntriesOf(Map.of("max-size", "10m",
				"max-file", "3"));
		assertThat(host.getMemory()).isNull();
		assertThat(host.getNanoCPUs()).isNull();
	}

	@Test
	void configuredLimitsAndRotationAreApplied() {
		HostConfig host = DockerBackupStarts.hostConfig(SPEC, settings("20m", 5, DataSize.ofGigabytes(2), 1.5));

		assertThat(host.getLogConfig().getConfig()).containsEntry("max-size", "20m").containsEntry("max-file", "5");
		assertThat(host.getMemory()).isEqualTo(2L * 1024 * 1024 * 1024);
		assertThat(host.getMemorySwap()).isEqualTo(2L * 1024 * 1024 * 1024);
		assertThat(host.getNanoCPUs()).isEqualTo(1_500_000_000L);
	}

	@Test
	void aMalformedLogSizeOrANegativeCpuCountIsRefused() {
		assertThatThrownBy(() -> settings("10 MB", 3, null, 0)).hasMessageContaining("HA_RECORDER_LOG_MAX_SIZE");
		assertThatThrownBy(() -> settings(null, 3, null, -1)).hasMessageContaining("HA_RECORDER_CPUS");
	}

}
