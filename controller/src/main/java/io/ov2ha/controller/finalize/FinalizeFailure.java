package io.ov2ha.controller.finalize;

/**
 * An attempt failed. {@code retryable}: chunk storage could not be reached, so a later attempt
 * may succeed on its own; otherwise the recording fails (an admin can retry).
 */
final class FinalizeFailure extends RuntimeException {

	private final boolean retryable;

	FinalizeFailure(String reason, boolean retryable) {
		super(reason, null, false, false);
		this.retryable = retryable;
	}

	static FinalizeFailure permanent(String reason) {
		return new FinalizeFailure(reason, false);
	}

	static FinalizeFailure retryable(String reason) {
		return new FinalizeFailure(reason, true);
	}

	boolean retryable() {
		return retryable;
	}

	/** The attempt stopped without a result (shutdown, lease lost): its state stays for recovery. */
	static final class Aborted extends RuntimeException {

		Aborted(String reason) {
			super(reason, null, false, false);
		}

	}

}
