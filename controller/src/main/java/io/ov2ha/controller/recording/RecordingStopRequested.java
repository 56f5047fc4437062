package io.ov2ha.controller.recording;

/**
 * Published when a recording has moved to STOPPING. Listeners (stopping a backup recorder,
 * finalization) act on it; it is published after the state change is stored.
 *
 * @param id the recording
 * @param reason OpenVidu's stop reason, or {@code stoppedByAdmin}
 * @param source who asked: {@code openvidu} or {@code admin}
 */
public record RecordingStopRequested(RecordingId id, String reason, String source) {
}
