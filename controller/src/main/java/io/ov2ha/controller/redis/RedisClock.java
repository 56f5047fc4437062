package io.ov2ha.controller.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The one clock of the controller: Redis's. Replicas stamp heartbeats, chunks and events and
 * judge them later, often on another replica; with each replica's own clock a skew between
 * hosts larger than the heartbeat timeout would fail over healthy recorders. Every replica
 * reads its host clock plus the offset to Redis's {@code TIME} that {@link RedisClockSync}
 * measures, so all of them stamp and judge on one scale without a round trip per reading.
 */
public final class RedisClock extends Clock {

	private final Clock host;

	private volatile long offsetMillis;

	/** A clock on {@code host} time until the first offset to Redis is measured. */
	public RedisClock(Clock host) {
		this.host = host;
	}

	@Override
	public long millis() {
		return host.millis() + offsetMillis;
	}

	@Override
	public Instant instant() {
		return Instant.ofEpochMilli(millis());
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		return ZoneOffset.UTC.equals(zone) ? this : Clock.offset(host.withZone(zone), Duration.ofMillis(offsetMillis));
	}

	/** Redis's time minus the host's, in milliseconds, as last measured. */
	public long offsetMillis() {
		return offsetMillis;
	}

	void offsetMillis(long offset) {
		this.offsetMillis = offset;
	}

	/** The host's own clock, for measuring the round trip to Redis. */
	Clock host() {
		return host;
	}

}
