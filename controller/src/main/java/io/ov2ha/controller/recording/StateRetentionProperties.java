package io.ov2ha.controller.recording;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How long the Redis state of a finished recording (READY, FAILED, ABANDONED) is kept
 * ({@code HA_STATE_RETENTION}): its keys get this expiry when it becomes final, and its index
 * entries are pruned once they are gone ({@code FinishedStatePruner}).
 *
 * @param retention the expiry of a finished recording's keys, counted from its final status
 */
@ConfigurationProperties("ha.state")
public record StateRetentionProperties(Duration retention) {

	static final Duration DEFAULT = Duration.ofDays(30);

	public StateRetentionProperties {
		retention = retention == null || retention.isNegative() || retention.isZero() ? DEFAULT : retention;
	}

}
