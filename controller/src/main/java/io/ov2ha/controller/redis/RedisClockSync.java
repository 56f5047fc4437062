package io.ov2ha.controller.redis;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.ov2ha.controller.support.PeriodicComponent;
import io.ov2ha.controller.support.PeriodicPass;

/**
 * Keeps {@link RedisClock} on Redis's time: asks {@code TIME} at start (before any periodic job
 * runs) and every {@link #INTERVAL}, and takes the offset from the middle of the round trip.
 * A sample whose round trip is longer than {@link #MAX_ROUND_TRIP} is not trusted (the offset
 * stays as it was), unless no offset was ever measured. When Redis cannot be reached the last
 * offset stays. The offset is exported ({@code ov2ha.clock.offset.seconds}) and a change of
 * more than {@link #LOGGED_CHANGE} is logged: a host clock that jumps or drifts shows there.
 */
@Component
class RedisClockSync implements SmartInitializingSingleton, PeriodicComponent {

	private static final Log LOG = LogFactory.getLog(RedisClockSync.class);

	static final Duration INTERVAL = Duration.ofSeconds(10);

	static final Duration MAX_ROUND_TRIP = Duration.ofMillis(250);

	static final Duration LOGGED_CHANGE = Duration.ofMillis(500);

	/** What one sample gave. */
	enum Sample {

		/** The offset was measured and applied. */
		APPLIED,

		/** The round trip took too long to trust; the previous offset stays. */
		SLOW,

		/** Redis did not answer; the previous offset stays. */
		UNREACHABLE

	}

	private final StringRedisTemplate redis;

	private final RedisClock clock;

	private boolean measured;

	private final PeriodicPass schedule = new PeriodicPass("clock-sync", "clock", LOG, INTERVAL, INTERVAL,
			this::sync);

	RedisClockSync(StringRedisTemplate redis, RedisClock clock, MeterRegistry meters) {
		this.redis = redis;
		this.clock = clock;
		Gauge.builder("ov2ha.clock.offset.seconds", clock, c -> c.offsetMillis() / 1000.0)
			.description("Redis's time minus this controller host's clock (the controller runs on Redis's)")
			.register(meters);
	}

	@Override
	public void afterSingletonsInstantiated() {
		// the first sample's round trip includes the connection's set-up: a second one refines it
		// (kept only when its round trip is short)
		if (sync() == Sample.APPLIED) {
			sync();
		}
	}

	@Override
	public PeriodicPass schedule() {
		return schedule;
	}

	synchronized Sample sync() {
		long sent = clock.host().millis();
		Long redisMicros;
		try {
			redisMicros = redis.execute((RedisCallback<Long>) c -> c.serverCommands().time(TimeUnit.MICROSECONDS));
		}
		catch (RuntimeException ex) {
			LOG.warn("event=clock.sync_failed error=" + ex.getClass().getSimpleName() + " offsetMs="
					+ clock.offsetMillis());
			return Sample.UNREACHABLE;
		}
		long received = clock.host().millis();
		if (redisMicros == null) {
			return Sample.UNREACHABLE;
		}
		long roundTrip = received - sent;
		if (measured && roundTrip > MAX_ROUND_TRIP.toMillis()) {
			return Sample.SLOW;
		}
		long offset = redisMicros / 1000 - (sent + roundTrip / 2);
		long previous = clock.offsetMillis();
		clock.offsetMillis(offset);
		if (!measured || Math.abs(offset - previous) > LOGGED_CHANGE.toMillis()) {
			LOG.info("event=clock.offset offsetMs=" + offset + " previousOffsetMs=" + previous + " roundTripMs="
					+ roundTrip + " first=" + !measured);
		}
		measured = true;
		return Sample.APPLIED;
	}


}
