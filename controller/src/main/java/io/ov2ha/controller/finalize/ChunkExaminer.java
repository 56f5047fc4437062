package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.finalize.JoinPlan.Kept;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.ChunkEntry;
import io.ov2ha.controller.recording.ChunkFindings;
import io.ov2ha.controller.storage.ChunkKeys;
import io.ov2ha.controller.storage.ChunkStorage;
import io.ov2ha.controller.storage.ChunkStorage.StoredChunk;
import io.ov2ha.controller.storage.ChunkStorageException;
import io.ov2ha.controller.support.LogValues;
import tools.jackson.databind.JsonNode;

/**
 * One chunk of a finalization: a reported chunk must match its report (size, SHA-256), taken
 * from the local folder when it does and downloaded from S3 otherwise; a chunk only a listing
 * knows must decode cleanly and last {@link #MIN_UNREPORTED_SECONDS}. Answers the chunk as kept
 * or as dropped with its reason.
 */
@Component
class ChunkExaminer {

	private static final Log LOG = LogFactory.getLog(ChunkExaminer.class);

	/** A chunk found only by listing (a partial chunk of a dead recorder) must last at least this long. */
	static final double MIN_UNREPORTED_SECONDS = 0.5;

	/** A reported duration this far from the chunk's own timestamps is not trusted; ffprobe measures it. */
	static final double DURATION_DOUBT_SECONDS = 1.0;

	private final Path recordings;

	private final ChunkStorage storage;

	private final Media media;

	ChunkExaminer(HaProperties properties, ChunkStorage storage, Media media) {
		this.recordings = properties.recordingsDir();
		this.storage = storage;
		this.media = media;
	}

	/** A chunk the manifest, S3 or the local folder knows ({@code local}: its local file, if any). */
	record Candidate(long seq, long epoch, ChunkEntry report, StoredChunk remote, Path local) {
	}

	sealed interface Examined permits Usable, Dropped {
	}

	record Usable(Kept kept) implements Examined {
	}

	record Dropped(ChunkFindings.Dropped dropped) implements Examined {
	}

	Examined examine(RecordingId id, Candidate c, Path cache) throws IOException {
		return c.report() != null ? examineReported(id, c, cache) : examineUnreported(id, c, cache);
	}

	/** A reported chunk: its bytes must match the report (size and SHA-256), locally or in S3. */
	private Examined examineReported(RecordingId id, Candidate c, Path cache) throws IOException {
		ChunkEntry report = c.report();
		String localProblem = null;
		Path local = c.local() != null ? c.local() : recordings.resolve(ChunkKeys.localPath(id, c.seq(), c.epoch()));
		if (Files.isRegularFile(local)) {
			TsScan.Info info = TsScan.scan(local, true);
			localProblem = mismatch(info, report);
			if (localProblem == null) {
				return usable(c, local, "local", info);
			}
			localProblem = "local file " + localProblem;
		}
		if (storage.mode() != StorageMode.S3) {
			return dropped(c, localProblem != null ? localProblem : "missing: reported, but there is no chunk file");
		}
		Path cached = cache.resolve(ChunkKeys.fileName(c.seq(), c.epoch()));
		if (Files.isRegularFile(cached)) {
			TsScan.Info info = TsScan.scan(cached, true);
			if (mismatch(info, report) == null) {
				return usable(c, cached, "s3", info);
			}
		}
		try {
			storage.download(report.storageKey(), cached);
		}
		catch (ChunkStorageException ex) {
			if (ex.kind() == ChunkStorageException.Kind.NOT_FOUND) {
				return dropped(c, (localProblem != null ? localProblem + "; " : "") + "missing: reported, but not in S3");
			}
			throw ex;
		}
		TsScan.Info info = TsScan.scan(cached, true);
		String problem = mismatch(info, report);
		if (problem != null) {
			return dropped(c, (localProblem != null ? localProblem + "; " : "") + "S3 object " + problem);
		}
		return usable(c, cached, "s3", info);
	}

	/** Why the bytes are not the reported chunk, or null. */
	private static String mismatch(TsScan.Info info, ChunkEntry report) {
		if (info.sizeBytes() != report.sizeBytes()) {
			return "has " + info.sizeBytes() + " bytes, the report says " + report.sizeBytes();
		}
		if (!info.sha256().equalsIgnoreCase(report.checksum())) {
			return "differs from the report (checksum)";
		}
		return null;
	}

	private Examined usable(Candidate c, Path file, String source, TsScan.Info info) throws IOException {
		String problem = info.problem();
		if (problem != null) {
			return dropped(c, problem);
		}
		double duration = c.report().durationSeconds();
		if (!(duration > 0) || Math.abs(duration - info.span()) > DURATION_DOUBT_SECONDS) {
			double measured = probedDuration(file);
			LOG.warn("event=finalize.duration_doubtful seq=" + c.seq() + " epoch=" + c.epoch() + " reported="
					+ LogValues.seconds(duration) + " measured=" + LogValues.seconds(measured));
			duration = measured;
			if (!(duration > 0)) {
				return dropped(c, "no measurable duration");
			}
		}
		return new Usable(new Kept(c.seq(), c.epoch(), file, duration, source, true, info));
	}

	/**
	 * A chunk only a listing knows (its report was lost, or a dead recorder left it partial): kept
	 * if it decodes cleanly and lasts long enough; its duration is measured.
	 */
	private Examined examineUnreported(RecordingId id, Candidate c, Path cache) throws IOException {
		Path file;
		String source;
		if (c.local() != null && (c.remote() == null || WorkFiles.sizeOf(c.local()) == c.remote().sizeBytes())) {
			file = c.local();
			source = "local";
		}
		else {
			file = cache.resolve(ChunkKeys.fileName(c.seq(), c.epoch()));
			if (WorkFiles.sizeOf(file) != c.remote().sizeBytes()) {
				try {
					storage.download(c.remote().storageKey(), file);
				}
				catch (ChunkStorageException ex) {
					if (ex.kind() == ChunkStorageException.Kind.NOT_FOUND) {
						return dropped(c, "missing: listed, but gone from S3");
					}
					throw ex;
				}
			}
			source = "s3";
		}
		TsScan.Info info = TsScan.scan(file, false);
		String problem = info.problem();
		if (problem != null) {
			return dropped(c, problem);
		}
		Media.Result decode = media.decodeCheck(file);
		if (!decode.ok()) {
			return dropped(c, "undecodable: " + decode.lastError());
		}
		double duration = probedDuration(file);
		if (!(duration >= MIN_UNREPORTED_SECONDS)) {
			return dropped(c, "too short (" + LogValues.seconds(duration) + " s)");
		}
		LOG.info("event=finalize.unreported_chunk_kept recordingId=" + id + " seq=" + c.seq() + " epoch=" + c.epoch()
				+ " durationSeconds=" + LogValues.seconds(duration) + " source=" + source);
		return new Usable(new Kept(c.seq(), c.epoch(), file, duration, source, false, info));
	}

	private double probedDuration(Path file) throws IOException {
		JsonNode probe = media.probe(file);
		try {
			return Double.parseDouble(probe.path("format").path("duration").asString("0"));
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	static Examined dropped(Candidate c, String reason) {
		String key = c.report() != null ? c.report().storageKey() : c.remote() != null ? c.remote().storageKey()
				: c.local() != null ? c.local().getFileName().toString() : "";
		return new Dropped(new ChunkFindings.Dropped(c.seq(), c.epoch(), key, reason));
	}

}
