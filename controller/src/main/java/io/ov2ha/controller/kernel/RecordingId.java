package io.ov2ha.controller.kernel;

import java.util.regex.Pattern;

/**
 * OpenVidu's recording id ({@code VIDEO_ID}: {@code ses_X}, {@code ses_X~1}, ...). The one
 * validator of recording ids: only {@code [A-Za-z0-9_~-]}, 1..128 characters. A value of this
 * type is safe in a Redis key, a file name, a container name, an object key and a log line. An
 * invalid one is an {@link InvalidRecordingIdException} (the API answers it 400
 * {@code invalid-recording-id}).
 */
public record RecordingId(String value) {

	public static final int MAX_LENGTH = 128;

	/**
	 * The ids of the ops script's self-test recordings ({@code test-recording}): a session
	 * OpenVidu never had, whose events never reach the customer.
	 */
	public static final String SELF_TEST_PREFIX = "ov2ha-selftest-";

	private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_~-]{1," + MAX_LENGTH + "}");

	public RecordingId {
		if (!isValid(value)) {
			throw new InvalidRecordingIdException(
					"A recording id has 1 to " + MAX_LENGTH + " characters from [A-Za-z0-9_~-].");
		}
	}

	public static RecordingId of(String value) {
		return new RecordingId(value);
	}

	public static boolean isValid(String value) {
		return value != null && VALID.matcher(value).matches();
	}

	/** The name OpenVidu gives its own recorder container: {@code recording_<id with ~ as _>}. */
	public String openViduContainerName() {
		return "recording_" + value.replace('~', '_');
	}

	@Override
	public String toString() {
		return value;
	}

}
