package io.ov2ha.controller.redis;

import java.time.Duration;
import java.util.List;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * The one lease/lock of the controller: a Redis key holding the owner's id with a TTL.
 * Several controller replicas may share one Redis; a lease makes work happen once (a periodic
 * job, a finalization, the relay). Acquire is {@code SET NX PX}; renew and release only act if
 * the caller still owns the lease (compare-and-set in Lua), so an expired owner can never
 * release or extend a lease another replica took over.
 */
@Component
public class RedisLease {

	private static final RedisScript<Long> RENEW = RedisScript.of("""
			if redis.call('GET', KEYS[1]) == ARGV[1] then
			  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
			end
			return 0""", Long.class);

	private static final RedisScript<Long> RELEASE = RedisScript.of("""
			if redis.call('GET', KEYS[1]) == ARGV[1] then
			  return redis.call('DEL', KEYS[1])
			end
			return 0""", Long.class);

	private final StringRedisTemplate redis;

	private final ControllerInstance instance;

	RedisLease(StringRedisTemplate redis, ControllerInstance instance) {
		this.redis = redis;
		this.instance = instance;
	}

	/** Takes the lease {@code key} for this controller if nobody holds it. */
	public boolean tryAcquire(String key, Duration ttl) {
		Boolean ok = redis.opsForValue().setIfAbsent(key, instance.id(), ttl);
		return Boolean.TRUE.equals(ok);
	}

	/** Takes the lease, or extends it when this controller already holds it. */
	public boolean acquireOrRenew(String key, Duration ttl) {
		return tryAcquire(key, ttl) || renew(key, ttl);
	}

	/** Extends the lease if this controller still holds it. */
	public boolean renew(String key, Duration ttl) {
		Long done = redis.execute(RENEW, List.of(key), instance.id(), Long.toString(ttl.toMillis()));
		return done != null && done == 1;
	}

	/** Gives the lease up if this controller still holds it. */
	public boolean release(String key) {
		Long done = redis.execute(RELEASE, List.of(key), instance.id());
		return done != null && done == 1;
	}

	/** The current holder's controller id, or null. */
	public String holder(String key) {
		return redis.opsForValue().get(key);
	}

}
