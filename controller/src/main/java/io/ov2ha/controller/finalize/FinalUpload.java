package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.storage.ChunkStorage;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.PeriodicComponent;
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
class FinalUpload implements PeriodicComponent {

	private static final Log LOG = LogFactory.getLog(FinalUpload.class);

	static final Duration PERIOD = Duration.ofSeconds(15);

	static final Duration RETRY_LATER = Duration.ofMinutes(10);

	static final int BATCH = 10;

	/** Renewed before each upload; an upload that outlasts it is harmless (the same key, a PUT is atomic). */
	static final Duration LEASE_TTL = Duration.ofMinutes(10);

	private final RecordingStore recordings;

	private final FinalizationStore store;

	private final ChunkStorage storage;

	private final Clock clock;

	private final DueEntries entries;

	private final Path recordingsDir;

	private final boolean enabled;

	private final PeriodicPass schedule;

	FinalUpload(StringRedisTemplate redis, RecordingStore recordings, FinalizationStore store, ChunkStorage storage,
			RedisLease lease, Clock clock, HaProperties properties, MeterRegistry registry) {
		this.recordings = recordings;
		this.store = store;
		this.storage = storage;
		this.clock = clock;
		this.entries = new DueEntries(redis, lease, clock, new DueEntries.Settings(RedisKeys.finalUploadIndex(),
				"final-upload", LEASE_TTL, BATCH, RETRY_LATER));
		this.recordingsDir = properties.recordingsDir();
		this.enabled = properties.storage().uploadFinal() && storage.mode() == StorageMode.S3;
		this.schedule = new PeriodicPass("final-upload", "final_upload", LOG, PERIOD, PERIOD, this::run);
		Gauge.builder("ov2ha.final.upload.pending", entries, DueEntries::count)
			.description("Sealed finals waiting for their upload to S3 (HA_UPLOAD_FINAL; 0 without it)")
			.register(registry);
	}

	/** Runs only when finals are uploaded (HA_UPLOAD_FINAL, S3 storage). */
	@Override
	public void start() {
		if (enabled) {
			PeriodicComponent.super.start();
		}
	}

	@Override
	public PeriodicPass schedule() {
		return schedule;
	}

	/**
	 * Asks for the sealed final of (id, createdAt) to be uploaded, and runs a pass soon. A final
	 * sealed again (a forced finalization) replaces the uploaded one: its key is forgotten until
	 * then, so downloads stream the new local file meanwhile.
	 */
	void request(RecordingId id, long createdAt) {
		if (!enabled) {
			return;
		}
		store.remove(id, createdAt, "finalKey", "uploadError");
		entries.add(id, createdAt, false);
		schedule.runSoon();
	}

	/** Whether the final of this member ({@code <id>:<createdAt>}) still waits for its upload. */
	boolean pending(String member) {
		return entries.pending(member);
	}

	/** One pass over the due entries; answers the finals uploaded. */
	synchronized int run() {
		if (!enabled) {
			return 0;
		}
		return entries.pass((id, createdAt) -> upload(id, createdAt) ? 1 : 0, (id, createdAt, ex, nextPass) -> {
			LOG.warn("event=finalize.upload_failed recordingId=" + id + " createdAt=" + createdAt + " error="
					+ LogValues.quote(ex.getMessage()) + " retryInSeconds="
					+ (nextPass ? PERIOD.toSeconds() : RETRY_LATER.toSeconds()));
			store.set(id, createdAt, Map.of("uploadError",
					ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
		});
	}

	/**
	 * Uploads the sealed final when it is still there, unchanged (a regular file, not a link, of
	 * the sealed size) and not uploaded yet; answers whether it did. A final sealed again while
	 * the upload ran is not marked uploaded: its own entry uploads it.
	 */
	private boolean upload(RecordingId id, long createdAt) {
		Optional<Recording> current = recordings.find(id);
		Finalization.Output output = store.output(id, createdAt);
		if (current.isEmpty() || current.get().createdAt() != createdAt || output == null) {
			return skipped(id, createdAt, output == null ? "no_sealed_final" : "not_the_current_incarnation");
		}
		if (store.get(id, createdAt, "finalKey") != null) {
			return false;
		}
		Path file = recordingsDir.resolve(id.value()).resolve(output.fileName());
		if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
			return skipped(id, createdAt, "final_file_missing");
		}
		if (sizeOf(file) != output.sizeBytes()) {
			return skipped(id, createdAt, "final_file_changed");
		}
		long started = clock.millis();
		String key = storage.putFinal(id, createdAt, output.fileName(), file);
		if (!output.equals(store.output(id, createdAt))) {
			return skipped(id, createdAt, "sealed_again_meanwhile");
		}
		store.set(id, createdAt, Map.of("finalKey", key));
		store.remove(id, createdAt, "uploadError");
		LOG.info("event=finalize.uploaded recordingId=" + id + " key=" + LogValues.quote(key) + " sizeBytes="
				+ output.sizeBytes() + " uploadMs=" + (clock.millis() - started));
		return true;
	}

	/** Nothing waits for this upload any more: no error is shown for it either. */
	private boolean skipped(RecordingId id, long createdAt, String reason) {
		LOG.warn("event=finalize.upload_skipped recordingId=" + id + " createdAt=" + createdAt + " reason=" + reason);
		store.remove(id, createdAt, "uploadError");
		return false;
	}

	private static long sizeOf(Path file) {
		try {
			return Files.size(file);
		}
		catch (IOException ex) {
			return -1;
		}
	}

}
