package io.ov2ha.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.failover.ReconcilerStatus;

/** The tick's period and lease: failover's own, or those of a controller without failover. */
class ReconcilerTickTest {

	private static HaProperties properties(boolean failover, String recoveryInterval) {
		return new Binder(new MapConfigurationPropertySource(Map.of("ha.failover.enabled", Boolean.toString(failover),
				"ha.failover.reconcile-interval", "500ms", "ha.storage.finalizer.recovery-interval", recoveryInterval)))
			.bind("ha", HaProperties.class)
			.get();
	}

	private static StaleRecordingProperties stale(Duration sweepInterval) {
		return new StaleRecordingProperties(Duration.ofHours(1), Duration.ofMinutes(10), sweepInterval);
	}

	@Test
	void withFailoverTheTickIsTheReconcileIntervalAndItsLeaseFailovers() {
		assertThat(ReconcilerTick.period(properties(true, "10s"), stale(Duration.ofMinutes(1))))
			.isEqualTo(Duration.ofMillis(500));
		assertThat(ReconcilerTick.leaseName(true)).isEqualTo(ReconcilerStatus.LEASE);
	}

	@Test
	void withoutFailoverTheTickIsHalfTheShorterQuestionPeriodAndItsLeaseNeverFailovers() {
		assertThat(ReconcilerTick.period(properties(false, "10s"), stale(Duration.ofMinutes(1))))
			.isEqualTo(Duration.ofSeconds(5));
		assertThat(ReconcilerTick.period(properties(false, "10m"), stale(Duration.ofMinutes(1))))
			.isEqualTo(Duration.ofSeconds(30));
		assertThat(ReconcilerTick.period(properties(false, "1ms"), stale(Duration.ofMinutes(1))))
			.as("never a spin").isEqualTo(ReconcilerTick.SHORTEST_PERIOD);
		assertThat(ReconcilerTick.questionsPeriod(properties(false, "10s"), stale(Duration.ofSeconds(4))))
			.isEqualTo(Duration.ofSeconds(4));
		assertThat(ReconcilerTick.leaseName(false)).isEqualTo(ReconcilerStatus.LEASE_WITHOUT_FAILOVER)
			.isNotEqualTo(ReconcilerStatus.LEASE);
	}

}
