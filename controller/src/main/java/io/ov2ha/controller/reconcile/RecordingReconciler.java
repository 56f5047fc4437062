package io.ov2ha.controller.reconcile;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.failover.DetectionRules;
import io.ov2ha.controller.failover.FailoverMetrics;
import io.ov2ha.controller.failover.FailoverReads;
import io.ov2ha.controller.failover.FailoverService;
import io.ov2ha.controller.failover.FailoverStore;
import io.ov2ha.controller.failover.HostPressure;
import io.ov2ha.controller.failover.Judgement;
import io.ov2ha.controller.failover.OpenViduGate;
import io.ov2ha.controller.failover.RecorderPeers;
import io.ov2ha.controller.failover.Snapshot;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.support.LogValues;

/**
 * The reconciler of one recording: at the sweep of every recording (the lease holder, every
 * {@code HA_RECONCILE_INTERVAL}), and whenever an event source queued its id ({@link #reconcile}:
 * a Docker event, a heartbeat that shows a standstill). Observed (its snapshot, the exit an event
 * source saw of its recorder ({@link RecorderExits}), a stop requested of this controller
 * ({@link StopRequests}), else its recorder's {@link Judgement} from
 * {@link DetectionRules}, which throttled steps are due), decided by the pure
 * {@link ReconcileDecision#decide}, then acted on: the throttles of the chosen steps are marked and
 * the steps run as one task on the recording's worker queue, never two at once. The one
 * exception: a backup's stop ({@link ReconcileDecision.Step#STOP_BACKUP}) is handed to the stop's
 * own executor ({@link UnfinishedStops#stopBackup}); a stop requested of this controller is
 * reconciled there too, at once ({@link UnfinishedStops#reconcileRequested}).
 */
final class RecordingReconciler {

	private static final Log LOG = LogFactory.getLog(RecordingReconciler.class);

	private final FailoverStore store;

	private final FailoverReads reads;

	private final FailoverService failover;

	private final DetectionRules rules;

	private final OpenViduGate gate;

	private final HostPressure pressure;

	private final RecorderChecks checks;

	private final UnfinishedStops unfinishedStops;

	private final Supplier<KeyedExecutor> workers;

	private final Supplier<Instant> judgingBase;

	private final Function<RecordingId, Executor> decisions;

	private final Clock clock;

	private final PrimaryLookups primaryLookups;

	private final RecorderPeers peers;

	private final FailoverMetrics metrics;

	private final FailedRecorders failed;

	private final RecorderExits exits;

	/**
	 * @param workers the reconciler's worker queues (new ones after a restart)
	 * @param judgingBase the heartbeat and progress rules, and the silence of a stopping recorder,
	 *        count from here (the start, or Redis's return)
	 * @param decisions where a decision on OpenVidu's answer runs for a recording
	 */
	RecordingReconciler(FailoverStore store, FailoverReads reads, RecordingStore recordings, FailoverService failover,
			DetectionRules rules, OpenViduGate gate, HostPressure pressure, RecorderChecks checks,
			UnfinishedStops unfinishedStops, Supplier<KeyedExecutor> workers, Supplier<Instant> judgingBase,
			Function<RecordingId, Executor> decisions, Clock clock, RecorderPeers peers, FailoverMetrics metrics,
			FailedRecorders failed, RecorderExits exits) {
		this.store = store;
		this.reads = reads;
		this.primaryLookups = new PrimaryLookups(recordings, failover);
		this.failover = failover;
		this.rules = rules;
		this.gate = gate;
		this.pressure = pressure;
		this.checks = checks;
		this.unfinishedStops = unfinishedStops;
		this.workers = workers;
		this.judgingBase = judgingBase;
		this.decisions = decisions;
		this.clock = clock;
		this.peers = peers;
		this.metrics = metrics;
		this.failed = failed;
		this.exits = exits;
	}

	/**
	 * The sweep of every non-final recording, just read; each is judged beside the others
	 * ({@link RecorderPeers}, told when they were read: the tick's time may be older).
	 */
	void sweepAll(List<Snapshot> snapshots, Instant now) {
		peers.seen(snapshots, clock.instant());
		Map<Judgement.Kind, Integer> waiting = new EnumMap<>(Judgement.Kind.class);
		for (Snapshot s : snapshots) {
			Judgement.Kind kind;
			try {
				kind = sweep(s, now);
			}
			catch (RuntimeException ex) {
				// one recording's failure never keeps the others from their sweep
				LOG.warn("event=failover.sweep_failed recordingId=" + s.id() + " epoch=" + s.epoch() + " error="
						+ LogValues.quote(ex.getClass().getSimpleName() + ": " + ex.getMessage()));
				continue;
			}
			if (kind != null && DetectionRules.deferred(kind)) {
				waiting.merge(kind, 1, Integer::sum);
			}
		}
		metrics.hostWaiting(waiting);
	}

	/**
	 * One recording of the sweep: decided ({@link #decide}) and acted on: its steps queued as one
	 * task on its worker (never two at once).
	 *
	 * @return the verdict on its recorder, null when it was not judged (not recording, a backup
	 *         pending, an exit known)
	 */
	private Judgement.Kind sweep(Snapshot s, Instant now) {
		if (s.status() == RecordingStatus.RECORDING && s.progressGrew()) {
			store.trackProgress(s, now);
		}
		Decided d = decide(s, now, true);
		act(s, d, tasks -> workers.get().submitIfIdle(s.id().value(), () -> runInOrder(tasks, 0)));
		return d.judgement() == null ? null : d.judgement().kind();
	}

	/** A decision, and the judgement it was made on (null: not judged). */
	record Decided(ReconcileDecision decision, Judgement judgement) {
	}

