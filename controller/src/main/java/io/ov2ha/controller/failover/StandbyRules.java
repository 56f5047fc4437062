package io.ov2ha.controller.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * What the warm standby pool ({@link StandbyPool}) does with what it sees, as pure functions:
 * which container is what, when to start one more, how long to back off after failures, which
 * exit is a failure, and what becomes of a standby that was handed a recording.
 */
final class StandbyRules {

	/** A standby that exits sooner than this after its start failed; the pool backs off. */
	static final Duration EARLY_EXIT = Duration.ofSeconds(60);

	/** The first back-off after a failure; it doubles with each failure in a row. */
	static final Duration FIRST_BACKOFF = Duration.ofSeconds(10);

	static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

	private StandbyRules() {
	}

	/** What a container of the pool's image and labels is, in the pool's eyes. */
	enum Role {
		/** renamed to a backup's name: handed a recording ({@link #afterHandOver}) */
		HANDED_OVER,
		/** a free standby that no longer runs: removed */
		EXITED,
		/** a free standby of another resolution than HA_STANDBY_RESOLUTION: retired */
		OTHER_RESOLUTION,
		/** being handed a recording or retired (its claim is held): neither ready nor starting */
		CLAIMED,
		/** one more than HA_STANDBY_RECORDERS: retired */
		EXTRA,
		/** a free standby the pool keeps: ready or starting */
		FREE
	}

	/**
	 * @param standbyName whether it still has a standby's name ({@code ov2ha-standby-*})
	 * @param running whether it runs
	 * @param sameResolution whether its resolution label is HA_STANDBY_RESOLUTION
	 * @param claimHeld whether its claim is held (asked only when the answer matters)
	 * @param keptSoFar the free and claimed standbys counted before it in this pass
	 * @param wanted HA_STANDBY_RECORDERS (0 when off)
	 */
	static Role role(boolean standbyName, boolean running, boolean sameResolution, BooleanSupplier claimHeld,
			int keptSoFar, int wanted) {
		if (!standbyName) {
			return Role.HANDED_OVER;
		}
		if (!running) {
			return Role.EXITED;
		}
		if (!sameResolution) {
			return Role.OTHER_RESOLUTION;
		}
		if (claimHeld.getAsBoolean()) {
			return Role.CLAIMED;
		}
		return keptSoFar >= wanted ? Role.EXTRA : Role.FREE;
	}

	/**
	 * Whether the pool starts one more standby now: fewer than wanted, not backing off, no
	 * hand-over in the last {@link StandbyPool#REFILL_DELAY} (the standby taking over needs the
	 * CPU a browser's start takes), the host not saturated.
	 */
	static boolean startOne(int free, int claimed, int wanted, Instant now, Instant backoffUntil, boolean refillPaused,
			boolean saturated) {
		return free + claimed < wanted && !now.isBefore(backoffUntil) && !refillPaused && !saturated;
	}

	/** The pause after the {@code failures}-th failure in a row: 10 s, doubling, at most 5 min. */
	static Duration backoff(int failures) {
		Duration backoff = FIRST_BACKOFF.multipliedBy(1L << Math.min(Math.max(failures, 1) - 1, 5));
		return backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff;
	}

	/**
	 * Whether a free standby's exit counts as a failure of the image: it ended within
	 * {@link #EARLY_EXIT} of its start (or its times are unknown), not with 0, and the pool did not
	 * kill it itself.
	 */
	static boolean failedExit(Instant startedAt, Instant finishedAt, Long exitCode, boolean retiredByPool) {
		boolean early = startedAt == null || finishedAt == null
				|| Duration.between(startedAt, finishedAt).compareTo(EARLY_EXIT) < 0;
		return early && (exitCode == null || exitCode != 0) && !retiredByPool;
	}

	/** Whether a standby ready since {@code startedAt} shows the image works again (resets the back-off). */
	static boolean provenReady(Instant startedAt, Instant now) {
		return startedAt != null && startedAt.plus(EARLY_EXIT).isBefore(now);
	}

	/** What becomes of a standby handed a recording. */
	enum Fate {
		/** it records its recording (or has just sealed it) */
		KEEP,
		/** running, but its recording no longer uses it */
		KILL,
		/** gone: its container is removed */
		REMOVE
	}

	/**
	 * Once its hand-over is over (its claim released).
	 *
	 * @param current it is its recording's recorder
	 * @param recordingFinal its recording is sealed (or failed)
	 * @param running it runs
	 * @param recordingUpdatedAt when its recording last changed (null: unknown)
	 * @param stopTimeout HA_STOP_TIMEOUT: how long a recorder of a just-sealed recording gets to exit
	 */
	static Fate afterHandOver(boolean current, boolean recordingFinal, boolean running,
			Instant recordingUpdatedAt, Duration stopTimeout, Instant now) {
		if (current && !recordingFinal) {
			return Fate.KEEP;
		}
		if (current && running && recordingUpdatedAt != null && now.isBefore(recordingUpdatedAt.plus(stopTimeout))) {
			// its recording was just sealed: the recorder exits once its finalize call returned
			return Fate.KEEP;
		}
		return running ? Fate.KILL : Fate.REMOVE;
	}

}
