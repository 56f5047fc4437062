package io.ov2ha.controller.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

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
	void aBareChunkDurationIsSeconds() {
		assertThat(bind(Map.of("ha.failover.chunk-duration", "10")).failover().chunkDuration())
			.isEqualTo(Duration.ofSeconds(10));
	}

	@Test
	void settingsNeverPrintTheirSecrets() {
		HaProperties p = bind(Map.of("ha.security.recorder-password", "rec-secret-123456",
				"ha.security.admin-password", "adm-secret-123456", "ha.storage.s3.secret-key", "s3-secret-123456"));
		assertThat(p.toString()).doesNotContain("rec-secret-123456", "adm-secret-123456", "s3-secret-123456");
	}

}
