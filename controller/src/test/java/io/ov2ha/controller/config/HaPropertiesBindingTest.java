package io.ov2ha.controller.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import io.ov2ha.controller.openvidu.OpenViduProperties;

/** Durations in HA_* settings: a bare number means seconds, as the recorders read it. */
class HaPropertiesBindingTest {

	private static HaProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bind("ha", HaProperties.class).get();
	}

	@Test
	void aBareHeartbeatIntervalIsSeconds() {
		assertThat(bind(Map.of("ha.heartbeat.interval", "2")).heartbeat().interval()).isEqualTo(Duration.ofSeconds(2));
		assertThat(bind(Map.of("ha.heartbeat.interval", "1500ms")).heartbeat().interval())
			.isEqualTo(Duration.ofMillis(1500));
	}

	@Test
	void aBareBackupBlankTimeoutIsSecondsAndZeroTurnsItOff() {
		assertThat(bind(Map.of("ha.failover.blank-timeout", "60")).failover().blankTimeout())
			.isEqualTo(Duration.ofSeconds(60));
		assertThat(bind(Map.of("ha.failover.blank-timeout", "0")).failover().blankTimeout()).isZero();
		assertThat(bind(Map.of("ha.failover.enabled", "true")).failover().blankTimeout())
			.as("the default").isEqualTo(Duration.ofSeconds(60));
	}

	@Test
	void aBareChunkDurationIsSeconds() {
		assertThat(bind(Map.of("ha.failover.chunk-duration", "10")).failover().chunkDuration())
			.isEqualTo(Duration.ofSeconds(10));
	}

	@Test
	void backupRecorderLimitsBindFromTheirSettingsAndEmptyMeansNone() {
		HaProperties.Docker defaults = bind(Map.of("ha.docker.recorder-log-max-size", "10m",
				"ha.docker.recorder-log-max-files", "3", "ha.docker.recorder-memory-limit", "", "ha.docker.recorder-cpus",
				"0"))
			.docker();
		assertThat(defaults.recorderMemoryLimit()).isNull();
		assertThat(defaults.recorderCpus()).isZero();
		assertThat(defaults.recorderLogMaxSize()).isEqualTo("10m");
		HaProperties.Docker set = bind(Map.of("ha.docker.recorder-memory-limit", "2GB", "ha.docker.recorder-cpus", "1.5",
				"ha.docker.recorder-log-max-files", "5"))
			.docker();
		assertThat(set.recorderMemoryLimit()).isEqualTo(DataSize.ofGigabytes(2));
		assertThat(set.recorderCpus()).isEqualTo(1.5);
		assertThat(set.recorderLogMaxFiles()).isEqualTo(5);
		assertThat(set.recorderLogMaxSize()).isEqualTo("10m");
	}

	@Test
	void settingsNeverPrintTheirSecrets() {
		HaProperties p = bind(Map.of("ha.security.recorder-password", "rec-secret-123456",
				"ha.security.admin-password", "adm-secret-123456", "ha.storage.s3.secret-key", "s3-secret-123456"));
		assertThat(p.toString()).doesNotContain("rec-secret-123456", "adm-secret-123456", "s3-secret-123456");
	}

	@Test
	void openViduChecksBindWithTheirDefaultsAndAreOffWithoutTheSecret() {
		OpenViduProperties defaults = new Binder(new MapConfigurationPropertySource(Map.of("ha.openvidu.api-url", "")))
			.bind("ha.openvidu", OpenViduProperties.class)
			.get();
		assertThat(defaults.enabled()).isFalse();
		assertThat(defaults.timeout()).isEqualTo(Duration.ofSeconds(3));
		assertThat(defaults.checkInterval()).isEqualTo(Duration.ofSeconds(10));
		assertThat(defaults.unreachableGrace()).isEqualTo(Duration.ofSeconds(90));
		assertThat(defaults.staleDeathAge()).isEqualTo(Duration.ofSeconds(20));
		OpenViduProperties set = new Binder(new MapConfigurationPropertySource(Map.of("ha.openvidu.api-url",
				"https://ov.example.com/", "ha.openvidu.secret", "ov-secret-123456", "ha.openvidu.check-interval", "5s",
				"ha.openvidu.stale-death-age", "31s")))
			.bind("ha.openvidu", OpenViduProperties.class)
			.get();
		assertThat(set.enabled()).isTrue();
		assertThat(set.apiUrl()).isEqualTo("https://ov.example.com");
		assertThat(set.checkInterval()).isEqualTo(Duration.ofSeconds(5));
		assertThat(set.staleDeathAge()).isEqualTo(Duration.ofSeconds(31));
		assertThat(set.toString()).doesNotContain("ov-secret-123456");
	}

	@Test
	void failoverLimitsMustBeInTheirRanges() {
		assertThat(bind(Map.of("ha.profile", "local")).failover().maxFailovers()).isEqualTo(5);
		assertThat(bind(Map.of("ha.profile", "local")).failover().maxConcurrentBackups()).isEqualTo(10);
		assertThat(bind(Map.of("ha.failover.max-failovers", "100", "ha.failover.max-concurrent-backups", "1000"))
			.failover()
			.maxConcurrentBackups()).isEqualTo(1000);
		for (Map<String, String> bad : List.of(Map.of("ha.failover.max-failovers", "101"),
				Map.of("ha.failover.max-failovers", "-1"), Map.of("ha.failover.max-failovers", "2147483647"),
				Map.of("ha.failover.max-concurrent-backups", "1001"),
				Map.of("ha.failover.max-concurrent-backups", "-5"))) {
			assertThatThrownBy(() -> bind(bad)).as(bad.toString())
				.hasRootCauseInstanceOf(ConfigurationException.class)
				.rootCause()
				.hasMessageContaining(bad.containsKey("ha.failover.max-failovers") ? "HA_MAX_FAILOVERS"
						: "HA_MAX_CONCURRENT_BACKUPS");
		}
	}


	@Test
	void standbyRecordersAndTheirResolutionAreValidated() {
		var defaults = bind(Map.of("ha.profile", "local")).failover();
		assertThat(defaults.standbyRecorders()).isEqualTo(1);
		assertThat(defaults.standbyResolution()).isEqualTo("1280x720");
		var set = bind(Map.of("ha.failover.standby-recorders", "0", "ha.failover.standby-resolution", " 640x360 ")).failover();
		assertThat(set.standbyRecorders()).isZero();
		assertThat(set.standbyResolution()).isEqualTo("640x360");
		for (Map<String, String> bad : List.of(Map.of("ha.failover.standby-recorders", "21"),
				Map.of("ha.failover.standby-recorders", "-1"), Map.of("ha.failover.standby-resolution", "1280:720"),
				Map.of("ha.failover.standby-resolution", "0x720"), Map.of("ha.failover.standby-resolution", "12800x720"))) {
			assertThatThrownBy(() -> bind(bad)).as(bad.toString())
				.hasRootCauseInstanceOf(ConfigurationException.class)
				.rootCause()
				.hasMessageContaining(bad.containsKey("ha.failover.standby-recorders") ? "HA_STANDBY_RECORDERS"
						: "HA_STANDBY_RESOLUTION");
		}
	}

}
