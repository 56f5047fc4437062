package io.ov2ha.controller.kernel;

/**
 * A recording id that {@link RecordingId} refuses. Its message says what a valid id is and never
 * repeats the value (untrusted). The API answers it 400 {@code invalid-recording-id}
 * ({@code web.ProblemHandler}).
 */
public class InvalidRecordingIdException extends RuntimeException {

	public InvalidRecordingIdException(String detail) {
		super(detail, null, false, false);
	}

}
