package io.ov2ha.controller.failover;

import java.time.Instant;
import java.util.Map;

/**
 * The failover state of one recording (hash {@code ov2ha:rec:{id}:failover}, schema 1).
 *
 * @param createdAt the recording (with its id) this state belongs to; null when there is none
 * @param lastClaimAt when the last failover was claimed (backoff base)
 * @param pendingEpoch a claimed epoch whose backup has not been recorded as started yet
 * @param attempts start attempts for the pending epoch
 * @param attemptBy the controller making the current attempt
 * @param nextAttemptAt when the next start attempt may happen (also the current attempt's lease)
 * @param lastError why the last start attempt failed
 * @param epochSince when the current epoch's recorder started (or was claimed)
 * @param awaitFirstChunkEpoch the epoch whose first chunk is awaited, for the history
 * @param firstChunkSeq the first chunk that backup writes (its HA_START_CHUNK)
 * @param progressSeq highest complete chunk seen (manifest or heartbeat)
 * @param progressAt when {@code progressSeq} last grew
 * @param stopHandledEpoch the epoch whose backup the stop coordinator has stopped
 */
record FailoverState(Long createdAt, Instant lastClaimAt, Long pendingEpoch, int attempts, String attemptBy,
		Instant nextAttemptAt, String lastError, Instant epochSince, Long awaitFirstChunkEpoch, Long firstChunkSeq,
		Long progressSeq, Instant progressAt, Long stopHandledEpoch) {

	static final FailoverState NONE = new FailoverState(null, null, null, 0, "", null, "", null, null, null, null,
			null, null);

	static FailoverState fromHash(Map<String, String> h, long recordingCreatedAt) {
		Long createdAt = number(h.get("createdAt"));
		if (createdAt == null || createdAt != recordingCreatedAt) {
			// none yet, or left by an earlier recording with the same id
			return NONE;
		}
		Long attempts = number(h.get("attempts"));
		return new FailoverState(createdAt, instant(h.get("lastClaimAt")), number(h.get("pendingEpoch")),
				attempts == null ? 0 : attempts.intValue(), orEmpty(h.get("attemptBy")),
				instant(h.get("nextAttemptAt")), orEmpty(h.get("lastError")), instant(h.get("epochSince")),
				number(h.get("awaitFirstChunkEpoch")), number(h.get("firstChunkSeq")), number(h.get("progressSeq")),
				instant(h.get("progressAt")), number(h.get("stopHandledEpoch")));
	}

	boolean pending(long epoch) {
		return pendingEpoch != null && pendingEpoch == epoch;
	}

	private static String orEmpty(String s) {
		return s == null ? "" : s;
	}

	static Long number(String s) {
		if (s == null || s.isEmpty()) {
			return null;
		}
		try {
			return Long.valueOf(s);
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	static Instant instant(String s) {
		Long ms = number(s);
		return ms == null ? null : Instant.ofEpochMilli(ms);
	}

}
