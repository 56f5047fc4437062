package io.ov2ha.controller.lifecycle;

import java.util.Optional;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.failover.FinalizationTrigger;
import io.ov2ha.controller.finalize.Finalization;
import io.ov2ha.controller.finalize.FinalizationRequest;
import io.ov2ha.controller.finalize.FinalizationService;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;

/** A stopped backup's recording goes to the finalizer (which joins once, whoever asks). */
@Component
class FailoverFinalization implements FinalizationTrigger {

	private final FinalizationService finalizer;

	FailoverFinalization(FinalizationService finalizer) {
		this.finalizer = finalizer;
	}

	@Override
	public Optional<RecordingStatus> finalizeAfterFailover(RecordingId id) {
		Finalization f = finalizer.finalize(id, FinalizationRequest.failover(), FinalizationService.MAX_WAIT);
		if (f.state() == Finalization.State.DONE) {
			return Optional.of(RecordingStatus.READY);
		}
		if (f.state() == Finalization.State.FAILED) {
			return Optional.of(RecordingStatus.FAILED);
		}
		return Optional.empty();
	}

}
