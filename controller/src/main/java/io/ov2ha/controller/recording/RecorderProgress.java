package io.ov2ha.controller.recording;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;

import io.ov2ha.controller.support.EpochMillis;

/**
 * What the current recorder last said of its capture, from its heartbeats (fields
 * {@code hb*} of the recording hash, written by {@code heartbeat.lua}).
 *
 * @param epoch the epoch of the recorder that sent the last heartbeat, null before any
 * @param phase its phase, null when the recorder does not report one (an older recorder)
 * @param mediaTimeMs media time its ffmpeg has written, ms, null before the first frame
 * @param frames frames its ffmpeg has written, null before the first frame
 * @param speed ffmpeg's speed (1.0 = real time), null when unknown
 * @param advancedAt when a heartbeat of this epoch last showed the media time or frames
 *        advancing (the first capturing heartbeat counts), null before that
 * @param content what its screen and audio showed ({@link RecorderContent#NONE} when it reports nothing)
 * @param mediaAt when ffmpeg had written {@code mediaTimeMs}: the last heartbeat's arrival minus the
 *        age of the progress report it carried (its arrival when the recorder does not tell the
 *        age); null before any heartbeat that tells it
 */
public record RecorderProgress(Long epoch, Phase phase, Long mediaTimeMs, Long frames, Double speed,
		Instant advancedAt, RecorderContent content, Instant mediaAt) {

	/** Without content facts (a recorder that reports none). */
	public RecorderProgress(Long epoch, Phase phase, Long mediaTimeMs, Long frames, Double speed, Instant advancedAt) {
		this(epoch, phase, mediaTimeMs, frames, speed, advancedAt, RecorderContent.NONE);
	}

	/** Without the time of its media time. */
	public RecorderProgress(Long epoch, Phase phase, Long mediaTimeMs, Long frames, Double speed, Instant advancedAt,
			RecorderContent content) {
		this(epoch, phase, mediaTimeMs, frames, speed, advancedAt, content, null);
	}

	public RecorderProgress {
		content = content == null ? RecorderContent.NONE : content;
	}

	/** A recorder's phase, as its heartbeat names it ({@code starting}, {@code capturing}, {@code stopping}). */
	public enum Phase {

		/** From the container start until ffmpeg wrote its first frame. */
		STARTING,
		/** ffmpeg is writing chunks. */
		CAPTURING,
		/** Stop asked (or fenced, or ffmpeg ended): closing the last chunk, draining uploads. */
		STOPPING;

		/** The JSON form. */
		public String slug() {
			return name().toLowerCase(Locale.ROOT);
		}

		/** The phase named by {@code slug}, or null for null or an empty string. */
		public static Phase ofSlug(String slug) {
			return slug == null || slug.isEmpty() ? null : valueOf(slug.toUpperCase(Locale.ROOT));
		}

	}

	/** A recorder running slower than this (ffmpeg's speed) is reported as slow, never failed over for it alone. */
	public static final double SLOW_SPEED = 0.9;

	public static final RecorderProgress NONE = new RecorderProgress(null, null, null, null, null, null);

	public static RecorderProgress fromHash(Map<String, String> h) {
		return new RecorderProgress(EpochMillis.longOrNull(h.get("hbEpoch")), Phase.ofSlug(h.get("hbPhase")),
				EpochMillis.longOrNull(h.get("hbMediaTimeMs")), EpochMillis.longOrNull(h.get("hbFrames")),
				doubleOrNull(h.get("hbSpeed")), EpochMillis.instantOrNull(h.get("hbAdvancedAt")),
				RecorderContent.fromHash(h), EpochMillis.instantOrNull(h.get("hbMediaAtMs")));
	}

	/** Whether these facts come from the recorder of {@code currentEpoch}. */
	public boolean of(long currentEpoch) {
		return epoch != null && epoch == currentEpoch;
	}

	/**
	 * ffmpeg's speed is averaged over its whole run, so its start weighs on it for a while: it
	 * is judged only after this much media.
	 */
	public static final long SLOW_AFTER_MEDIA_MS = 30_000;

	/** Capturing, but slower than real time (reported, never a reason for a failover alone). */
	public boolean slow() {
		return phase == Phase.CAPTURING && speed != null && speed < SLOW_SPEED && mediaTimeMs != null
				&& mediaTimeMs >= SLOW_AFTER_MEDIA_MS;
	}

	private static Double doubleOrNull(String s) {
		if (s == null || s.isEmpty()) {
			return null;
		}
		try {
			double d = Double.parseDouble(s);
			return Double.isFinite(d) ? d : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

}
