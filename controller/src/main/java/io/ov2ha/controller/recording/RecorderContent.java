package io.ov2ha.controller.recording;

import java.util.Locale;
import java.util.Map;

import io.ov2ha.controller.support.EpochMillis;

/**
 * What the current recorder's screen and audio showed, from its heartbeats (fields
 * {@code hbContent}, {@code hbBlankMs}, {@code hbShownMediaMs} of the recording hash, written by
 * {@code heartbeat.lua}). The recorder probes every 4 s: a uniform frame with silence is
 * <b>blank</b> (an OpenVidu layout page without its session is black and silent), anything else
 * is <b>shown</b> (docs/recorder-protocol.md).
 *
 * @param state the last probe's verdict ({@link State#PENDING}: the recorder probes, no probe
 *        concluded yet), null when the recorder reports none (older recorders, test sources, a
 *        stale probe)
 * @param blankMs how long the screen had been blank at the heartbeat, ms (0 when shown)
 * @param shownMediaMs the recorder's media time at its last shown probe, ms; null when none of its
 *        probes ever showed anything
 */
public record RecorderContent(State state, Long blankMs, Long shownMediaMs) {

	/** A probe's verdict, as the heartbeat names it ({@code shown}, {@code blank}, {@code pending}). */
	public enum State {

		/** Something is on the screen, or audible. */
		SHOWN,
		/** A uniform frame and silence. */
		BLANK,
		/** The recorder probes its screen but no probe has concluded yet (its first seconds). */
		PENDING;

		/** The JSON form. */
		public String slug() {
			return name().toLowerCase(Locale.ROOT);
		}

		/**
		 * The state named by {@code slug}; null for null, an empty string or anything else (a request
		 * is validated before; what Redis holds may be anything).
		 */
		public static State ofSlug(String slug) {
			for (State s : values()) {
				if (s.slug().equals(slug)) {
					return s;
				}
			}
			return null;
		}

	}

	public static final RecorderContent NONE = new RecorderContent(null, null, null);

	static RecorderContent fromHash(Map<String, String> h) {
		String state = h.get("hbContent");
		return new RecorderContent(State.ofSlug(state),
				EpochMillis.longOrNull(h.get("hbBlankMs")), EpochMillis.longOrNull(h.get("hbShownMediaMs")));
	}

	/** Blank now, and none of the recorder's probes ever showed anything. */
	public boolean neverShown() {
		return state == State.BLANK && shownMediaMs == null;
	}

	/** Blank now, for at least {@code ms} at the heartbeat. */
	public boolean blankFor(long ms) {
		return state == State.BLANK && blankMs != null && blankMs >= ms;
	}

}
