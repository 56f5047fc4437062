package io.ov2ha.controller.docker;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;

/**
 * Whether the Docker engine that runs backup recorders answers. Unreachable is DOWN in
 * production and UNKNOWN in local mode (where running without Docker is normal); with failover
 * disabled it is UNKNOWN.
 */
@Component("docker")
class DockerHealthIndicator implements HealthIndicator {

	private final RecorderRuntime runtime;

	private final HaProperties properties;

	DockerHealthIndicator(RecorderRuntime runtime, HaProperties properties) {
		this.runtime = runtime;
		this.properties = properties;
	}

	@Override
	public Health health() {
		RuntimeStatus s = runtime.status();
		Health.Builder b;
		if (!properties.failover().enabled()) {
			b = Health.unknown();
		}
		else if (s.reachable()) {
			b = Health.up();
		}
		else {
			b = properties.production() ? Health.down() : Health.unknown();
		}
		b.withDetail("host", s.endpoint()).withDetail("apiVersion", s.apiVersion());
		if (s.reachable()) {
			b.withDetail("version", s.version()).withDetail("eventsConnected", s.eventsConnected());
		}
		else {
			b.withDetail("error", s.error());
		}
		return b.build();
	}

}
