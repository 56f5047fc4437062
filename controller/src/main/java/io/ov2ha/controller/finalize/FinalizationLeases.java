package io.ov2ha.controller.finalize;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;

/**
 * The per-recording finalize lease: an attempt runs only where it is held (so once across the
 * controller replicas), renewed every {@link #RENEW} while the attempt runs. The attempt's
 * {@link Joiner.Guard} stops it before its next step once the lease is lost (Redis unreachable,
 * or expired) or the controller is stopping; a controller that dies leaves the lease to expire
 * and {@link FinalizationService#resumeIfDue} resumes the attempt elsewhere.
 */
@Component
class FinalizationLeases {

	static final Duration TTL = Duration.ofSeconds(30);

	static final Duration RENEW = Duration.ofSeconds(10);

	private final RedisLease lease;

	FinalizationLeases(RedisLease lease) {
		this.lease = lease;
	}

	/** Whether some controller holds the recording's finalize lease. */
	boolean held(RecordingId id) {
		return lease.holder(key(id)) != null;
	}

	/**
	 * Runs {@code attempt} under the recording's lease, renewed on {@code timers}; answers its
	 * result, or null without running it when another controller holds the lease.
	 */
	<T> T run(RecordingId id, ScheduledExecutorService timers, BooleanSupplier stopping,
			Function<Joiner.Guard, T> attempt) {
		String key = key(id);
		if (!lease.tryAcquire(key, TTL)) {
			return null;
		}
		AtomicBoolean lost = new AtomicBoolean();
		ScheduledFuture<?> renewal = timers.scheduleAtFixedRate(() -> {
			try {
				if (!lease.renew(key, TTL)) {
					lost.set(true);
				}
			}
			catch (RuntimeException ex) {
				// Redis unreachable: the lease may expire; the attempt stops before its next step
				lost.set(true);
			}
		}, RENEW.toMillis(), RENEW.toMillis(), TimeUnit.MILLISECONDS);
		try {
			return attempt.apply(() -> {
				if (lost.get()) {
					throw new FinalizeFailure.Aborted("the finalize lease was lost");
				}
				if (stopping.getAsBoolean() || Thread.currentThread().isInterrupted()) {
					throw new FinalizeFailure.Aborted("the controller is stopping");
				}
			});
		}
		finally {
			renewal.cancel(false);
			Thread.interrupted();
			try {
				lease.release(key);
			}
			catch (RuntimeException ex) {
				// it expires by itself
			}
		}
	}

	private static String key(RecordingId id) {
		return RedisKeys.finalizeLease(id);
	}

}
