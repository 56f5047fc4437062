package io.ov2ha.controller.recording;

import io.ov2ha.controller.kernel.RecordingId;

/**
 * The one rule for {@code VIDEO_NAME}, the name of the final {@code <VIDEO_NAME>.mp4} in the
 * recording folder: a plain file name (no {@code /} or {@code \}, not {@code .} or {@code ..},
 * no control character, at most 200 characters), not OpenVidu's {@code .recording.} and not the
 * controller's own {@link #RESERVED_PREFIX} (its temporary files, which the finalization deletes).
 * Checked at registration (400) and again before a finalization writes the file.
 */
public final class VideoName {

	/** Prefix of the controller's files in a recording folder; never a recording's name. */
	public static final String RESERVED_PREFIX = ".ov2ha-";

	public static final int MAX_LENGTH = 200;

	private VideoName() {
	}

	/**
	 * The name the final gets: {@code VIDEO_NAME}, else the recording's name, else its id
	 * (empty values count as absent).
	 */
	public static String effective(String videoName, String recordingName, RecordingId id) {
		if (videoName != null && !videoName.isEmpty()) {
			return videoName;
		}
		return recordingName != null && !recordingName.isEmpty() ? recordingName : id.value();
	}

	/** Why a name is not usable for the final file, or null if it is. */
	public static String problem(String name) {
		if (name == null || name.isEmpty()) {
			return "is empty";
		}
		if (name.length() > MAX_LENGTH) {
			return "is longer than " + MAX_LENGTH + " characters";
		}
		if (name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")
				|| name.chars().anyMatch(Character::isISOControl)) {
			return "is not a plain file name";
		}
		if (name.startsWith(".recording.") || name.startsWith(RESERVED_PREFIX)) {
			return "starts with a reserved prefix (.recording. or " + RESERVED_PREFIX + ")";
		}
		return null;
	}

}
