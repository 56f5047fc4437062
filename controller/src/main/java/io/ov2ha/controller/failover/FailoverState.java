package io.ov2ha.controller.failover;

import java.time.Instant;
import java.util.Map;

import io.ov2ha.controller.support.EpochMillis;

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
 * @param endedBy why the recording was ended instead of getting (or keeping) a backup: a
 *        {@link FailoverReason} slug such as {@code openvidu-session-gone}; empty: not so ended
 * @param endDetail what was observed (OpenVidu's answer)
 * @param endedAt when that was decided
 * @param standbyEpoch the epoch whose recorder is a warm standby handed the recording (it gets
 *        {@link DetectionRules#STANDBY_TAKEOVER_TIMEOUT} to capture, not the start deadline)
 */
public record FailoverState(Long createdAt, Instant lastClaimAt, Long pendingEpoch, int attempts, String attemptBy,
		Instant nextAttemptAt, String lastError, Instant epochSince, Long awaitFirstChunkEpoch, Long firstChunkSeq,
		Long progressSeq, Instant progressAt, Long stopHandledEpoch, String endedBy, String endDetail,
		Instant endedAt, Long standbyEpoch) {

	public static final FailoverState NONE = new FailoverState(null, null, null, 0, "", null, "", null, null, null, null,
			null, null, "", "", null, null);

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
				instant(h.get("progressAt")), number(h.get("stopHandledEpoch")), orEmpty(h.get("endedBy")),
				orEmpty(h.get("endDetail")), instant(h.get("endedAt")), number(h.get("standbyEpoch")));
	}

	/** Whether the recorder of this epoch is a warm standby handed the recording. */
	boolean standby(long epoch) {
		return standbyEpoch != null && standbyEpoch == epoch;
	}

	public boolean pending(long epoch) {
		return pendingEpoch != null && pendingEpoch == epoch;
	}

	private static String orEmpty(String s) {
		return s == null ? "" : s;
	}

	public static Long number(String s) {
		return EpochMillis.longOrNull(s);
	}

	static Instant instant(String s) {
		return EpochMillis.instantOrNull(s);
	}

}
