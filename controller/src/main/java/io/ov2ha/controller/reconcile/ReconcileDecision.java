package io.ov2ha.controller.reconcile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.ov2ha.controller.failover.Judgement;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * What the reconciler does for one recording, at a sweep, when an event source queued its id (a
 * Docker event, a heartbeat that shows a standstill), or at once for a stop requested: a pure
 * function of what it observed ({@link Observed}), made by {@link #decide}. The observation holds
 * the recorder's exit if an event source saw one ({@link RecorderExits}), a stop requested of it
 * ({@link StopRequests}), its judgement ({@link io.ov2ha.controller.failover.DetectionRules}, itself pure) and which
 * throttled steps are due; the decision names at most one bookkeeping step and then at most one
 * action, run in that order as <b>one</b> task on the recording's worker queue (except
 * {@link Step#STOP_BACKUP}, handed to the stop's own executor, {@link Step#RESUME_FINALIZATION}
 * (a few reads where decided, then the finalization's own workers) and {@link Step#ABANDON} (one
 * atomic step where decided)), and says why. With
 * failover off the lease holder observes only what needs no recorder
 * ({@link Observed#withoutRecorder}).
 * {@link RecordingReconciler} observes, decides, marks the throttles of the steps chosen and acts.
 *
 * <p>
 * One task per recording and tick: a second task right behind a first is refused while the first
 * is queued, so a step decided apart from the action would crowd the action out (a backup's
 * first-chunk check once kept its judgement from running every other tick).
 *
 * @param steps what to run, in order: empty (nothing), a bookkeeping step and/or one action
 * @param why the reason, for the log and for tests
 */
record ReconcileDecision(List<Step> steps, String why) {

	ReconcileDecision {
		steps = List.copyOf(steps);
	}

	enum Step {

		/**
		 * The current recorder exited: what its exit code asks ({@link FailedRecorders#handleExit}): a
		 * backup, an end, nothing.
		 */
		HANDLE_EXIT(true),
		/**
		 * A STOPPING backup: stopped as OpenVidu stops its recorder, then the recording finalized and
		 * announced ({@link io.ov2ha.controller.failover.StopCoordinator#stopBackup}): its stop was requested here, or nobody
		 * finished it (its controller died).
		 */
		STOP_BACKUP(true),
		/** OpenVidu's own recorder, STOPPING, silent long since, never asked for its finalization: finalize. */
		FINISH_GONE_RECORDER(true),
		/** Bookkeeping: a backup's first chunk is awaited for its failover record (the capture time). */
		CHECK_FIRST_CHUNK(false),
		/** Bookkeeping: a primary registered without its container id, looked up by OpenVidu's name. */
		LOOKUP_PRIMARY(false),
		/** A backup that could not start, its back-off over: started again. */
		RETRY_START(true),
		/** OpenVidu is asked whether it still has the session of a backup (running, or waiting to be retried). */
		ASK_OPENVIDU(true),
		/** The recorder's judgement asks for a check of it ({@link RecorderChecks#task}): a kill, a backup, an end. */
		CHECK_RECORDER(true),
		/**
		 * FINALIZING long enough to ask whether nobody runs its finalization: resumed here if so
		 * ({@link FinalizationResumes}), on the finalization's own workers.
		 */
		RESUME_FINALIZATION(true),
		/**
		 * Nothing happened to it for the stale timeout (no heartbeat, chunk, status change, OpenVidu
		 * event): ABANDONED with the reason, if still idle at that moment and no finalization of it
		 * runs or waits for its next attempt ({@link StaleRecordings}). A due
		 * {@link #RESUME_FINALIZATION} comes first.
		 */
		ABANDON(true);

		private final boolean action;

		Step(boolean action) {
			this.action = action;
		}

		/** Whether the step acts on the recording (at most one per decision), not only keeps books. */
		boolean action() {
			return action;
		}

	}

	/**
	 * What the reconciler observed of one recording.
	 *
	 * @param leaseHolder this controller holds the reconciler's lease (it sweeps); another only
	 *        handles the exits and stops its event sources saw (its view of OpenVidu and of the
	 *        host's peers is the lease holder's to keep)
	 * @param status the recording's status
	 * @param epoch its current epoch
	 * @param exit what an event source saw of its current recorder's exit ({@link RecorderExits})
	 * @param stopRequested this controller was asked to stop it ({@link StopRequests}), and it was
	 *        observed STOPPING or beyond
	 * @param pending a backup of the current epoch was claimed and has not started yet
	 * @param retryDue that backup's next start attempt is due
	 * @param firstChunkAwaited a backup's first chunk is still to be recorded in its failover record
	 * @param primaryUnidentified epoch 0 and its container id is not exact (registered without it)
	 * @param primaryLookupDue the lookup of that container is due (throttled)
	 * @param openViduCheckDue a check of the backup's session with OpenVidu is due (throttled; false
	 *        when OpenVidu is not configured)
	 * @param judgement the recorder's judgement ({@link io.ov2ha.controller.failover.DetectionRules}); null when not judged
	 *        (not RECORDING, a backup pending, an exit known, or not the lease holder)
	 * @param deferredCheckDue for a silence deferred for its host: asking the runtime whether the
	 *        container still runs is due (throttled)
	 * @param stopUnfinished STOPPING: a backup's stop that nobody finished, long after it began
	 * @param goneRecorderDue STOPPING: OpenVidu's own recorder went silent long ago and its
	 *        finalization is due to be asked (throttled)
	 * @param finalizationCheckDue FINALIZING for an interval: whether nobody runs its finalization is
	 *        due to be asked (throttled)
	 * @param idle no activity for the stale timeout, and its abandonment is due to be tried
	 *        (throttled)
	 */
	record Observed(boolean leaseHolder, RecordingStatus status, long epoch, RecorderExits.Seen exit,
			boolean stopRequested, boolean pending,
			boolean retryDue, boolean firstChunkAwaited, boolean primaryUnidentified, boolean primaryLookupDue,
			boolean openViduCheckDue, Judgement judgement, boolean deferredCheckDue, boolean stopUnfinished,
			boolean goneRecorderDue, boolean finalizationCheckDue, boolean idle) {

		/**
		 * What a controller without the reconciler's lease observes: the recorder's exit and a stop
		 * requested here, nothing else.
		 */
		static Observed eventsOnly(RecordingStatus status, long epoch, RecorderExits.Seen exit, boolean stopRequested) {
			return new Observed(false, status, epoch, exit, stopRequested, false, false, false, false, false, false, null,
					false, false, false, false, false);
		}

		/**
		 * What the lease holder observes when no recorder is (failover off: none is judged, started
		 * or stopped; or none is tracked for the recording, {@code FailoverReads#untracked}): the
		 * recording's status, whether its finalization is to be asked about, whether it is idle.
		 */
		static Observed withoutRecorder(boolean leaseHolder, RecordingStatus status, long epoch,
				boolean finalizationCheckDue, boolean idle) {
			return new Observed(leaseHolder, status, epoch, RecorderExits.Seen.NONE, false, false, false, false, false, false,
					false, null, false, false, false, finalizationCheckDue, idle);
		}
	}

	static ReconcileDecision decide(Observed o) {
		if (o.stopRequested() && o.status() == RecordingStatus.STOPPING && o.epoch() > 0) {
			// OpenVidu does not know the backup: the controller asked stops it (the stop's lease makes
			// it once); an exit of a recorder that is being stopped changes nothing of that
			return of(null, Step.STOP_BACKUP, "a stop was requested and a backup records");
		}
		if (o.exit() == RecorderExits.Seen.DUE && !o.status().isFinal()) {
			// a recorder that exited is never judged: its exit code says what it needs
			return of(null, Step.HANDLE_EXIT, "its recorder exited");
		}
		if (!o.leaseHolder()) {
			return none("another controller holds the lease: it sweeps");
		}
		if (o.status() == RecordingStatus.FINALIZING && o.finalizationCheckDue()) {
			// first: a finalization that runs or waits for its next attempt is never abandoned, and
			// the abandonment's throttle may be as short as the sweep of this recording
			return of(null, Step.RESUME_FINALIZATION, "finalizing for an interval: is its finalization run anywhere?");
		}
		if (o.idle() && !o.status().isFinal()) {
			// nothing happened to it for the stale timeout: whatever else is due, it is over
			return of(null, Step.ABANDON, "no heartbeat, chunk, status change or OpenVidu event for the stale timeout");
		}
		return switch (o.status()) {
			case STOPPING -> stopping(o);
			case RECORDING -> recording(o);
			case FINALIZING -> none("finalizing");
			default -> none("status " + o.status() + ": nothing to reconcile");
		};
	}

	private static ReconcileDecision stopping(Observed o) {
		if (o.stopUnfinished()) {
			return of(null, Step.STOP_BACKUP, "a backup's stop unfinished long after it began: its controller is gone");
		}
		if (o.goneRecorderDue()) {
			return of(null, Step.FINISH_GONE_RECORDER,
					"OpenVidu's recorder silent long after the stop, its finalization never asked");
		}
		return none("stopping");
	}

	private static ReconcileDecision recording(Observed o) {
		Step bookkeeping = o.firstChunkAwaited() ? Step.CHECK_FIRST_CHUNK : null;
		if (o.pending()) {
			if (o.retryDue()) {
				return of(bookkeeping, Step.RETRY_START, "a backup could not start; its back-off is over");
			}
			// a backup that cannot start is retried only while OpenVidu still has the session
			return o.openViduCheckDue() ? of(bookkeeping, Step.ASK_OPENVIDU, "a backup waits for its retry: session still there?")
					: of(bookkeeping, null, "a backup waits for its retry");
		}
		if (o.exit() == RecorderExits.Seen.WAITING) {
			return of(bookkeeping, null, "its recorder exited; the backup waits for the failover back-off");
		}
		if (bookkeeping == null && o.primaryUnidentified() && o.primaryLookupDue()) {
			bookkeeping = Step.LOOKUP_PRIMARY;
		}
		Judgement j = o.judgement();
		String verdict = j == null ? "not judged" : "judged " + j.kind();
		if (j != null && checks(j, o.deferredCheckDue())) {
			return of(bookkeeping, Step.CHECK_RECORDER, verdict + (j.deferred() == null ? ""
					: " (deferred " + j.deferred() + "): is its container still running?"));
		}
		if (o.epoch() > 0 && o.openViduCheckDue()) {
			// a backup records a session OpenVidu may no longer have: ask
			return of(bookkeeping, Step.ASK_OPENVIDU, verdict + "; a backup records: session still there?");
		}
		return of(bookkeeping, null, verdict);
	}

	/**
	 * Whether a judgement asks for a check of the recorder: a failure, or a silence deferred for its
	 * host when the runtime is due to be asked (no load excuses a container that exited or is gone).
	 */
	static boolean checks(Judgement j, boolean deferredCheckDue) {
		return switch (j.kind()) {
			case SILENT, START_TIMEOUT, CHUNK_STALLED, MEDIA_STALLED, NO_CONTENT -> true;
			case DEFERRED_HOST_SATURATED, DEFERRED_HOST_WIDE, AWAITING_PEERS ->
				j.deferred() == Judgement.Kind.SILENT && deferredCheckDue;
			default -> false;
		};
	}

	private static ReconcileDecision of(Step bookkeeping, Step action, String why) {
		List<Step> steps = new ArrayList<>(2);
		if (bookkeeping != null) {
			steps.add(bookkeeping);
		}
		if (action != null) {
			steps.add(action);
		}
		return new ReconcileDecision(steps, why);
	}

	private static ReconcileDecision none(String why) {
		return new ReconcileDecision(Collections.emptyList(), why);
	}

	boolean has(Step step) {
		return steps.contains(step);
	}

	boolean idle() {
		return steps.isEmpty();
	}

}
