package io.ov2ha.controller.finalize;

/**
 * A request to finalize.
 *
 * @param source who asks
 * @param epoch the caller's epoch (required from recorders; a stale one is refused with 409)
 * @param force admin only: retry a FAILED or ABANDONED recording (with {@code HA_FINALIZE_ATTEMPTS}
 *        attempts of its own), or run a waiting retry now (its count goes on)
 */
public record FinalizationRequest(Source source, Long epoch, boolean force) {

	public static FinalizationRequest recorder(long epoch) {
		return new FinalizationRequest(Source.RECORDER, epoch, false);
	}

	public static FinalizationRequest admin(boolean force) {
		return new FinalizationRequest(Source.ADMIN, null, force);
	}

	public static FinalizationRequest failover() {
		return new FinalizationRequest(Source.FAILOVER, null, false);
	}

	/** Who asks for a finalization. */
	public enum Source {

		/** The recorder of the current epoch, after it stopped (it waits for the result). */
		RECORDER,
		/** An operator; with {@code force} also a retry of a FAILED (or ABANDONED) recording. */
		ADMIN,
		/** The failover state machine, e.g. after the last backup stopped. */
		FAILOVER,
		/** The reconciler's sweep, resuming an unfinished finalization ({@link FinalizationService#resumeIfDue}). */
		RECOVERY;

		String label() {
			return name().toLowerCase();
		}

	}

}
