package io.ov2ha.controller.webhook;

/**
 * What the final file is, as OpenVidu reports it in a {@code ready} event (taken from ffprobe of
 * the final MP4, like OpenVidu's own {@code .info} parsing).
 *
 * @param size bytes
 * @param duration seconds
 * @param resolution {@code <width>x<height>}, null when there is no video stream
 * @param frameRate frames per second (OpenVidu: {@code r_frame_rate} with integer division), null without video
 * @param hasAudio an audio stream exists
 * @param hasVideo a video stream exists
 */
public record RecordingMedia(long size, double duration, String resolution, Integer frameRate, boolean hasAudio,
		boolean hasVideo) {
}
