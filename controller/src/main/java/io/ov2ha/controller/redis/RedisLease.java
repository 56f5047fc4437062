package io.ov2ha.controller.redis;

import java.time.Duration;
import java.util.List;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * The one lease/lock of the controller: a Redis key holding the owner's id with a TTL.
 * Several controller replicas may share one Redis; a lease makes work happen once (a periodic
 * job, a finalization, the relay). Acquire is {@code SET NX PX}; renew and release only act if
 * the caller still owns the lease (compare-and-set in Lua), so an expired owner can never
 * release or extend a lease another replica took over ({@code redis/lease-renew.lua},
 * {@code redis/lease-release.lua}). Not through {@link LuaRunner}: a lease is not waited on
 * replicas ({@code HA_REDIS_REPLICA_ACKS}).
 */
@Component
public class RedisLease {

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> RENEW = LuaScripts.load("lease-renew");

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> RELEASE = LuaScripts.load("lease-release");

	/** Answers of lease-renew.lua. */
	enum RenewCode {

		/** The caller held it: its time to live is the new one. */
		RENEWED,
		/** Another controller holds it, or nobody: left as it is. */
		NOT_HELD

	}

	/** Answers of lease-release.lua. */
	enum ReleaseCode {

		/** The caller held it: deleted. */
		RELEASED,
		/** Another controller holds it, or nobody: left as it is. */
		NOT_HELD

	}

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

	/**
	 * The leader idiom of a periodic pass that keeps its leader between passes (the state pruner,
	 * the standby pool; the stale recordings and the finalizations to resume are the reconciler's
	 * sweep, under its own lease): runs {@code work}
	 * when this controller holds the lease {@code name} ({@link RedisKeys#lease(String)}), taken
	 * or renewed for {@code ttl}. Replicas sharing one Redis run each pass once; a leader that dies
	 * leaves its lease to expire and another replica leads from its next pass on. A ttl of a few
	 * periods keeps the leader between passes. What {@code work} throws reaches the caller (the
	 * pass logs it). (Passes over claimable entries take a lease per pass and give it back:
	 * {@code DueEntries}, the chunk retention; the reconciler's tick also tracks Redis's loss.)
	 *
	 * @return whether this controller led (and ran {@code work})
	 */
	public boolean runIfLeader(String name, Duration ttl, Runnable work) {
		if (!acquireOrRenew(RedisKeys.lease(name), ttl)) {
			return false;
		}
		work.run();
		return true;
	}

	/** Extends the lease if this controller still holds it. */
	public boolean renew(String key, Duration ttl) {
		return LuaAnswer.run(redis, RENEW, List.of(key), List.of(instance.id(), Long.toString(ttl.toMillis())),
				RenewCode.class)
			.code() == RenewCode.RENEWED;
	}

	/** Gives the lease up if this controller still holds it. */
	public boolean release(String key) {
		return LuaAnswer.run(redis, RELEASE, List.of(key), List.of(instance.id()), ReleaseCode.class)
			.code() == ReleaseCode.RELEASED;
	}

	/** The current holder's controller id, or null. */
	public String holder(String key) {
		return redis.opsForValue().get(key);
	}

}
