package io.ov2ha.controller.failover;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * Emits the final {@code recordingStatusChanged} event ({@code ready} or {@code failed}) that
 * OpenVidu cannot send when a backup finished the recording, marked as coming from the
 * controller. Implemented in the lifecycle package (FinalStatusAnnouncer), which queues it for the
 * webhook relay.
 */
public interface FinalStatusNotifier {

	/**
	 * @param id the recording
	 * @param status READY or FAILED
	 * @param stopReason OpenVidu's stop reason (or {@code stoppedByAdmin}), for the event's {@code reason}
	 */
	void finalStatusReached(RecordingId id, RecordingStatus status, String stopReason);

}
