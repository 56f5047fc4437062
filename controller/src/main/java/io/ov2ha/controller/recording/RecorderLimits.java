package io.ov2ha.controller.recording;

/**
 * Bounds on what recorders report, far inside the integers Redis scripts compare exactly and
 * inside 2^53 (docs/recorder-protocol.md, "Bounds"). A value beyond one is refused with 400
 * invalid-request; a recording at {@link #MAX_CHUNKS} gets 409 too-many-chunks.
 */
public final class RecorderLimits {

	/** Highest epoch: far above HA_MAX_FAILOVERS (at most {@code 100}). */
	public static final long MAX_EPOCH = 1_000_000;

	/** Highest chunk sequence number: 115 days of 1 s chunks. */
	public static final long MAX_CHUNK_SEQ = 10_000_000;

	/** Most chunks in one recording's manifest: 11.5 days of 10 s chunks, 27.7 h of 1 s chunks. */
	public static final int MAX_CHUNKS = 100_000;

	/** Longest chunk, seconds: recorders cut chunks of a few seconds (OV2HA_CHUNK_SECONDS). */
	public static final long MAX_CHUNK_SECONDS = 3600;

	/** Largest chunk: 64 GiB, far above an hour of 4K video. */
	public static final long MAX_CHUNK_BYTES = 64L << 30;

	/** Most chunks a recorder may report as not uploaded yet (at most every chunk of a recording). */
	public static final long MAX_UPLOAD_BACKLOG = MAX_CHUNKS;

	/** Largest free disk a recorder may report: 1 PiB (below 2^53, where Redis scores stay exact). */
	public static final long MAX_FREE_DISK_BYTES = 1L << 50;

	private RecorderLimits() {
	}

}
