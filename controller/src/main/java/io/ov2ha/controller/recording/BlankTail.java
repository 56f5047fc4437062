package io.ov2ha.controller.recording;

import java.util.Map;
import java.util.Optional;

import io.ov2ha.controller.support.EpochMillis;

/**
 * What a recording ended for a loss (its session gone, OpenVidu unreachable, a backup that never
 * found the session) recorded after the loss: its current recorder's screen was blank (a uniform
 * frame and silence) at the end, so the media of that epoch after its last shown probe is not
 * joined. Written with the end ({@code blankTailEpoch}, {@code blankTailAfterMs} in the recording
 * hash); the finalization drops that epoch's chunks that start after it and says so.
 *
 * @param epoch the epoch whose tail is blank
 * @param afterMediaMs the epoch's media time of its last shown probe, ms; -1: none of its probes
 *        showed anything (the whole epoch is blank)
 */
public record BlankTail(long epoch, long afterMediaMs) {

	/** The hash fields that hold it. */
	public static final String EPOCH_FIELD = "blankTailEpoch";

	public static final String AFTER_FIELD = "blankTailAfterMs";

	/**
	 * The recorder probes every 4 s ({@code OV2HA_CONTENT_INTERVAL}): the loss happened within one
	 * probe interval (and a probe's time, about 1 s) after its last shown probe, so media up to this
	 * much after it may still hold content.
	 */
	private static final long PROBE_MARGIN_MS = 5000;

	/** The blank tail of {@code r}'s current recorder, when its last heartbeat says it is blank. */
	public static Optional<BlankTail> of(Recording r) {
		RecorderProgress p = r.progress();
		if (!p.of(r.epoch()) || p.content().state() != RecorderContent.State.BLANK) {
			return Optional.empty();
		}
		Long shown = p.content().shownMediaMs();
		return Optional.of(new BlankTail(r.epoch(), shown == null ? -1 : shown));
	}

	/** The fields to write with the end. */
	public Map<String, String> fields() {
		return Map.of(EPOCH_FIELD, Long.toString(epoch), AFTER_FIELD, Long.toString(afterMediaMs));
	}

	/** Read back; null when absent or not whole (nothing is trimmed on a doubt). */
	static BlankTail fromHash(Map<String, String> h) {
		Long epoch = EpochMillis.longOrNull(h.get(EPOCH_FIELD));
		Long after = EpochMillis.longOrNull(h.get(AFTER_FIELD));
		return epoch == null || after == null ? null : new BlankTail(epoch, after);
	}

	/**
	 * Whether a chunk of {@code chunkEpoch} that starts at {@code startMediaMs} of its epoch is in
	 * the blank tail: it starts after the last shown probe plus {@link #PROBE_MARGIN_MS} (or the
	 * epoch never showed anything).
	 */
	public boolean covers(long chunkEpoch, double startMediaMs) {
		return chunkEpoch == epoch && (afterMediaMs < 0 || startMediaMs > afterMediaMs + PROBE_MARGIN_MS);
	}

}
