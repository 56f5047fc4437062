package io.ov2ha.controller.reconcile;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of stale recordings ({@code ha.stale.*}, {@link StaleRecordings}), bound from {@code application.yml}.
 *
 * @param timeout a recording with no activity (heartbeat, chunk, status change, OpenVidu event)
 * for longer than this is ABANDONED ({@code HA_STALE_RECORDING_TIMEOUT})
 * @param sessionGoneTimeout the same, shorter, once OpenVidu said its session was destroyed
 * @param sweepInterval how often the reconciler tries to abandon one idle recording ({@code HA_STALE_SWEEP_INTERVAL})
 */
@ConfigurationProperties("ha.stale")
public record StaleRecordingProperties(Duration timeout, Duration sessionGoneTimeout, Duration sweepInterval) {

	public StaleRecordingProperties {
		timeout = positive(timeout, Duration.ofHours(1));
		sessionGoneTimeout = positive(sessionGoneTimeout, Duration.ofMinutes(10));
		sweepInterval = positive(sweepInterval, Duration.ofMinutes(1));
	}

	private static Duration positive(Duration value, Duration fallback) {
		return value == null || value.isNegative() || value.isZero() ? fallback : value;
	}

}
