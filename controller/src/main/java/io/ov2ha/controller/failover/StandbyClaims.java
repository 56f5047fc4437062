package io.ov2ha.controller.failover;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;

/**
 * The free warm standbys of the {@link StandbyPool} as Docker shows them, and their claim: a
 * Redis key per standby ({@code ov2ha:standby:claim:<containerId>}, {@link #CLAIM_TTL}) that one
 * controller at a time holds while it hands the standby a recording (or retires it).
 */
@Component
class StandbyClaims {

	static final Duration CLAIM_TTL = Duration.ofMinutes(2);

	private final HaProperties properties;

	private final RecorderRuntime runtime;

	private final RedisLease lease;

	private final StandbyPool pool;

	StandbyClaims(HaProperties properties, RecorderRuntime runtime, RedisLease lease, StandbyPool pool) {
		this.properties = properties;
		this.runtime = runtime;
		this.lease = lease;
		this.pool = pool;
	}

	/** The labels of this deployment's standbys (its HA_RECORDER_IMAGE), free or handed over. */
	static Map<String, String> labels(HaProperties properties) {
		return ContainerLabels.managedStandbys(properties.docker().recorderImage());
	}

	/** Ready to take over: running, healthy or without a health check. */
	static boolean isReady(RecorderContainer c) {
		return c.running() && (c.health().isEmpty() || "healthy".equals(c.health()));
	}

	/**
	 * Claims a free standby that is ready (running, healthy or without a health check) and of
	 * this resolution, under a Redis claim no other controller can take meanwhile.
	 */
	Optional<RecorderContainer> claim(String resolution) {
		if (!pool.enabled() || !pool.resolution().equals(resolution)) {
			return Optional.empty();
		}
		for (RecorderContainer c : runtime.listByLabels(labels(properties))) {
			if (!c.running() || !c.name().startsWith(ContainerLabels.STANDBY_NAME_PREFIX)
					|| !resolution.equals(c.labels().get(ContainerLabels.STANDBY_RESOLUTION))) {
				continue;
			}
			if (runtime.inspect(c.id()).filter(StandbyClaims::isReady).isEmpty()
					|| !lease.tryAcquire(RedisKeys.standbyClaim(c.id()), CLAIM_TTL)) {
				continue;
			}
			Optional<RecorderContainer> claimed = Optional.empty();
			try {
				// looked at again under the claim: the list may predate another hand-over (a standby
				// is renamed only under its claim, so a free name now stays free)
				claimed = runtime.inspect(c.id())
					.filter(x -> isReady(x) && x.name().startsWith(ContainerLabels.STANDBY_NAME_PREFIX));
			}
			finally {
				if (claimed.isEmpty()) {
					lease.release(RedisKeys.standbyClaim(c.id()));
				}
			}
			if (claimed.isPresent()) {
				pool.handedOver();
				return claimed;
			}
		}
		return Optional.empty();
	}

	/** The free standbys as Docker shows them now (for the status). */
	FailoverViews.Standbys view() {
		if (!pool.enabled()) {
			return new FailoverViews.Standbys(0, pool.resolution(), 0, 0, null);
		}
		int readyNow = 0;
		int startingNow = 0;
		try {
			for (RecorderContainer c : runtime.listByLabels(labels(properties))) {
				if (!c.running() || !c.name().startsWith(ContainerLabels.STANDBY_NAME_PREFIX)
						|| lease.holder(RedisKeys.standbyClaim(c.id())) != null) {
					// not free: handed a recording (or being retired)
					continue;
				}
				if (runtime.inspect(c.id()).filter(StandbyClaims::isReady).isPresent()) {
					readyNow++;
				}
				else {
					startingNow++;
				}
			}
		}
		catch (RuntimeException ex) {
			return new FailoverViews.Standbys(pool.wanted(), pool.resolution(), 0, 0, ex.getMessage());
		}
		return new FailoverViews.Standbys(pool.wanted(), pool.resolution(), readyNow, startingNow, null);
	}

}
