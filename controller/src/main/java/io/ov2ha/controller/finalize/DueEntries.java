package io.ov2ha.controller.finalize;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;

import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.storage.ChunkStorageException;

/**
 * A Redis index of recordings ({@code <id>:<createdAt>} members; score: when the next try is due,
 * in ms) worked off by passes under a lease, so that one controller works at a time. A pass hands
 * each due entry, earliest first, to the work and drops it when done. An entry whose work S3
 * could not do stays: while S3 is unreachable (or the call timed out), due again at once but
 * behind the entries due before it, and the pass ends (the others wait for the next one); after
 * a refusal (e.g. 403) or any other failure, {@code retryLater} later. Used by
 * {@link ChunkBackfill} and {@link FinalUpload}.
 */
final class DueEntries {

	/** The work of one entry; answers how much it did (for the pass's count). */
	interface Work {

		int apply(RecordingId id, long createdAt);

	}

	/** Told about an entry whose work S3 could not do. */
	interface Failure {

		void on(RecordingId id, long createdAt, ChunkStorageException ex, boolean retryNextPass);

	}

	/**
	 * @param index the index key
	 * @param leaseName the lease ({@link RedisKeys#lease})
	 * @param leaseTtl renewed before each entry; longer than the work of one entry
	 * @param batch entries per pass at most
	 * @param retryLater when an entry S3 refused is tried again
	 */
	record Settings(String index, String leaseName, Duration leaseTtl, int batch, Duration retryLater) {
	}

	private final StringRedisTemplate redis;

	private final RedisLease lease;

	private final Clock clock;

	private final Settings settings;

	DueEntries(StringRedisTemplate redis, RedisLease lease, Clock clock, Settings settings) {
		this.redis = redis;
		this.lease = lease;
		this.clock = clock;
		this.settings = settings;
	}

	/**
	 * Adds the entry, due now.
	 *
	 * @param keepEarlier an entry already there keeps its due time (else it becomes due now)
	 */
	void add(RecordingId id, long createdAt, boolean keepEarlier) {
		String member = FinalizationStore.member(id, createdAt);
		if (keepEarlier) {
			redis.opsForZSet().addIfAbsent(settings.index(), member, clock.millis());
		}
		else {
			redis.opsForZSet().add(settings.index(), member, clock.millis());
		}
	}

	/** Whether the entry ({@code <id>:<createdAt>}) is still there. */
	boolean pending(String member) {
		return redis.opsForZSet().score(settings.index(), member) != null;
	}

	/** The number of entries; Redis down reads as NaN (for a gauge). */
	double count() {
		try {
			Long n = redis.opsForZSet().zCard(settings.index());
			return n == null ? 0 : n;
		}
		catch (RuntimeException ex) {
			return Double.NaN;
		}
	}

	/**
	 * One pass over the due entries, when this controller gets the lease; answers the sum of what
	 * the work did. Stops early when the thread is interrupted or the lease is lost.
	 */
	int pass(Work work, Failure failure) {
		String leaseKey = RedisKeys.lease(settings.leaseName());
		if (!lease.tryAcquire(leaseKey, settings.leaseTtl())) {
			return 0;
		}
		int done = 0;
		try {
			Set<String> due = redis.opsForZSet().rangeByScore(settings.index(), 0, clock.millis(), 0, settings.batch());
			for (String member : due == null ? Set.<String>of() : due) {
				if (Thread.currentThread().isInterrupted() || !lease.renew(leaseKey, settings.leaseTtl())) {
					break; // stopping, or the lease is lost: another controller goes on
				}
				RecordingId id = FinalizationStore.idOf(member);
				long createdAt = FinalizationStore.createdAtOf(member);
				try {
					done += work.apply(id, createdAt);
					redis.opsForZSet().remove(settings.index(), member);
				}
				catch (ChunkStorageException ex) {
					failure.on(id, createdAt, ex, ex.unavailable());
					if (ex.unavailable()) {
						// S3 is down (or this one timed out): due again, behind the entries due
						// before it, so one entry that always times out holds up no other
						redis.opsForZSet().add(settings.index(), member, clock.millis());
						break;
					}
					redis.opsForZSet().add(settings.index(), member, clock.millis() + settings.retryLater().toMillis());
				}
				catch (RuntimeException ex) {
					// a bug or a local failure: as a refusal, never in the way of the other entries
					failure.on(id, createdAt,
							new ChunkStorageException(ChunkStorageException.Kind.FAILED, ex.toString(), ex), false);
					redis.opsForZSet().add(settings.index(), member, clock.millis() + settings.retryLater().toMillis());
				}
			}
		}
		finally {
			lease.release(leaseKey);
		}
		return done;
	}

}
