package io.ov2ha.controller.storage;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.ov2ha.controller.kernel.RecordingId;

/**
 * The one place that names chunks (see docs/recorder-protocol.md). A chunk is identified by
 * (recording id, createdAt, seq, epoch); the epoch in every name means no recorder can ever
 * overwrite another recorder's chunk.
 *
 * <pre>
 * file name          &lt;seq:06d&gt;-e&lt;epoch&gt;.ts
 * local path         &lt;recordingId&gt;/chunks/&lt;file name&gt;            (relative to the recordings folder)
 * segment list       &lt;recordingId&gt;/chunks/segments-e&lt;epoch&gt;.csv
 * stop marker        &lt;recordingId&gt;/chunks/stopped-e&lt;epoch&gt;           (the recorder of that epoch stopped normally)
 * S3 object key      &lt;prefix&gt;&lt;recordingId&gt;/&lt;createdAt&gt;/&lt;file name&gt;
 * final MP4 in S3    &lt;prefix&gt;&lt;recordingId&gt;/&lt;createdAt&gt;/final/&lt;VIDEO_NAME&gt;.mp4   (HA_UPLOAD_FINAL)
 * </pre>
 */
public final class ChunkKeys {

	public static final String CHUNK_DIR = "chunks";

	private static final Pattern FILE = Pattern.compile("(\\d{6,})-e(\\d+)\\.ts");

	private static final Pattern SEGMENT_LIST = Pattern.compile("segments-e\\d+\\.csv");

	private ChunkKeys() {
	}

	public static String fileName(long seq, long epoch) {
		return String.format(Locale.ROOT, "%06d-e%d.ts", seq, epoch);
	}

	public static String localPath(RecordingId id, long seq, long epoch) {
		return id.value() + "/" + CHUNK_DIR + "/" + fileName(seq, epoch);
	}

	public static String segmentList(RecordingId id, long epoch) {
		return id.value() + "/" + CHUNK_DIR + "/segments-e" + epoch + ".csv";
	}

	/** Written by a recorder that stopped on {@code q}/SIGTERM: its epoch ended normally, not in a crash. */
	public static String stopMarker(RecordingId id, long epoch) {
		return id.value() + "/" + CHUNK_DIR + "/stopped-e" + epoch;
	}

	/** The S3 prefix under which all chunks of one recording live. */
	public static String objectPrefix(String prefix, RecordingId id, long createdAt) {
		return prefix + id.value() + "/" + createdAt + "/";
	}

	public static String objectKey(String prefix, RecordingId id, long createdAt, long seq, long epoch) {
		return objectPrefix(prefix, id, createdAt) + fileName(seq, epoch);
	}

	/** The folder of a recording's chunk files, relative to the recordings folder. */
	public static String localDir(RecordingId id) {
		return id.value() + "/" + CHUNK_DIR;
	}

	/** Whether a file name in the chunk folder is a recorder's segment list. */
	public static boolean isSegmentList(String fileName) {
		return SEGMENT_LIST.matcher(fileName).matches();
	}

	/** The S3 key of an uploaded final recording; outside the chunk names, so never listed as a chunk. */
	public static String finalKey(String prefix, RecordingId id, long createdAt, String fileName) {
		return objectPrefix(prefix, id, createdAt) + "final/" + fileName;
	}

	/** Parses a chunk file name (or the last segment of a key) into (seq, epoch). */
	public static Optional<SeqEpoch> parse(String nameOrKey) {
		String name = nameOrKey.substring(nameOrKey.lastIndexOf('/') + 1);
		Matcher m = FILE.matcher(name);
		if (!m.matches()) {
			return Optional.empty();
		}
		return Optional.of(new SeqEpoch(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
	}

	public record SeqEpoch(long seq, long epoch) {
	}

}
