package io.ov2ha.controller.failover;

import java.util.Optional;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * Joins a recording's chunks into OpenVidu's final files when its last recorder was a backup
 * (OpenVidu's own stop only reaches the primary, which is gone). Called by the
 * {@link StopCoordinator} after the backup has been stopped. Implemented in the lifecycle package
 * (FailoverFinalization), which starts the finalizer.
 */
public interface FinalizationTrigger {

	/**
	 * Finalizes the recording, idempotently (the backup itself may already have asked for its
	 * finalization after {@code q}); may block for a bounded time.
	 *
	 * @return the final status reached (READY or FAILED), or empty when the recording is not
	 *         final yet (finalization continues elsewhere, or is not available)
	 */
	Optional<RecordingStatus> finalizeAfterFailover(RecordingId id);

}
