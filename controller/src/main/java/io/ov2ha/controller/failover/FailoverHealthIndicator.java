package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.docker.RuntimeStatus;

/**
 * Whether this controller can start backup recorders: failover enabled, the Docker engine
 * reachable, the recorder image present. Not available is DOWN in production (failures would
 * not be recovered) and UNKNOWN in local mode or when disabled (the controller still keeps
 * state and relays webhooks). Details: {@code available} and, when not, {@code reason};
 * {@code slowRecorders}: recorders capturing slower than real time (reported, not failed over).
 * {@code blankRecorders}: recorders whose screen is blank (a uniform frame and silence).
 */
@Component("failover")
class FailoverHealthIndicator implements HealthIndicator {

	private static final Duration IMAGE_CHECK_TTL = Duration.ofSeconds(30);

	private final HaProperties properties;

	private final RecorderRuntime runtime;

	private final ReconcilerStatus reconciler;

	private final Clock clock;

	private final RecorderCensus census;

	private volatile Boolean imagePresent;

	private volatile Instant imageCheckedAt = Instant.EPOCH;

	FailoverHealthIndicator(HaProperties properties, RecorderRuntime runtime, ReconcilerStatus reconciler,
			Clock clock, RecorderCensus census) {
		this.census = census;
		this.properties = properties;
		this.runtime = runtime;
		this.reconciler = reconciler;
		this.clock = clock;
	}

	@Override
	public Health health() {
		if (!properties.failover().enabled()) {
			return Health.unknown()
				.withDetail("available", false)
				.withDetail("reason", "failover is disabled (HA_FAILOVER_ENABLED=false)")
				.build();
		}
		RuntimeStatus s = runtime.status();
		String image = properties.docker().recorderImage();
		if (!s.reachable()) {
			return unavailable("the Docker engine at " + s.endpoint() + " does not answer: " + s.error());
		}
		if (!imagePresent(image)) {
			return unavailable("the recorder image " + image + " is not on the Docker host, or not on every engine that answers (it is never pulled)");
		}
		return Health.up()
			.withDetail("available", true)
			.withDetail("dockerHost", s.endpoint())
			.withDetail("recorderImage", image)
			.withDetail("eventsConnected", s.eventsConnected())
			.withDetail("engines", engines())
			.withDetail("reconcilerLeader", reconciler.leader())
			.withDetail("slowRecorders", census.slowCount())
			.withDetail("blankRecorders", census.blankCount())
			.build();
	}

	private Health unavailable(String reason) {
		Health.Builder b = properties.production() ? Health.down() : Health.unknown();
		return b.withDetail("available", false).withDetail("reason", reason).withDetail("engines", engines()).build();
	}

	/** Every Docker engine as last checked (no call to any). */
	private List<FailoverViews.Engine> engines() {
		return runtime.engines().stream().map(FailoverViews.Engine::of).toList();
	}

	private boolean imagePresent(String image) {
		Instant now = clock.instant();
		Boolean cached = imagePresent;
		if (cached != null && imageCheckedAt.plus(IMAGE_CHECK_TTL).isAfter(now)) {
			return cached;
		}
		try {
			cached = runtime.imagePresent(image);
		}
		catch (RuntimeException ex) {
			cached = false;
		}
		imagePresent = cached;
		imageCheckedAt = now;
		return cached;
	}

}
