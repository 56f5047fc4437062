package io.ov2ha.controller.redis;

import org.springframework.data.redis.core.StringRedisTemplate;

/** Leases of distinct controller instances, for tests outside this package. */
public final class TestLeases {

	private TestLeases() {
	}

	/** A lease client of a new controller instance (its own holder id). */
	public static RedisLease ofNewController(StringRedisTemplate redis) {
		return new RedisLease(redis, new ControllerInstance());
	}

}
