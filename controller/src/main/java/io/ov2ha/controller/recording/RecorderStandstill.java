package io.ov2ha.controller.recording;

import io.ov2ha.controller.kernel.RecordingId;

/**
 * Published after a heartbeat is stored whose recorder captures but showed no growth of its media
 * time or frames since its last heartbeat (same epoch), while the recording records: the moment a
 * stall can first be proven. The failover reconciler judges the recording at once instead of at
 * its next sweep; the judgement itself ({@code HA_STALL_TIMEOUT}) is unchanged.
 *
 * @param id the recording
 * @param epoch the recorder's epoch
 */
public record RecorderStandstill(RecordingId id, long epoch) {
}
