package io.ov2ha.controller.finalize;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.ChunkEntry;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.storage.ChunkStorage;
import io.ov2ha.controller.storage.ChunkStorage.StoredChunk;
import io.ov2ha.controller.storage.LocalChunkStorage;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.PeriodicComponent;
import io.ov2ha.controller.support.PeriodicPass;

/**
 * Copies to S3 the chunk files a recording's recorders left on the local disk only (S3 was down
 * when they stopped, or a recorder died before its upload), so that S3 ends up holding every
 * chunk of every recording: the local disk dies with its host. A finalization asks for it
 * ({@link #request}) when the recordings folder has a chunk the S3 listing lacks, or S3 could not
 * be listed. Every {@link #PERIOD} one controller (lease {@code chunk-backfill}) copies each
 * missing chunk of the due entries and drops the entry; while S3 is unreachable the entry waits
 * for the next pass. Retention never deletes a recording's chunks while its entry exists.
 *
 * <p>
 * Only chunks absent from S3 are copied: an object S3 has is a complete upload (a PUT is atomic)
 * and is never replaced. Local chunk names carry no createdAt, so only the current incarnation
 * of a recording id is copied (OpenVidu reuses ids).
 */
@Component
class ChunkBackfill implements PeriodicComponent {

	private static final Log LOG = LogFactory.getLog(ChunkBackfill.class);

	static final Duration PERIOD = Duration.ofSeconds(15);

	/** When S3 refuses a copy for another reason than being unreachable (e.g. 403): try again then. */
	static final Duration RETRY_LATER = Duration.ofMinutes(10);

	static final int BATCH = 20;

	/** The lease, renewed before each recording of a pass (one recording's copies take less). */
	static final Duration LEASE_TTL = Duration.ofMinutes(5);

	private final RecordingStore recordings;

	private final ChunkStorage storage;

	private final LocalChunkStorage localChunks;

	private final DueEntries entries;

	private final PeriodicPass schedule;

	ChunkBackfill(StringRedisTemplate redis, RecordingStore recordings, ChunkStorage storage, RedisLease lease,
			Clock clock, HaProperties properties, MeterRegistry registry) {
		this.recordings = recordings;
		this.storage = storage;
		this.localChunks = new LocalChunkStorage(properties.recordingsDir());
		this.entries = new DueEntries(redis, lease, clock, new DueEntries.Settings(RedisKeys.chunkBackfillIndex(),
				"chunk-backfill", LEASE_TTL, BATCH, RETRY_LATER));
		this.schedule = new PeriodicPass("chunk-backfill", "backfill", LOG, PERIOD, PERIOD, this::run);
		Gauge.builder("ov2ha.chunks.backfill.pending", entries, DueEntries::count)
			.description("Recordings with chunks on the local disk only, waiting to be copied to S3")
			.register(registry);
	}

	/** Runs only with S3 storage (with local storage every chunk is on the disk already). */
	@Override
	public void start() {
		if (storage.mode() == StorageMode.S3) {
			PeriodicComponent.super.start();
		}
	}

	@Override
	public PeriodicPass schedule() {
		return schedule;
	}

	/** Asks for the chunks of the recording (id, createdAt) that are on the local disk only to be copied to S3. */
	void request(RecordingId id, long createdAt) {
		if (storage.mode() == StorageMode.S3) {
			entries.add(id, createdAt, true);
		}
	}

	/** Whether chunks of this retention/backfill member ({@code <id>:<createdAt>}) still wait for their copy. */
	boolean pending(String member) {
		return entries.pending(member);
	}

	/** One pass over the due entries; answers the chunks copied. */
	synchronized int run() {
		if (storage.mode() != StorageMode.S3) {
			return 0;
		}
		return entries.pass(this::copy, (id, createdAt, ex, nextPass) -> LOG.warn("event=backfill.copy_failed recordingId="
				+ id + " error=" + LogValues.quote(ex.getMessage()) + " retryInSeconds="
				+ (nextPass ? PERIOD.toSeconds() : RETRY_LATER.toSeconds())));
	}

	/** Copies the recording's local chunk files S3 lacks; answers how many. */
	private int copy(RecordingId id, long createdAt) {
		Optional<Recording> current = recordings.find(id);
		if (current.isEmpty() || current.get().createdAt() != createdAt) {
			LOG.info("event=backfill.skipped recordingId=" + id + " createdAt=" + createdAt
					+ " reason=not_the_current_incarnation");
			return 0;
		}
		List<StoredChunk> local = localChunks.list(id, createdAt);
		if (local.isEmpty()) {
			return 0;
		}
		Map<String, StoredChunk> remote = new HashMap<>();
		storage.list(id, createdAt).forEach(c -> remote.put(ChunkEntry.field(c.seq(), c.epoch()), c));
		int copied = 0;
		long bytes = 0;
		for (StoredChunk chunk : local) {
			if (chunk.sizeBytes() <= 0 || remote.containsKey(ChunkEntry.field(chunk.seq(), chunk.epoch()))) {
				continue;
			}
			storage.putChunk(id, createdAt, chunk.seq(), chunk.epoch(), localChunks.file(chunk.storageKey()));
			copied++;
			bytes += chunk.sizeBytes();
		}
		LOG.info("event=backfill.done recordingId=" + id + " createdAt=" + createdAt + " copiedChunks=" + copied
				+ " copiedBytes=" + bytes + " localChunks=" + local.size());
		return copied;
	}

}
