package io.ov2ha.controller.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
 * Waits, after a scripted write, until {@code HA_REDIS_REPLICA_ACKS} replicas have it (Redis
 * {@code WAIT}, at most {@code HA_REDIS_REPLICA_ACK_TIMEOUT}): with Redis behind Sentinel, what the
 * controller acts on next (a backup started on an epoch claim, a chunk accepted, a finalization
 * state) is then on a replica, and a promoted replica has it. 0 (the default): no wait.
 *
 * <p>
 * {@code WAIT} runs on the connection the script ran on (Spring's shared connection), so it
 * covers that write. A wait that times out (no replica, or one lagging) counts
 * {@code ov2ha_redis_unreplicated_writes_total} and is logged (once a minute at most); the write
 * stands (it is on the primary), and for {@link #QUIET_AFTER_MISS} no write waits, so a lost
 * replica slows the controller by one timeout, not on every write.
 */
@Component
public class ReplicaAcks {

	private static final Log LOG = LogFactory.getLog(ReplicaAcks.class);

	static final Duration QUIET_AFTER_MISS = Duration.ofSeconds(10);

	private static final Duration LOG_EVERY = Duration.ofMinutes(1);

	private final int wanted;

	private final Duration timeout;

	private final Counter missed;

	private final Clock clock;

	private volatile Instant quietUntil = Instant.EPOCH;

	private volatile Instant loggedAt = Instant.EPOCH;

	ReplicaAcks(@Value("${ha.redis.replica-acks:0}") int wanted,
			@Value("${ha.redis.replica-ack-timeout:200ms}") Duration timeout, MeterRegistry registry, Clock clock) {
		if (wanted < 0 || wanted > 5) {
			throw new ConfigurationException("HA_REDIS_REPLICA_ACKS is " + wanted + ".",
					"Set HA_REDIS_REPLICA_ACKS to how many replicas must have a write before the controller acts on it: "
							+ "0 (no wait) to 5; 1 with Redis behind Sentinel.");
		}
		if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofSeconds(5)) > 0) {
			throw new ConfigurationException("HA_REDIS_REPLICA_ACK_TIMEOUT is " + timeout + ".",
					"Set HA_REDIS_REPLICA_ACK_TIMEOUT between 1ms and 5s, for example 200ms.");
		}
		this.wanted = wanted;
		this.timeout = timeout;
		this.clock = clock;
		this.missed = Counter.builder("ov2ha.redis.unreplicated.writes")
			.description("Scripted writes that HA_REDIS_REPLICA_ACKS replicas did not confirm within HA_REDIS_REPLICA_ACK_TIMEOUT")
			.register(registry);
	}

	/** Whether writes wait for replicas at all. */
	boolean enabled() {
		return wanted > 0;
	}

	/** After a write on {@code redis}'s shared connection: waits for the replicas (see the class). */
	void await(StringRedisTemplate redis) {
		if (wanted == 0 || clock.instant().isBefore(quietUntil)) {
			return;
		}
		long acked;
		try {
			Long answer = redis.execute((RedisCallback<Long>) c -> waitOn(c.getNativeConnection()));
			acked = answer == null ? -1 : answer;
		}
		catch (RuntimeException ex) {
			// the write itself went through; the next one waits again
			miss(-1, ex.getClass().getSimpleName() + ": " + ex.getMessage());
			return;
		}
		if (acked < wanted) {
			miss(acked, null);
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
			return -1L;
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
