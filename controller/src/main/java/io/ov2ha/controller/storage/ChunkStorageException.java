package io.ov2ha.controller.storage;

/**
 * A chunk storage operation failed. The message never contains a credential.
 */
public class ChunkStorageException extends RuntimeException {

	/** What went wrong, as far as a caller needs to know. */
	public enum Kind {

		/** The object (or bucket) does not exist. */
		NOT_FOUND,
		/** The storage could not be reached or answered with a server error: a later retry may work. */
		UNAVAILABLE,
		/** Anything else (refused, misconfigured, local I/O): retrying the same call will not help. */
		FAILED

	}

	private final Kind kind;

	public ChunkStorageException(Kind kind, String message, Throwable cause) {
		super(message, cause);
		this.kind = kind;
	}

	public Kind kind() {
		return kind;
	}

	public boolean unavailable() {
		return kind == Kind.UNAVAILABLE;
	}

}
