package io.ov2ha.controller.docker;

/** A runtime call that failed, with what kind of failure it was. The message holds no secret. */
public class RecorderRuntimeException extends RuntimeException {

	private final Kind kind;

	public RecorderRuntimeException(Kind kind, String message, Throwable cause) {
		super(message, cause);
		this.kind = kind;
	}

	public Kind kind() {
		return kind;
	}

	public enum Kind {

		/** The runtime does not answer (daemon down, socket missing, TLS failure). */
		UNAVAILABLE,
		/** The recorder image is not on the host (it is never pulled). */
		IMAGE_MISSING,
		/** The runtime refused the request (name in use, bad parameters). */
		REFUSED,
		/** Anything else. */
		FAILED

	}

}
