package io.ov2ha.controller.finalize;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.storage.ChunkStorage;
import io.ov2ha.controller.storage.ChunkStorageException;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.PeriodicPass;

/**
 * Uploads sealed finals to S3 ({@code HA_UPLOAD_FINAL=true}), after their finalization, never
 * in it: OpenVidu's stop and the customer's final event do not wait for an upload, whatever the
 * file's size or S3's state. A sealed finalization asks for it ({@link #request}), which runs a
 * pass at once; every {@link #PERIOD} one controller (lease {@code final-upload}) uploads the due
 * finals and drops their entries. While S3 is unreachable the entries wait for the next pass; a
 * refusal (e.g. 403) is tried again {@link #RETRY_LATER} later and noted in the finalization
 * ({@code uploadError}). Downloads stream the local final until its key ({@code finalKey}) is
 * there, then redirect to a presigned URL.
 */
@Component
class FinalUpload implements SmartLifecycle {

	private static final Log LOG = LogFactory.getLog(FinalUpload.class);

	static final Duration PERIOD = Duration.ofSeconds(15);

	static final Duration RETRY_LATER = Duration.ofMinutes(10);

	static final int BATCH = 10;

	/** Renewed before each upload; an upload that outlasts it is harmless (the same key, a PUT is atomic). */
	static final Duration LEASE_TTL = Duration.ofMinutes(10);

	private final StringRedisTemplate redis;

	private final RecordingStore recordings;

	private final FinalizationStore store;

	private final ChunkStorage storage;

	private final RedisLease lease;

	private final Clock clock;

	private final Path recordingsDir;

	private final boolean enabled;

	private final PeriodicPass schedule;

	FinalUpload(StringRedisTemplate redis, RecordingStore recordings, FinalizationStore store, ChunkStorage storage,
			RedisLease lease, Clock clock, HaProperties properties, MeterRegistry registry) {
		this.redis = redis;
		this.recordings = recordings;
		this.store = store;
		this.storage = storage;
		this.lease = lease;
		this.clock = clock;
		this.recordingsDir = properties.recordingsDir();
		this.enabled = properties.storage().uploadFinal() && storage.mode() == StorageMode.S3;
		this.schedule = new PeriodicPass("final-upload", "final_upload", LOG, this::run);
		Gauge.builder("ov2ha.final.upload.pending", this, FinalUpload::pendingCount)
			.description("Sealed finals waiting for their upload to S3 (HA_UPLOAD_FINAL; 0 without it)")
			.register(registry);
	}

	@Override
	public void start() {
		if (enabled) {
			schedule.start(PERIOD);
		}
	}

	@Override
	public boolean isRunning() {
		return schedule.isRunning();
	}

	@Override
	public void stop() {
		schedule.stop();
	}

	/** Asks for the sealed final of (id, createdAt) to be uploaded, and runs a pass soon. */
	void request(RecordingId id, long createdAt) {
		if (!enabled) {
			return;
		}
		redis.opsForZSet().add(RedisKeys.finalUploadIndex(), FinalizationStore.member(id, createdAt), clock.millis());
		schedule.runSoon();
	}

	/** One pass over the due entries; answers the finals uploaded. */
	synchronized int run() {
		String leaseKey = RedisKeys.lease("final-upload");
		if (!enabled || !lease.tryAcquire(leaseKey, LEASE_TTL)) {
			return 0;
		}
		int uploaded = 0;
		try {
			Set<String> due = redis.opsForZSet().rangeByScore(RedisKeys.finalUploadIndex(), 0, clock.millis(), 0, BATCH);
			for (String member : due == null ? Set.<String>of() : due) {
				if (Thread.currentThread().isInterrupted() || !lease.renew(leaseKey, LEASE_TTL)) {
					break; // stopping, or the lease is lost: another controller goes on
				}
				RecordingId id = FinalizationStore.idOf(member);
				long createdAt = FinalizationStore.createdAtOf(member);
				try {
					if (upload(id, createdAt)) {
						uploaded++;
					}
					redis.opsForZSet().remove(RedisKeys.finalUploadIndex(), member);
				}
				catch (ChunkStorageException ex) {
					LOG.warn("event=finalize.upload_failed recordingId=" + id + " createdAt=" + createdAt + " error="
							+ LogValues.quote(ex.getMessage()) + " retry="
							+ (ex.unavailable() ? "next_run" : "in_" + RETRY_LATER.toMinutes() + "_min"));
					store.set(id, createdAt, Map.of("uploadError", ex.getMessage()));
					if (ex.unavailable()) {
						break; // S3 is down: the other entries wait too
					}
					redis.opsForZSet().add(RedisKeys.finalUploadIndex(), member, clock.millis() + RETRY_LATER.toMillis());
				}
			}
		}
		finally {
			lease.release(leaseKey);
		}
		return uploaded;
	}

	/** Uploads the sealed final when it is still there and not uploaded yet; answers whether it did. */
	private boolean upload(RecordingId id, long createdAt) {
		Optional<Recording> current = recordings.find(id);
		Finalization.Output output = store.output(id, createdAt);
		if (current.isEmpty() || current.get().createdAt() != createdAt || output == null) {
			LOG.info("event=finalize.upload_skipped recordingId=" + id + " createdAt=" + createdAt
					+ " reason=" + (output == null ? "no_sealed_final" : "not_the_current_incarnation"));
			return false;
		}
		if (store.get(id, createdAt, "finalKey") != null) {
			return false;
		}
		Path file = recordingsDir.resolve(id.value()).resolve(output.fileName());
		if (!Files.isRegularFile(file)) {
			LOG.warn("event=finalize.upload_skipped recordingId=" + id + " createdAt=" + createdAt
					+ " reason=final_file_missing file=" + LogValues.quote(output.fileName()));
			return false;
		}
		long started = clock.millis();
		String key = storage.putFinal(id, createdAt, output.fileName(), file);
		store.set(id, createdAt, Map.of("finalKey", key));
		store.remove(id, createdAt, "uploadError");
		LOG.info("event=finalize.uploaded recordingId=" + id + " key=" + LogValues.quote(key) + " sizeBytes="
				+ output.sizeBytes() + " ms=" + (clock.millis() - started));
		return true;
	}

	/** Static helper for the gauge: Redis down reads as NaN. */
	private static double pendingCount(FinalUpload upload) {
		try {
			Long n = upload.redis.opsForZSet().zCard(RedisKeys.finalUploadIndex());
			return n == null ? 0 : n;
		}
		catch (RuntimeException ex) {
			return Double.NaN;
		}
	}

}
