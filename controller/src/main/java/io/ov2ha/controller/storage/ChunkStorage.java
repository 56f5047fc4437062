package io.ov2ha.controller.storage;

import java.util.List;

import io.ov2ha.controller.recording.RecordingId;

/**
 * Where chunks are stored ({@code HA_RECORDING_STORAGE}: local folder or S3). Names come from
 * {@link ChunkKeys}.
 */
public interface ChunkStorage {

	/**
	 * Every chunk object stored for the recording (id, createdAt), whether or not its report
	 * reached the controller, ordered by (seq, epoch).
	 */
	List<StoredChunk> list(RecordingId id, long createdAt);

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