	/**
	 * Observes {@code s}, decides ({@link ReconcileDecision#decide}), reports its judgement and marks
	 * the throttles of the steps chosen: the next of each is due from {@code now}, whether or not
	 * the worker takes the task (a busy recording is not asked twice as often).
	 *
	 * @param leaseHolder whether this controller holds the reconciler's lease: another observes
	 *        only the recorder's exit and a stop requested of it (the judgement and the throttles
	 *        are the lease holder's)
	 */
	Decided decide(Snapshot s, Instant now, boolean leaseHolder) {
		boolean stopRequested = unfinishedStops.requestTaken(s);
		ReconcileDecision.Observed o = leaseHolder ? observe(s, now, stopRequested)
				: ReconcileDecision.Observed.eventsOnly(s.status(), s.epoch(), exits.of(s.containerId(), now),
						stopRequested);
		ReconcileDecision d = ReconcileDecision.decide(o);
		if (o.judgement() != null) {
			checks.report(s, o.judgement());
		}
		mark(s, o.judgement(), d, now);
		return new Decided(d, o.judgement());
	}

	/**
	 * What the lease holder's decision for {@code s} needs; reads only (a throttle is marked once
	 * its step is chosen; a stop request was taken by the caller).
	 */
	private ReconcileDecision.Observed observe(Snapshot s, Instant now, boolean stopRequested) {
		boolean recording = s.status() == RecordingStatus.RECORDING;
		boolean stopping = s.status() == RecordingStatus.STOPPING;
		boolean pending = recording && s.state().pending(s.epoch());
		Instant next = s.state().nextAttemptAt();
		boolean primaryUnidentified = s.epoch() == 0 && !ContainerLabels.isExactId(s.containerId());
		RecorderExits.Seen exit = exits.of(s.containerId(), now);
		// a recorder that exited is not judged: its exit says what it needs
		boolean judged = recording && !pending && exit == RecorderExits.Seen.NONE;
		// a recorder whose engine is lost is not waited for as on a busy host: its host is gone
		boolean lost = judged && checks.engineLost(s.containerId());
		Judgement j = judged ? rules.judge(s, now, judgingBase.get(), lost ? Double.NaN : pressure.percent(),
				lost ? DetectionRules.HostView.ALONE : peers) : null;
		return new ReconcileDecision.Observed(true, s.status(), s.epoch(), exit, stopRequested, pending,
				pending && (next == null || !next.isAfter(now)), recording && s.state().awaitFirstChunkEpoch() != null,
				primaryUnidentified, recording && primaryUnidentified && primaryLookups.due(s, now),
				recording && gate.backupCheckDue(s, now), j, j != null && checks.deferredCheckDue(s.id()),
				stopping && unfinishedStops.unfinished(s, now),
				stopping && unfinishedStops.goneRecorderDue(s, now, judgingBase.get()));
	}

	/** Marks the throttle of each chosen step: its next one is due from {@code now}. */
	private void mark(Snapshot s, Judgement j, ReconcileDecision d, Instant now) {
		for (ReconcileDecision.Step step : d.steps()) {
			switch (step) {
				case LOOKUP_PRIMARY -> primaryLookups.asked(s, now);
				case ASK_OPENVIDU -> gate.backupChecked(s, now);
				case CHECK_RECORDER -> {
					if (DetectionRules.deferred(j.kind())) {
						checks.deferredCheckAsked(s.id());
					}
				}
				case FINISH_GONE_RECORDER -> unfinishedStops.goneRecorderAsked(s, now);
				case STOP_BACKUP -> unfinishedStops.backupStopDecided(s, now);
				default -> {
					// not throttled
				}
			}
		}
	}

	/**
	 * Performs a decision: a backup's stop is handed to the stop's own executor at once; the
	 * steps of every other decision go to {@code run} as one task (the sweep queues it on the
	 * recording's worker if it is idle, else the next sweep decides again; a reconciliation on the
	 * worker runs it there).
	 */
	private void act(Snapshot s, Decided decided, Consumer<List<Runnable>> run) {
		ReconcileDecision d = decided.decision();
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
		List<Runnable> tasks = new ArrayList<>(2);
		for (ReconcileDecision.Step step : d.steps()) {
			tasks.add(task(s, decided.judgement(), step));
		}
		run.accept(tasks);
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
			// handed to the stop's own executor by act, never run as a task of the worker
			case STOP_BACKUP -> throw new IllegalArgumentException("a backup is stopped on the stop's own executor");
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

	/**
	 * One recording reconciled now, on its worker (its id queued by an event source: a Docker
	 * event, an exit's back-off ended, a heartbeat that shows a standstill): observed, decided and
	 * acted on as the sweep does, its steps run here. On every controller: one that does not hold
	 * the lease only handles its recorder's exit and a stop requested of it. Chunk progress stays the sweep's to track.
	 *
	 * @param leaseHolder whether this controller holds the reconciler's lease
	 */
	void reconcile(RecordingId id, boolean leaseHolder) {
		Instant now = clock.instant();
		Optional<Snapshot> snapshot = reads.snapshot(id);
		// its earlier recorders' exits change nothing (none at all once it is final)
		exits.keepOnly(id, snapshot.map(Snapshot::containerId), now);
		snapshot.ifPresent(s -> act(s, decide(s, now, leaseHolder), tasks -> runInOrder(tasks, 0)));
	}

	/** This controller no longer sweeps (another holds the lease, or it stopped): its gauges show nothing waiting. */
	void notSweeping() {
		metrics.hostWaiting(Map.of());
	}

	void forgetOlderThan(Instant old) {
		primaryLookups.forgetOlderThan(old);
		peers.forgetOlderThan(old);
	}

}
