package io.ov2ha.controller.finalize;

import java.time.Instant;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.FinalEventOwner;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * Published (Spring application event, in the finalizing thread) after every finalization
 * that ended: {@code READY} (verified and sealed) or {@code FAILED}. Published once per outcome,
 * by the controller that ran it, after the state is stored. Listen with
 * {@code @EventListener void on(RecordingFinalized event)}.
 *
 * @param id the recording
 * @param createdAt OpenVidu's createdAt of the recording
 * @param status {@code READY} or {@code FAILED}
 * @param reason why it failed (null when READY)
 * @param fileName {@code <VIDEO_NAME>.mp4}
 * @param sizeBytes size of the final MP4 (0 when FAILED)
 * @param durationSeconds duration of the final MP4 (0 when FAILED)
 * @param hasAudio whether it has an audio stream
 * @param hasVideo whether it has a video stream
 * @param resolution {@code WxH} (null without video)
 * @param frameRate frames per second as OpenVidu computes it (null without video)
 * @param url the url sealed into {@code .recording.<id>} (null if unknown)
 * @param epoch the recording's epoch when it finished (0: OpenVidu's own recorder wrote to the end)
 * @param recorderWaiting whether a recorder was still waiting on the finalize call when it ended,
 *        so that it got the result and exits with the files in place
 * @param droppedChunks chunks left out as gaps
 * @param finishedAt when it ended
 */
public record RecordingFinalized(RecordingId id, long createdAt, RecordingStatus status, String reason,
		String fileName, long sizeBytes, double durationSeconds, boolean hasAudio, boolean hasVideo, String resolution,
		Integer frameRate, String url, long epoch, boolean recorderWaiting, int droppedChunks, Instant finishedAt) {

	public boolean ready() {
		return status == RecordingStatus.READY;
	}

	/**
	 * Whether OpenVidu itself seals this recording {@code ready}: only when its own recorder
	 * (epoch 0) was still waiting for the result, so it exits inside OpenVidu's 30 s window with
	 * {@code <id>.info} in place. Otherwise (a failover, or a finalization that ended after the
	 * recorder gave up) OpenVidu has sealed it {@code failed} or never stopped it, the controller
	 * has resealed {@code .recording.<id>}, and the customer must be told {@code ready} by the
	 * controller.
	 */
	public boolean openViduSealsItself() {
		return ready() && !FinalEventOwner.controllerAnnouncesFinalized(epoch, recorderWaiting);
	}

}
