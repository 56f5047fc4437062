package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.storage.ChunkKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestS3;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Plays the recorders of one recording against a real controller: registers, writes chunk
 * files where a recorder would (the recordings folder, S3) and reports them, each part
 * optional so that a test can lose any of them.
 */
final class FakeRecorder {

	/** Where a chunk goes. */
	enum Where {

		/** {@code <recordings>/<id>/chunks/<file>}, as the recorder writes it. */
		LOCAL,
		/** The S3 object (S3 storage mode). */
		S3,
		/** The chunk report to the controller. */
		REPORT

	}

	static final Set<Where> ALL_S3 = EnumSet.of(Where.S3, Where.REPORT);

	static final Set<Where> ALL_LOCAL = EnumSet.of(Where.LOCAL, Where.REPORT);

	final String id;

	final long createdAt;

	private final Api api;

	private final StringRedisTemplate redis;

	private final Path recordings;

	private final boolean s3;

	private long epoch;

	FakeRecorder(String id, long createdAt, Api api, StringRedisTemplate redis, Path recordings, boolean s3) {
		this.id = id;
		this.createdAt = createdAt;
		this.api = api;
		this.redis = redis;
		this.recordings = recordings;
		this.s3 = s3;
	}

	Path dir() {
		return recordings.resolve(id);
	}

	/** Registers the primary (epoch 0); with {@code metadata} also writes .recording.<id> as OpenVidu's recorder does. */
	FakeRecorder register(boolean metadata) throws IOException {
		Map<String, Object> body = Recordings.registration(id, createdAt, 0, "c0ffee" + Integer.toHexString(id.hashCode()));
		assertThat(api.asRecorder().post("/api/recordings", body).status()).isEqualTo(201);
		Files.createDirectories(dir());
		if (metadata) {
			Files.writeString(dir().resolve(".recording." + id), Api.JSON.writeValueAsString(body.get("recordingJson")));
		}
		// the placeholder OpenVidu waits for
		Files.writeString(dir().resolve(id + ".mp4"), "placeholder");
		return this;
	}

	/** A failover happened: the next epoch is current (what the failover claim does). */
	FakeRecorder failover() {
		epoch++;
		redis.opsForHash().put(RedisKeys.recording(RecordingId.of(id)), "epoch", Long.toString(epoch));
		return this;
	}

	long epoch() {
		return epoch;
	}

	String storageKey(long seq, long epoch) {
		return s3 ? ChunkKeys.objectKey("recordings/", RecordingId.of(id), createdAt, seq, epoch)
				: ChunkKeys.localPath(RecordingId.of(id), seq, epoch);
	}

	FakeRecorder chunk(long seq, TestMedia.Chunk chunk, Set<Where> where) {
		try {
			byte[] bytes = Files.readAllBytes(chunk.file());
			return chunk(seq, epoch, bytes, chunk.duration(), bytes, where);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A chunk whose stored bytes may differ from what its recorder reported ({@code reported}:
	 * the bytes the report describes).
	 */
	FakeRecorder chunk(long seq, long epoch, byte[] stored, double duration, byte[] reported, Set<Where> where) {
		String file = ChunkKeys.fileName(seq, epoch);
		try {
			if (where.contains(Where.LOCAL)) {
				Path local = dir().resolve(ChunkKeys.CHUNK_DIR).resolve(file);
				Files.createDirectories(local.getParent());
				Files.write(local, stored);
			}
			if (where.contains(Where.S3)) {
				TestS3.client()
					.putObject(r -> r.bucket(TestS3.BUCKET).key(storageKey(seq, epoch)), RequestBody.fromBytes(stored));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		if (where.contains(Where.REPORT)) {
			Map<String, Object> report = new LinkedHashMap<>();
			report.put("seq", seq);
			report.put("epoch", epoch);
			report.put("durationSeconds", duration);
			report.put("sizeBytes", reported.length);
			report.put("checksum", TestMedia.sha256(reported));
			report.put("storageKey", storageKey(seq, epoch));
			Api.Response r = api.asRecorder().post("/api/recordings/" + id + "/chunks", report);
			assertThat(r.status()).as(r.body()).isEqualTo(201);
		}
		return this;
	}

	/** The recorder's finalize call after it stopped. */
	Api.Response finalizeCall(int waitSeconds) {
		return api.asRecorder().post("/api/recordings/" + id + "/finalize?waitSeconds=" + waitSeconds,
				Map.of("epoch", epoch));
	}

}
