package io.ov2ha.controller.finalize;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.finalize.FinalizationRequest.Source;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ProblemType;

/**
 * A request to finalize, checked: who may finalize a recording in which status and epoch, and
 * the move to FINALIZING (a recorder's at its own epoch only, in one atomic step). An admin's
 * {@code force} retries a FAILED or ABANDONED recording; a verified final is never rebuilt.
 */
@Component
class FinalizationAdmission {

	private static final Log LOG = LogFactory.getLog(FinalizationAdmission.class);

	private final RecordingStore recordings;

	private final FinalizationStore store;

	private final Clock clock;

	FinalizationAdmission(RecordingStore recordings, FinalizationStore store, Clock clock) {
		this.recordings = recordings;
		this.store = store;
		this.clock = clock;
	}

	/**
	 * Checks a request against the recording's status and epoch and moves the recording to
	 * FINALIZING when it may be finalized now; answers the recording as it is afterwards.
	 *
	 * @throws ApiException recording-not-found, stale-epoch, recording-final (FAILED/ABANDONED
	 *         without force; READY with force), recording-active (an admin on a RECORDING recording)
	 */
	Recording begin(RecordingId id, FinalizationRequest trigger) {
		Recording recording = recordings.require(id);
		if (trigger.epoch() != null && trigger.epoch() != recording.epoch()) {
			throw staleEpoch(id, trigger.epoch(), recording.epoch());
		}
		String reason = "finalization requested by " + trigger.source().label()
				+ (trigger.epoch() != null ? " (epoch " + trigger.epoch() + ")" : "");
		switch (recording.status()) {
			case READY -> {
				if (trigger.force()) {
					throw final_(id, recording.status(), " A verified final is never rebuilt.");
				}
				return recording;
			}
			case FAILED, ABANDONED -> {
				if (!trigger.force() || trigger.source() != Source.ADMIN) {
					if (trigger.source() == Source.RECORDER || trigger.source() == Source.ADMIN) {
						throw final_(id, recording.status(),
								trigger.source() == Source.ADMIN ? " Retry with force=true." : "");
					}
					return recording;
				}
				store.request(id, recording.createdAt(), trigger.source().label(), clock.instant());
				store.rearm(id, recording.createdAt(), trigger.source().label(), true);
				recordings.transition(id, RecordingStatus.FINALIZING,
						List.of(RecordingStatus.FAILED, RecordingStatus.ABANDONED),
						Map.of("statusReason", "finalization retried by an admin"));
				LOG.info("event=finalize.retry_requested recordingId=" + id + " previousStatus=" + recording.status());
			}
			case RECORDING, STOPPING -> {
				if (recording.status() == RecordingStatus.RECORDING && trigger.source() == Source.ADMIN) {
					throw new ApiException(ProblemType.RECORDING_ACTIVE,
							"Recording " + id + " is RECORDING; stop it first (POST /api/recordings/" + id + "/stop).",
							Map.of("recordingStatus", recording.status().name()));
				}
				store.request(id, recording.createdAt(), trigger.source().label(), clock.instant());
				// a recorder's finalize moves the recording only while its epoch is current, in the
				// same atomic step: a failover may claim the next epoch after the check above
				List<RecordingStatus> active = List.of(RecordingStatus.RECORDING, RecordingStatus.STOPPING);
				Map<String, String> fields = Map.of("statusReason", reason);
				var moved = trigger.epoch() == null ? recordings.transition(id, RecordingStatus.FINALIZING, active, fields)
						: recordings.transitionAtEpoch(id, RecordingStatus.FINALIZING, active, trigger.epoch(), fields);
				if (moved.code() == RecordingStore.TransitionCode.STALE_EPOCH) {
					throw staleEpoch(id, trigger.epoch(), moved.longValue(0));
				}
			}
			case FINALIZING -> {
				store.request(id, recording.createdAt(), trigger.source().label(), clock.instant());
				if (trigger.force() && trigger.source() == Source.ADMIN) {
					store.rearm(id, recording.createdAt(), trigger.source().label(), false);
				}
			}
		}
		LOG.info("event=finalize.requested recordingId=" + id + " source=" + trigger.source().label()
				+ (trigger.epoch() != null ? " epoch=" + trigger.epoch() : "") + " force=" + trigger.force());
		Recording now = recordings.require(id);
		if (now.createdAt() != recording.createdAt()) {
			throw new ApiException(ProblemType.RECORDING_NOT_FOUND, "Recording " + id + " was replaced meanwhile.");
		}
		return now;
	}

	private static ApiException staleEpoch(RecordingId id, long epoch, long current) {
		return new ApiException(ProblemType.STALE_EPOCH, "Epoch " + epoch + " of recording " + id
				+ " is not the current epoch " + current + "; this recorder has been replaced and must stop.",
				Map.of("currentEpoch", current));
	}

	private static ApiException final_(RecordingId id, RecordingStatus status, String hint) {
		return new ApiException(ProblemType.RECORDING_FINAL, "Recording " + id + " is already " + status + "." + hint,
				Map.of("recordingStatus", status.name()));
	}

}
