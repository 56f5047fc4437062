package io.ov2ha.controller.failover;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Whether the controller can start backup recorders. Until a container runtime is configured,
 * failover is reported as unavailable (status UNKNOWN, which does not make the controller
 * unhealthy: it still keeps state and relays webhooks).
 */
@Component("failover")
class FailoverHealthIndicator implements HealthIndicator {

	@Override
	public Health health() {
		return Health.unknown()
			.withDetail("available", false)
			.withDetail("reason", "no container runtime configured: backup recorders cannot be started")
			.build();
	}

}
