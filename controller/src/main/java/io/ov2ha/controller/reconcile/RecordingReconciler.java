package io.ov2ha.controller.reconcile;

import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.failover.DetectionRules;
import io.ov2ha.controller.failover.FailoverMetrics;
import io.ov2ha.controller.failover.FailoverReads;
import io.ov2ha.controller.failover.FailoverStore;
import io.ov2ha.controller.failover.HostPressure;
import io.ov2ha.controller.failover.Judgement;
import io.ov2ha.controller.failover.OpenViduGate;
import io.ov2ha.controller.failover.RecorderPeers;
import io.ov2ha.controller.failover.Snapshot;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.support.LogValues;

/**
 * The reconciler of one recording: at the sweep of every recording (the lease holder, every
 * {@code HA_RECONCILE_INTERVAL}), and whenever an event source queued its id ({@link #reconcile}:
 * a Docker event, a heartbeat that shows a standstill). Observed (its snapshot, the exit an event
 * source saw of its recorder ({@link RecorderExits}), a stop requested of this controller
 * ({@link StopRequests}), else its recorder's {@link Judgement} from
 * {@link DetectionRules}, which throttled steps are due), decided by the pure
 * {@link ReconcileDecision#decide}, then acted on: the throttles of the chosen steps are marked and
 * the steps run as one task on the recording's worker queue, never two at once
 * ({@link ReconcileActions}). The exceptions: a backup's stop
 * ({@link ReconcileDecision.Step#STOP_BACKUP}) is handed to the stop's own executor
 * ({@link UnfinishedStops#stopBackup}), and a stop requested of this controller is reconciled
 * there too, at once ({@link UnfinishedStops#reconcileRequested}); a finalization's resumption and
 * an abandonment run where decided. With failover off
 * ({@code HA_FAILOVER_ENABLED=false}) the sweep only resumes the finalizations nobody runs and
 * abandons the recordings nothing happens to.
 */
final class RecordingReconciler {

	private static final Log LOG = LogFactory.getLog(RecordingReconciler.class);

	private final FailoverStore store;

	private final FailoverReads reads;

	private final DetectionRules rules;

	private final OpenViduGate gate;

	private final HostPressure pressure;

	private final RecorderChecks checks;

	private final UnfinishedStops unfinishedStops;

	private final Supplier<KeyedExecutor> workers;

	private final Supplier<Instant> judgingBase;

	private final Clock clock;

	private final PrimaryLookups primaryLookups;

	private final RecorderPeers peers;

	private final FailoverMetrics metrics;

	private final RecorderExits exits;

	private final FinalizationResumes resumes;

	private final StaleRecordings stale;

	private final ReconcileActions actions;

	/**
	 * Whether recorders are judged, failed over and stopped (HA_FAILOVER_ENABLED); else only the
	 * questions that need no recorder are asked (a finalization to resume, a stale recording).
	 */
	private final boolean failoverEnabled;

	/**
	 * @param workers the reconciler's worker queues (new ones after a restart)
	 * @param judgingBase the heartbeat and progress rules, and the silence of a stopping recorder,
	 *        count from here (the start, or Redis's return)
	 */
	RecordingReconciler(FailoverStore store, FailoverReads reads, DetectionRules rules, OpenViduGate gate,
			HostPressure pressure, RecorderChecks checks, UnfinishedStops unfinishedStops,
			Supplier<KeyedExecutor> workers, Supplier<Instant> judgingBase, Clock clock, RecorderPeers peers,
			FailoverMetrics metrics, RecorderExits exits, PrimaryLookups primaryLookups, FinalizationResumes resumes,
			StaleRecordings stale, ReconcileActions actions, boolean failoverEnabled) {
		this.store = store;
		this.reads = reads;
		this.primaryLookups = primaryLookups;
		this.rules = rules;
		this.gate = gate;
		this.pressure = pressure;
		this.checks = checks;
		this.unfinishedStops = unfinishedStops;
		this.workers = workers;
		this.judgingBase = judgingBase;
		this.clock = clock;
		this.peers = peers;
		this.metrics = metrics;
		this.exits = exits;
		this.resumes = resumes;
		this.stale = stale;
		this.actions = actions;
		this.failoverEnabled = failoverEnabled;
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
		if (failoverEnabled && s.status() == RecordingStatus.RECORDING && s.progressGrew()) {
			store.trackProgress(s, now);
		}
		Decided d = decide(s, now, true);
		actions.act(s, d.decision(), d.judgement(), task -> {
			// no workers with failover off: its decisions never have a worker's step
			KeyedExecutor current = workers.get();
			if (current != null) {
				current.submitIfIdle(s.id().value(), task);
			}
		});
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
		return decide(s, now, leaseHolder, failoverEnabled);
	}

	/**
	 * The sweep of the recordings no recorder is tracked for ({@link FailoverReads#untracked}): only
	 * what needs no recorder is observed (a finalization to resume, idleness), failover on or off.
	 */
	void sweepUntracked(List<Snapshot> snapshots, Instant now) {
		for (Snapshot s : snapshots) {
			try {
				Decided d = decide(s, now, true, false);
				// such decisions run where they are made: never a task of the worker
				actions.act(s, d.decision(), null, Runnable::run);
			}
			catch (RuntimeException ex) {
				LOG.warn("event=failover.sweep_failed recordingId=" + s.id() + " epoch=" + s.epoch() + " error="
						+ LogValues.quote(ex.getClass().getSimpleName() + ": " + ex.getMessage()));
			}
		}
	}

	/** @param recorders whether its recorder is observed (failover on, a recorder tracked) */
	private Decided decide(Snapshot s, Instant now, boolean leaseHolder, boolean recorders) {
		boolean stopRequested = recorders && unfinishedStops.requestTaken(s);
		ReconcileDecision.Observed o = !recorders
				? ReconcileDecision.Observed.withoutRecorder(leaseHolder, s.status(), s.epoch(),
						leaseHolder && resumes.due(s, now), leaseHolder && stale.due(s, now))
				: leaseHolder ? observe(s, now, stopRequested)
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
				stopping && unfinishedStops.goneRecorderDue(s, now, judgingBase.get()), resumes.due(s, now),
				stale.due(s, now));
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
				case RESUME_FINALIZATION -> resumes.asked(s, now);
				case ABANDON -> stale.tried(s, now);
				default -> {
					// not throttled
				}
			}
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
		snapshot.ifPresent(s -> {
			Decided d = decide(s, now, leaseHolder);
			actions.act(s, d.decision(), d.judgement(), Runnable::run);
		});
	}

	/** This controller no longer sweeps (another holds the lease, or it stopped): its gauges show nothing waiting. */
	void notSweeping() {
		metrics.hostWaiting(Map.of());
	}

	void forgetOlderThan(Instant old) {
		primaryLookups.forgetOlderThan(old);
		resumes.forgetOlderThan(old);
		stale.forgetOlderThan(old);
		peers.forgetOlderThan(old);
	}

}
