package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.finalize.Finalization.State;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.storage.ChunkKeys;
import io.ov2ha.controller.storage.ChunkStorage;
import io.ov2ha.controller.storage.ChunkStorageException;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.PeriodicComponent;
import io.ov2ha.controller.support.PeriodicPass;

/**
 * Deletes chunks (S3 objects and local chunk files) once a recording's final is verified and
 * {@code HA_CHUNK_RETENTION} has passed, and never otherwise: only entries of the retention
 * index (written when a finalization ends DONE) are considered, and each is checked again
 * (finalization DONE and verified, recording READY). FAILED, ABANDONED and unfinished
 * recordings are never in the index. One controller runs it at a time (lease {@code chunk-retention}).
 *
 * <p>
 * Runs while the context runs: a stop (a shutdown, or the test framework pausing a cached context)
 * ends the schedule before Redis goes away, a start after it schedules anew on a new thread.
 */
@Component
class ChunkRetention implements PeriodicComponent {

	private static final Log LOG = LogFactory.getLog(ChunkRetention.class);

	static final Duration PERIOD = Duration.ofMinutes(1);

	static final int BATCH = 50;

	/** How long a recording whose chunks wait for their copy to S3 waits before retention looks again. */
	static final Duration DEFERRAL = Duration.ofMinutes(10);

	private final FinalizationStore store;

	private final RecordingStore recordings;

	private final ChunkStorage storage;

	private final RedisLease lease;

	private final Clock clock;

	private final Path recordingsDir;

	private final ChunkBackfill backfill;

	private final PeriodicPass schedule;

	ChunkRetention(FinalizationStore store, RecordingStore recordings, ChunkStorage storage, RedisLease lease,
			Clock clock, HaProperties properties, ChunkBackfill backfill) {
		this.store = store;
		this.recordings = recordings;
		this.storage = storage;
		this.lease = lease;
		this.clock = clock;
		this.recordingsDir = properties.recordingsDir();
		this.backfill = backfill;
		this.schedule = new PeriodicPass("chunk-retention", "retention", LOG, PERIOD, PERIOD, this::run);
	}

	/** Schedules a pass every {@code period}, the first one {@code period} from now (tests). */
	void start(Duration period) {
		schedule.start(period, period);
	}

	@Override
	public PeriodicPass schedule() {
		return schedule;
	}

	/** One pass over the due entries; answers the recordings whose chunks were deleted. */
	synchronized int run() {
		String leaseKey = RedisKeys.lease("chunk-retention");
		if (!lease.tryAcquire(leaseKey, PERIOD.multipliedBy(2))) {
			return 0;
		}
		int cleaned = 0;
		try {
			for (String member : store.dueForRetention(clock.instant(), BATCH)) {
				if (Thread.currentThread().isInterrupted()) {
					break; // stopping
				}
				if (clean(member)) {
					cleaned++;
				}
			}
		}
		finally {
			lease.release(leaseKey);
		}
		return cleaned;
	}

	private boolean clean(String member) {
		RecordingId id = FinalizationStore.idOf(member);
		long createdAt = FinalizationStore.createdAtOf(member);
		Optional<Recording> current = recordings.find(id);
		boolean currentIncarnation = current.isPresent() && current.get().createdAt() == createdAt;
		Map<String, String> f = store.raw(id, createdAt);
		boolean verified = State.DONE.name().equals(f.get("state")) && "1".equals(f.get("verified"));
		if (!verified || currentIncarnation && current.get().status() != RecordingStatus.READY) {
			// not a verified final (any more): never delete; drop the entry
			LOG.warn("event=retention.skipped recordingId=" + id + " createdAt=" + createdAt
					+ " reason=not_a_verified_final");
			store.retentionDone(member);
			return false;
		}
		if (backfill.pending(member)) {
			// chunks still to be copied to S3 first: deleting now could race that copy. Due again
			// later, so that waiting entries never fill the batch of every pass
			Instant later = clock.instant().plus(DEFERRAL);
			store.scheduleRetention(id, createdAt, later);
			LOG.info("event=retention.deferred recordingId=" + id + " createdAt=" + createdAt
					+ " reason=chunk_backfill_pending nextAt=" + later);
			return false;
		}
		int objects = 0;
		int files = 0;
		try {
			if (storage.mode() == StorageMode.S3) {
				for (ChunkStorage.StoredChunk chunk : storage.list(id, createdAt)) {
					storage.delete(chunk.storageKey());
					objects++;
				}
			}
			// local chunk names carry no createdAt: only the current incarnation's folder is ours
			if (currentIncarnation) {
				files = deleteLocalChunks(id);
			}
		}
		catch (ChunkStorageException | IOException ex) {
			LOG.warn("event=retention.delete_failed recordingId=" + id + " error=" + LogValues.quote(ex.getMessage())
					+ " retry=next_run");
			return false;
		}
		store.set(id, createdAt, Map.of("chunksDeletedAt", FinalizationStore.ms(clock.instant())));
		store.retentionDone(member);
		LOG.info("event=retention.chunks_deleted recordingId=" + id + " createdAt=" + createdAt + " objects=" + objects
				+ " files=" + files);
		return true;
	}

	private int deleteLocalChunks(RecordingId id) throws IOException {
		Path dir = recordingsDir.resolve(ChunkKeys.localDir(id));
		int deleted = 0;
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
			for (Path file : entries) {
				String name = file.getFileName().toString();
				if (Files.isRegularFile(file) && (ChunkKeys.parse(name).isPresent() || ChunkKeys.isSegmentList(name))) {
					Files.delete(file);
					deleted++;
				}
			}
		}
		catch (NoSuchFileException ex) {
			return 0;
		}
		try (DirectoryStream<Path> rest = Files.newDirectoryStream(dir)) {
			if (!rest.iterator().hasNext()) {
				Files.delete(dir);
			}
		}
		return deleted;
	}

}
