package io.ov2ha.controller.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.failover.FailoverService;
import io.ov2ha.controller.failover.Judgement;
import io.ov2ha.controller.failover.OpenViduGate;
import io.ov2ha.controller.failover.Snapshot;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.LogValues;

/**
 * Performs what {@link ReconcileDecision} chose for one recording, each step through the class
 * that acts for it. A backup's stop is handed to the stop's own executor at once
 * ({@link UnfinishedStops#stopBackup}), a finalization's resumption to the finalization's workers
 * ({@link FinalizationResumes}), and an abandonment is one atomic step run here
 * ({@link StaleRecordings}); the steps of every other decision become one task, given to the
 * caller's {@code run} (the sweep queues it on the recording's worker if it is idle, else the next
 * sweep decides again; a reconciliation on the worker runs it there).
 */
final class ReconcileActions {

	private static final Log LOG = LogFactory.getLog(ReconcileActions.class);

	private final FailedRecorders failed;

	private final FailoverService failover;

	private final PrimaryLookups primaryLookups;

	private final OpenViduGate gate;

	private final Function<RecordingId, Executor> decisions;

	private final RecorderChecks checks;

	private final UnfinishedStops unfinishedStops;

	private final FinalizationResumes resumes;

	private final StaleRecordings stale;

	/** @param decisions where a decision on OpenVidu's answer runs for a recording */
	ReconcileActions(FailedRecorders failed, FailoverService failover, PrimaryLookups primaryLookups,
			OpenViduGate gate, Function<RecordingId, Executor> decisions, RecorderChecks checks,
			UnfinishedStops unfinishedStops, FinalizationResumes resumes, StaleRecordings stale) {
		this.failed = failed;
		this.failover = failover;
		this.primaryLookups = primaryLookups;
		this.gate = gate;
		this.decisions = decisions;
		this.checks = checks;
		this.unfinishedStops = unfinishedStops;
		this.resumes = resumes;
		this.stale = stale;
	}

	/**
	 * Performs {@code d}, decided for {@code s} on judgement {@code j} (null: not judged).
	 *
	 * @param run where the one task of the worker's steps runs
	 */
	void act(Snapshot s, ReconcileDecision d, Judgement j, Consumer<Runnable> run) {
		if (d.idle()) {
			return;
		}
		if (LOG.isDebugEnabled()) {
			LOG.debug("event=failover.sweep_decision recordingId=" + s.id() + " epoch=" + s.epoch() + " steps="
					+ d.steps() + " why=" + LogValues.quote(d.why()));
		}
		if (d.has(ReconcileDecision.Step.STOP_BACKUP)) {
			unfinishedStops.stopBackup(s);
			return;
		}
		if (d.has(ReconcileDecision.Step.RESUME_FINALIZATION)) {
			resumes.resume(s);
			return;
		}
		if (d.has(ReconcileDecision.Step.ABANDON)) {
			stale.abandon(s);
			return;
		}
		List<Runnable> tasks = new ArrayList<>(2);
		for (ReconcileDecision.Step step : d.steps()) {
			tasks.add(task(s, j, step));
		}
		run.accept(() -> runInOrder(tasks, 0));
	}

	/** The task of one step. */
	private Runnable task(Snapshot s, Judgement j, ReconcileDecision.Step step) {
		return switch (step) {
			case HANDLE_EXIT -> () -> failed.handleExit(s.id(), s.containerId());
			case CHECK_FIRST_CHUNK -> () -> failover.checkFirstChunk(s);
			case LOOKUP_PRIMARY -> () -> primaryLookups.lookUp(s);
			case RETRY_START -> () -> failover.retryStart(s.id(), s.epoch());
			case ASK_OPENVIDU -> () -> gate.checkBackup(s.id(), s.epoch(), decisions.apply(s.id()));
			case CHECK_RECORDER -> checks.task(s, j);
			case FINISH_GONE_RECORDER -> () -> unfinishedStops.finishGoneRecorder(s);
			// handed to their own executors by act, never run as a task of the worker
			case STOP_BACKUP, RESUME_FINALIZATION, ABANDON -> throw new IllegalArgumentException(step + " runs on its own executor");
		};
	}

	/**
	 * Runs the tasks in order, each even when one before it failed (a lookup's failure never skips
	 * the judgement's action): each later one in a {@code finally}.
	 */
	private static void runInOrder(List<Runnable> tasks, int from) {
		if (from >= tasks.size()) {
			return;
		}
		try {
			tasks.get(from).run();
		}
		finally {
			runInOrder(tasks, from + 1);
		}
	}

}
