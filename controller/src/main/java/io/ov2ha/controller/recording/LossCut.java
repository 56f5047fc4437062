package io.ov2ha.controller.recording;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import io.ov2ha.controller.support.EpochMillis;

/**
 * Where the final of a recording ended for a loss (its session gone, OpenVidu unreachable, a
 * backup that never found the session) ends: at the media time its current recorder had written
 * when the controller learned of the loss. What that recorder recorded afterwards (until it was
 * stopped) is not joined: its chunks that start later are dropped, and the chunk that holds the
 * cut is cut inside. Written with the end ({@code lossCutEpoch}, {@code lossCutAtMs},
 * {@code lossCutMediaMs} in the recording hash).
 *
 * <p>
 * The media time comes from the recorder's last heartbeat of that epoch (ffmpeg's written media
 * time, and when it had written it: the heartbeat's arrival minus the age of the progress report
 * it carried), moved on by the wall-clock time since. ffmpeg writes a frame after it captured it,
 * and a heartbeat arrives after it was sent, so the cut falls at or a little before the instant
 * of the loss (by the encoder's delay and the heartbeat's transit), not after it.
 *
 * @param epoch the epoch whose media is cut
 * @param atMs when the controller learned of the loss, epoch ms
 * @param mediaMs the epoch's media time at that instant, ms (counted from the epoch's first chunk)
 */
public record LossCut(long epoch, long atMs, long mediaMs) {

	/** The hash fields that hold it. */
	public static final String EPOCH_FIELD = "lossCutEpoch";

	public static final String AT_FIELD = "lossCutAtMs";

	public static final String MEDIA_FIELD = "lossCutMediaMs";

	/**
	 * A {@code starting} heartbeat at most this old at the loss says the recorder had written
	 * nothing; a progress report older than this at its heartbeat does not date the media time, ms.
	 */
	static final long FRESH_MS = 10_000;

	/**
	 * The cut of {@code r}'s current recorder at {@code lostAt}: from its last heartbeat when that
	 * is of its epoch and tells how much media it had written; at the epoch's start when that
	 * heartbeat, at most {@link #FRESH_MS} before the loss, says it had written nothing yet
	 * ({@code starting}): all it records is after the loss. None when that cannot be known (no
	 * heartbeat of the epoch, a recorder that reports no progress).
	 */
	public static Optional<LossCut> of(Recording r, Instant lostAt) {
		RecorderProgress p = r.progress();
		if (lostAt == null || !p.of(r.epoch()) || r.lastHeartbeatAt() == null) {
			return Optional.empty();
		}
		if (p.mediaTimeMs() == null) {
			long sinceHeartbeat = lostAt.toEpochMilli() - r.lastHeartbeatAt().toEpochMilli();
			return p.phase() == RecorderProgress.Phase.STARTING && sinceHeartbeat <= FRESH_MS
					? Optional.of(new LossCut(r.epoch(), lostAt.toEpochMilli(), 0)) : Optional.empty();
		}
		// dated by its report when that is sane (at most FRESH_MS before the heartbeat), else by the heartbeat
		Instant mediaAt = p.mediaAt() != null && !p.mediaAt().isAfter(r.lastHeartbeatAt())
				&& !p.mediaAt().isBefore(r.lastHeartbeatAt().minusMillis(FRESH_MS)) ? p.mediaAt() : r.lastHeartbeatAt();
		long media = p.mediaTimeMs() + (lostAt.toEpochMilli() - mediaAt.toEpochMilli());
		return Optional.of(new LossCut(r.epoch(), lostAt.toEpochMilli(), Math.max(0, media)));
	}

	/** The fields to write with the end. */
	public Map<String, String> fields() {
		return Map.of(EPOCH_FIELD, Long.toString(epoch), AT_FIELD, Long.toString(atMs), MEDIA_FIELD,
				Long.toString(mediaMs));
	}

	/** Read back; null when absent or not whole (nothing is cut on a doubt). */
	static LossCut fromHash(Map<String, String> h) {
		Long epoch = EpochMillis.longOrNull(h.get(EPOCH_FIELD));
		Long at = EpochMillis.longOrNull(h.get(AT_FIELD));
		Long media = EpochMillis.longOrNull(h.get(MEDIA_FIELD));
		return epoch == null || at == null || media == null || media < 0 ? null : new LossCut(epoch, at, media);
	}

}
