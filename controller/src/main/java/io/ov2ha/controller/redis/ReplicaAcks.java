package io.ov2ha.controller.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.support.LogValues;

/**
 * Waits, after a scripted write of the stores ({@link LuaRunner}: recording, failover and webhook
 * state), until {@code HA_REDIS_REPLICA_ACKS} replicas have it (Redis {@code WAIT}, at most
 * {@code HA_REDIS_REPLICA_ACK_TIMEOUT}): with Redis behind Sentinel, what the controller acts on
 * next (a backup started on an epoch claim, a chunk accepted) is then on a replica, when the
 * replicas confirm in time. 0 (the default): no wait.
 *
 * <p>
 * {@code WAIT} runs on the connection the scripts run on (Spring's shared one), so it covers every
 * write sent before it, and it holds that connection up to the timeout (capped at
 * {@value #MAX_TIMEOUT_MS} ms, below the command timeout). One {@code WAIT} at a time: a write that
 * one issued after it covers returns with it (group commit). A wait that times out (no replica,
 * or one lagging) counts {@code ov2ha_redis_unreplicated_writes_total} and is logged (once a
 * minute at most); the write stands (it is on the primary), and for {@link #QUIET_AFTER_MISS} no
 * write waits, so a lost replica costs one timeout every {@link #QUIET_AFTER_MISS}, not one per
 * write.
 */
@Component
class ReplicaAcks {

	private static final Log LOG = LogFactory.getLog(ReplicaAcks.class);

	static final Duration QUIET_AFTER_MISS = Duration.ofSeconds(10);

	static final long MAX_TIMEOUT_MS = 500;

	private static final Duration LOG_EVERY = Duration.ofMinutes(1);

	private final int wanted;

	private final Duration timeout;

	private final Counter missed;

	private final Clock clock;

	private volatile Instant quietUntil = Instant.EPOCH;

	private volatile Instant loggedAt = Instant.EPOCH;

	/**
	 * Writes finished (their script returned) so far. A WAIT covers the writes sent before it on
	 * its connection: after a reconnection (a network blip, a Sentinel failover) a new connection
	 * has sent nothing yet, and WAIT answers at once with the replicas it has; with two replicas
	 * or more, a write lost with the old primary can then count as confirmed (documented).
	 */
	private final AtomicLong written = new AtomicLong();

	/** The one WAIT in flight; guards {@link #covered}. */
	private final ReentrantLock waiting = new ReentrantLock();

	/** Writes up to this count are confirmed by a WAIT issued after them. */
	private long covered;

	ReplicaAcks(@Value("${ha.redis.replica-acks:0}") int wanted,
			@Value("${ha.redis.replica-ack-timeout:200ms}") Duration timeout, MeterRegistry registry, Clock clock) {
		if (wanted < 0 || wanted > 5) {
			throw new ConfigurationException("HA_REDIS_REPLICA_ACKS is " + wanted + ".",
					"Set HA_REDIS_REPLICA_ACKS to how many replicas must have a write before the controller acts on it: "
							+ "0 (no wait) to 5; 1 with Redis behind Sentinel.");
		}
		// WAIT takes whole milliseconds, and 0 would wait forever
		if (timeout.toMillis() < 1 || timeout.toMillis() > MAX_TIMEOUT_MS) {
			throw new ConfigurationException("HA_REDIS_REPLICA_ACK_TIMEOUT is " + timeout + ".",
					"Set HA_REDIS_REPLICA_ACK_TIMEOUT between 1ms and " + MAX_TIMEOUT_MS + "ms, for example 200ms "
							+ "(a WAIT holds the controller's Redis connection that long).");
		}
		this.wanted = wanted;
		this.timeout = timeout;
		this.clock = clock;
		this.missed = Counter.builder("ov2ha.redis.unreplicated.writes")
			.description("Waits for HA_REDIS_REPLICA_ACKS replicas that timed out or failed (at most one per quiet time)")
			.register(registry);
	}

	/** After a write on {@code redis}'s shared connection: waits for the replicas (see the class). */
	void await(StringRedisTemplate redis) {
		if (wanted == 0) {
			return;
		}
		long mine = written.incrementAndGet();
		waiting.lock();
		try {
			if (covered >= mine || clock.instant().isBefore(quietUntil)) {
				return;
			}
			// every write counted so far was sent before this WAIT, on the same connection
			long upTo = written.get();
			Long acked;
			try {
				acked = redis.execute((RedisCallback<Long>) c -> waitOn(c.getNativeConnection()));
			}
			catch (RuntimeException ex) {
				// the writes went through; they stand
				miss(-1, ex.getClass().getSimpleName() + ": " + ex.getMessage());
				return;
			}
			if (acked == null) {
				// interrupted: stopping
				return;
			}
			if (acked < wanted) {
				miss(acked, null);
				return;
			}
			covered = upTo;
		}
		finally {
			waiting.unlock();
		}
	}

	/** WAIT on Lettuce's connection the scripts ran on (Spring's shared one). */
	private Long waitOn(Object connection) {
		if (!(connection instanceof BaseRedisAsyncCommands<?, ?> commands)) {
			throw new IllegalStateException("not a Lettuce connection: " + connection);
		}
		try {
			return commands.waitForReplication(wanted, timeout.toMillis())
				.get(timeout.toMillis() + 2000, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IllegalStateException("WAIT failed: " + ex.getMessage(), ex);
		}
	}

	private void miss(long acked, String error) {
		Instant now = clock.instant();
		missed.increment();
		quietUntil = now.plus(QUIET_AFTER_MISS);
		if (!now.isBefore(loggedAt.plus(LOG_EVERY))) {
			loggedAt = now;
			LOG.warn("event=redis.replica_ack_missing wanted=" + wanted + " acked=" + acked + " timeoutMs="
					+ timeout.toMillis() + " quietSeconds=" + QUIET_AFTER_MISS.toSeconds()
					+ (error == null ? "" : " error=" + LogValues.quote(error)));
		}
	}

}
