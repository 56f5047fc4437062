package io.ov2ha.controller.storage;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.kernel.RecordingId;

/**
 * Where chunks are stored ({@code HA_RECORDING_STORAGE}: local folder or S3). Names come from
 * {@link ChunkKeys}. Every method may throw {@link ChunkStorageException}; its kind tells an
 * unreachable storage (worth a retry) from a missing object.
 */
public interface ChunkStorage {

	/** {@code LOCAL} or {@code S3}. */
	StorageMode mode();

	/**
	 * Every chunk object stored for the recording (id, createdAt), whether or not its report
	 * reached the controller, ordered by (seq, epoch).
	 */
	List<StoredChunk> list(RecordingId id, long createdAt);

	/**
	 * Copies a stored chunk to {@code target} (replaced if it exists; written under a temporary
	 * name first, so {@code target} is either absent or complete).
	 *
	 * @throws ChunkStorageException {@code NOT_FOUND} if there is no such object
	 */
	void download(String storageKey, Path target);

	/** Whether the object exists. */
	boolean exists(String storageKey);

	/** Deletes the object; deleting an absent object is not an error. */
	void delete(String storageKey);

	/**
	 * Stores a final recording next to the chunks (S3 only, {@code HA_UPLOAD_FINAL}) and answers
	 * its key ({@link ChunkKeys#finalKey}).
	 */
	default String putFinal(RecordingId id, long createdAt, String fileName, Path file) {
		throw new UnsupportedOperationException("final recordings are only uploaded to S3 storage");
	}

	/**
	 * Stores a chunk file under its object key ({@link ChunkKeys#objectKey}; S3 only): the copy of
	 * a chunk its recorder left on the local disk. Answers the key.
	 */
	default String putChunk(RecordingId id, long createdAt, long seq, long epoch, Path file) {
		throw new UnsupportedOperationException("chunks are only copied to S3 storage");
	}

	/** A time-limited URL that downloads the object without credentials, if the storage can make one. */
	default Optional<URI> presignedGet(String key, Duration expiry) {
		return Optional.empty();
	}

	/**
	 * Checks that the storage can be used (bucket reachable, folder present).
	 *
	 * @throws ChunkStorageException when it cannot
	 */
	void check();

	/**
	 * A stored chunk object.
	 *
	 * @param seq sequence number (from its name)
	 * @param epoch epoch of the recorder that wrote it (from its name)
	 * @param storageKey object key (S3) or path relative to the recordings folder (local)
	 * @param sizeBytes stored size
	 */
	record StoredChunk(long seq, long epoch, String storageKey, long sizeBytes) {
	}

}
