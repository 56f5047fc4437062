package io.ov2ha.controller.reconcile;

import java.time.Duration;
import java.time.Instant;

import io.ov2ha.controller.failover.Snapshot;
import io.ov2ha.controller.finalize.FinalizationService;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.support.Throttle;

/**
 * A finalization nobody runs (its controller died or stopped mid-way) is resumed by the
 * reconciler's sweep: a recording FINALIZING for at least {@code HA_FINALIZE_RECOVERY_INTERVAL}
 * is asked about at most once per interval ({@link ReconcileDecision.Step#RESUME_FINALIZATION}),
 * and {@link FinalizationService#resumeIfDue} starts it here when its lease is free and no retry
 * of it waits. A finalization just begun is its starter's: the first question waits one interval
 * after the status change.
 */
final class FinalizationResumes {

	private final FinalizationService finalizations;

	private final Duration every;

	/** recording:createdAt -> when its question was last chosen. */
	private final Throttle<String> asked;

	FinalizationResumes(FinalizationService finalizations, Duration every) {
		this.finalizations = finalizations;
		this.every = every;
		this.asked = new Throttle<>(every);
	}

	/** Whether {@code s} is a finalization to ask about now (reads only, no Redis). */
	boolean due(Snapshot s, Instant now) {
		return s.status() == RecordingStatus.FINALIZING
				&& (s.updatedAt() == null || !s.updatedAt().plus(every).isAfter(now)) && asked.due(s.incarnation(), now);
	}

	/** Its question was chosen now: the next is due one interval later. */
	void asked(Snapshot s, Instant now) {
		asked.mark(s.incarnation(), now);
	}

	/** Resumes the finalization of {@code s} here if nobody runs it (on the caller's thread: a few reads). */
	FinalizationService.Resumption resume(Snapshot s) {
		return finalizations.resumeIfDue(s.id(), s.createdAt());
	}

	/** Forgets the questions older than {@code old} and than one interval (a longer interval is kept). */
	void forgetOlderThan(Instant old) {
		asked.forgetOlderThan(old.minus(every));
	}

}
