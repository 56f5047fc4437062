package io.ov2ha.controller.failover;

import java.time.Duration;
import java.time.Instant;

import io.ov2ha.controller.openvidu.OpenViduAnswer;

/**
 * Whether OpenVidu's answer lets a recording go on with a backup, as a pure function of the
 * answer, the recorder's death and the time. OpenVidu is the authority on whether a session and
 * its recording exist:
 *
 * <ul>
 * <li>Not configured (no {@code HA_OPENVIDU_SECRET}): go on, as before the checks existed.</li>
 * <li>Session or recording gone, or no longer recorded: <b>end</b> (stop, finalize what was
 * recorded, announce once).</li>
 * <li>Active: go on.</li>
 * <li>Unreachable, before a backup:
 * <ul>
 * <li>a <b>fresh</b> death: the backup starts (losing video to a short OpenVidu outage is
 * worse); from then on the running-backup rule bounds it;</li>
 * <li>a <b>stale</b> death (died before this controller started and longer than
 * {@code HA_STALE_DEATH_AGE} ago: a host crash and reboot): wait for an answer up to
 * {@code HA_OPENVIDU_UNREACHABLE_GRACE}, then end (stale-death-unconfirmed);</li>
 * <li>a recorder <b>removed</b> by somebody else (its container is gone or being removed: OpenVidu's
 * startup cleanup force-removes its recorders before its REST API answers; an operator): no
 * crash, so no backup without OpenVidu's word: wait likewise, then end
 * (recorder-removed-unconfirmed).</li>
 * </ul>
 * </li>
 * <li>Unreachable (OpenVidu answered since this controller started and now does not), while a
 * backup records: go on for up to {@code HA_OPENVIDU_UNREACHABLE_GRACE} from the first
 * unanswered check, then end (openvidu-unreachable).</li>
 * <li>Misconfigured (401/403, a redirect, an untrusted certificate, or never an answer since the
 * start): before a backup as unreachable; while a backup records, go on, whatever the time: a
 * configuration mistake never ends a recording.</li>
 * </ul>
 */
final class SessionRules {

	enum Verdict {

		/** Start the backup, or let it record. */
		GO_ON,
		/** Nothing now; ask again later. */
		WAIT,
		/** Stop and finalize with what was recorded. */
		END

	}

	/**
	 * @param verdict what to do
	 * @param reason for END: why (a history reason); else null
	 */
	record Decision(Verdict verdict, FailoverReason reason) {

		static final Decision GO_ON = new Decision(Verdict.GO_ON, null);

		static final Decision WAIT = new Decision(Verdict.WAIT, null);

		static Decision end(FailoverReason reason) {
			return new Decision(Verdict.END, reason);
		}

	}

	/**
	 * @param staleDeathAge a death found after the controller start and older than this is stale
	 * @param unreachableGrace longest time without an answer from OpenVidu
	 */
	record Settings(Duration staleDeathAge, Duration unreachableGrace) {
	}

	private final Settings settings;

	SessionRules(Settings settings) {
		this.settings = settings;
	}

	/**
	 * Before a backup is started.
	 *
	 * @param answer OpenVidu's answer now
	 * @param failedAt best estimate of the recorder's death (null: unknown, counts as fresh)
	 * @param controllerStart when this controller started
	 * @param removed the recorder's container is gone or being removed, by somebody else
	 * @param unreachableSince first unanswered ask in the current run of them (null: answered)
	 * @param now the time
	 */
	Decision beforeBackup(OpenViduAnswer answer, Instant failedAt, Instant controllerStart, boolean removed,
			Instant unreachableSince, Instant now) {
		Decision ended = ended(answer);
		if (ended != null) {
			return ended;
		}
		boolean unanswered = answer == OpenViduAnswer.UNREACHABLE || answer == OpenViduAnswer.MISCONFIGURED;
		if (!unanswered) {
			return Decision.GO_ON;
		}
		FailoverReason unconfirmed = stale(failedAt, controllerStart, now) ? FailoverReason.STALE_DEATH_UNCONFIRMED
				: removed ? FailoverReason.RECORDER_REMOVED_UNCONFIRMED : null;
		if (unconfirmed == null) {
			return Decision.GO_ON;
		}
		return graceOver(unreachableSince, now) ? Decision.end(unconfirmed) : Decision.WAIT;
	}

	/**
	 * While a backup records.
	 *
	 * @param answer OpenVidu's answer now
	 * @param unreachableSince first unanswered ask in the current run of them (null: answered)
	 * @param now the time
	 */
	Decision whileBackup(OpenViduAnswer answer, Instant unreachableSince, Instant now) {
		Decision ended = ended(answer);
		if (ended != null) {
			return ended;
		}
		if (answer == OpenViduAnswer.UNREACHABLE && graceOver(unreachableSince, now)) {
			return Decision.end(FailoverReason.OPENVIDU_UNREACHABLE);
		}
		return Decision.GO_ON;
	}

	/** Died before the controller started, and longer ago than the bound. */
	boolean stale(Instant failedAt, Instant controllerStart, Instant now) {
		return failedAt != null && failedAt.isBefore(controllerStart)
				&& Duration.between(failedAt, now).compareTo(settings.staleDeathAge()) > 0;
	}

	private boolean graceOver(Instant unreachableSince, Instant now) {
		return unreachableSince != null
				&& Duration.between(unreachableSince, now).compareTo(settings.unreachableGrace()) >= 0;
	}

	private static Decision ended(OpenViduAnswer answer) {
		return switch (answer) {
			case SESSION_GONE -> Decision.end(FailoverReason.OPENVIDU_SESSION_GONE);
			case RECORDING_GONE -> Decision.end(FailoverReason.OPENVIDU_RECORDING_GONE);
			case RECORDING_STOPPED -> Decision.end(FailoverReason.OPENVIDU_RECORDING_STOPPED);
			default -> null;
		};
	}

}
