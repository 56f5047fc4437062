package io.ov2ha.controller.recording;

import java.time.Instant;

/**
 * One chunk in a recording's manifest, as reported by the recorder that wrote it.
 *
 * @param seq sequence number
 * @param epoch epoch of the recorder that wrote it
 * @param durationSeconds media duration from the recorder's segment list
 * @param sizeBytes size of the stored object
 * @param checksum {@code sha256:<hex>} of the stored object
 * @param storageKey object key (S3) or path relative to the recordings folder (local)
 * @param reportedAt when the controller accepted the report
 */
public record ChunkEntry(long seq, long epoch, double durationSeconds, long sizeBytes, String checksum,
		String storageKey, Instant reportedAt) {

	/** The manifest field of a chunk: {@code <seq:06d>-e<epoch>}, which also sorts by seq. */
	public static String field(long seq, long epoch) {
		return String.format("%06d-e%d", seq, epoch);
	}

}
