package io.ov2ha.controller.lifecycle;

import java.util.List;
import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.failover.FinalStatusNotifier;
import io.ov2ha.controller.finalize.Finalization;
import io.ov2ha.controller.finalize.FinalizationService;
import io.ov2ha.controller.finalize.RecordingFinalized;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.FinalEventOwner;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.webhook.ControllerEvents;
import io.ov2ha.controller.webhook.OpenViduRecordingStatus;
import io.ov2ha.controller.webhook.RecordingMedia;

/**
 * Tells the customer a recording's final status when OpenVidu cannot: the one place that emits
 * the controller's own {@code recordingStatusChanged} {@code ready}/{@code failed}. Idempotent
 * (ControllerEvents de-duplicates per recording and status across controllers), so it may be
 * reached from every path that ends a recording: a finalization (on whichever controller ran
 * it), a stopped backup, a recording whose failovers ran out.
 */
@Component
class FinalStatusAnnouncer implements FinalStatusNotifier {

	private static final Log LOG = LogFactory.getLog(FinalStatusAnnouncer.class);

	private final RecordingStore recordings;

	private final FinalizationService finalizations;

	private final ControllerEvents events;

	FinalStatusAnnouncer(RecordingStore recordings, FinalizationService finalizations, ControllerEvents events) {
		this.recordings = recordings;
		this.finalizations = finalizations;
		this.events = events;
	}

	@EventListener
	void onFinalized(RecordingFinalized finalized) {
		if (!finalized.openViduSealsItself()) {
			announce(finalized.id(), finalized.ready() ? new RecordingMedia(finalized.sizeBytes(),
					finalized.durationSeconds(), finalized.resolution(), finalized.frameRate(), finalized.hasAudio(),
					finalized.hasVideo()) : null);
		}
	}

	@Override
	public void finalStatusReached(RecordingId id, RecordingStatus status, String stopReason) {
		announce(id, null);
	}

	/**
	 * Emits the recording's final status if it is final and the controller owns its announcement.
	 *
	 * @param known the final file when the caller has it; otherwise read from the finalization
	 */
	void announce(RecordingId id, RecordingMedia known) {
		Optional<Recording> found = recordings.find(id);
		if (found.isEmpty() || !found.get().isFinal() || found.get().status() == RecordingStatus.ABANDONED) {
			return;
		}
		Recording r = found.get();
		List<String> flags = recordings.fields(id, FinalEventOwner.FIELD);
		if (!FinalEventOwner.controllerAnnounces(r.failoverCount(), flags.get(0), r.status())) {
			return;
		}
		RecordingMedia media = known;
		OpenViduRecordingStatus status = r.status() == RecordingStatus.READY ? OpenViduRecordingStatus.READY
				: OpenViduRecordingStatus.FAILED;
		if (status == OpenViduRecordingStatus.READY && media == null) {
			Optional<Finalization.Output> output = finalizations.find(id).map(Finalization::output);
			if (output.isEmpty()) {
				LOG.warn("event=lifecycle.announce_skipped recordingId=" + id + " reason=no_verified_output");
				return;
			}
			Finalization.Output out = output.get();
			media = new RecordingMedia(out.sizeBytes(), out.durationSeconds(), out.resolution(), out.frameRate(),
					out.hasAudio(), out.hasVideo());
		}
		if (status == OpenViduRecordingStatus.FAILED) {
			media = null;
		}
		ControllerEvents.Emitted emitted = events.emitRecordingStatusChanged(r, status, media);
		if (emitted.stored()) {
			LOG.info("event=lifecycle.final_announced recordingId=" + id + " status=" + status.wire() + " eventId="
					+ emitted.eventId());
		}
		else {
			// another path (the finalization's worker and the stop's thread both get here) or controller
			// announced it first: the customer gets it once
			LOG.debug("event=lifecycle.final_announced_already recordingId=" + id + " status=" + status.wire()
					+ " eventId=" + emitted.eventId());
		}
	}

}
