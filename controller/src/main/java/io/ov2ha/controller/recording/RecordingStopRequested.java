package io.ov2ha.controller.recording;

import io.ov2ha.controller.kernel.RecordingId;

/**
 * Published when a recording has moved to STOPPING, after the state change is stored. The
 * failover reconciler acts on it (a backup recorder is stopped, then the recording finalized).
 *
 * @param id the recording
 * @param reason OpenVidu's stop reason, or {@code stoppedByAdmin}
 * @param source who asked: {@code openvidu} or {@code admin}
 */
public record RecordingStopRequested(RecordingId id, String reason, String source) {
}
