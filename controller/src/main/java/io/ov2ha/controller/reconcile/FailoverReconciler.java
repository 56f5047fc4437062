package io.ov2ha.controller.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.failover.DetectionRules;
import io.ov2ha.controller.failover.DetectionSettings;
import io.ov2ha.controller.failover.FailoverMetrics;
import io.ov2ha.controller.failover.FailoverReads;
import io.ov2ha.controller.failover.FailoverService;
import io.ov2ha.controller.failover.FailoverStore;
import io.ov2ha.controller.failover.HostPressure;
import io.ov2ha.controller.failover.OpenViduGate;
import io.ov2ha.controller.failover.OpenViduVerdicts;
import io.ov2ha.controller.failover.ReconcilerStatus;
import io.ov2ha.controller.failover.RecorderPeers;
import io.ov2ha.controller.failover.StopCoordinator;
import io.ov2ha.controller.failover.StopMarkers;
import io.ov2ha.controller.finalize.FinalizationService;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecorderStandstill;
import io.ov2ha.controller.recording.RecordingStopRequested;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.PeriodicPass;
import io.ov2ha.controller.support.ThrottledWarnings;

/**
 * The reconciler's lifecycle and event sources: level-triggered and idempotent. For every active
 * recording it compares the desired state (a recorder writing until OpenVidu says stopped, then
 * one sealed final) with what is observed and acts. Event sources write down what they saw and
 * queue the recording's id on its worker, where it is reconciled at once
 * ({@link RecordingReconciler#reconcile}: observed, decided by the pure {@link ReconcileDecision},
 * acted on by {@link ReconcileActions}); a controller that does not hold the lease only acts on
 * what its own sources saw.
 * <ul>
 * <li><b>Docker events</b> (every controller, {@link ContainerEvents}): a die is written down
 * ({@link RecorderExits}); one refused for the back-off is queued again when it ends.</li>
 * <li><b>Stops</b> ({@link #onStopRequested}): written down ({@link StopRequests}) and reconciled
 * at once on the caller's thread; a backup's stop runs on the stop's executor, once.</li>
 * <li><b>Sweep</b> (the lease holder, {@link ReconcilerTick}): the same reconciliation for every
 * active recording: detection ({@link DetectionRules}), backup retries, first-chunk bookkeeping,
 * unfinished stops ({@link UnfinishedStops}), finalizations nobody runs
 * ({@link FinalizationResumes}), recordings nothing happens to ({@link StaleRecordings}). With
 * failover off it runs too ({@link ReconcilerTick#period}), under a lease of its own
 * ({@link ReconcilerTick#leaseName}), and does only the last two.</li>
 * <li><b>Heartbeats</b> (the lease holder): one that shows a standstill
 * ({@link io.ov2ha.controller.recording.RecorderStandstill}) queues its recording's id.</li>
 * <li><b>Full reconciliation</b> ({@link BackupAudit}, the lease holder): backup containers found
 * by label against the registry.</li>
 * </ul>
 * One task at a time per recording ({@link RecordingWorkers}); docs/development.md follows a Docker
 * death through these classes. Started and stopped with the context; a start after a stop makes
 * new threads (the test framework pauses a cached context that way).
 */
@Component
class FailoverReconciler implements SmartLifecycle, ReconcilerStatus {

	private static final Log LOG = LogFactory.getLog(FailoverReconciler.class);

	private final HaProperties properties;

	private final RecorderRuntime runtime;

	private final ControllerInstance instance;

	private final Clock clock;

	private final BackupAudit audit;

	private final ContainerEvents events;

	private final UnfinishedStops unfinishedStops;

	private final ReconcilerTick ticks;

	private final RecordingReconciler recordingReconciler;

	private volatile boolean running;

	private volatile Instant startedAt = Instant.EPOCH;

	/** Heartbeat and progress rules count from here: the start, or Redis's return after an outage. */
	private volatile Instant judgingBase = Instant.EPOCH;

	private final PeriodicPass ticker;

	private final Duration tickPeriod;

	private final RecordingWorkers workers = new RecordingWorkers(() -> running);

	private AutoCloseable subscription;

	FailoverReconciler(HaProperties properties, FailoverStore store, FailoverReads reads, RecordingStore recordings,
			FailoverService failover, StopCoordinator stops, RecorderRuntime runtime, RedisLease lease,
			ControllerInstance instance, Clock clock, StopMarkers stopMarkers, OpenViduGate gate,
			HostPressure pressure, FailoverMetrics metrics, OpenViduVerdicts verdicts, FinalizationService finalizations,
			StaleRecordingProperties staleSettings) {
		this.properties = properties;
		this.runtime = runtime;
		this.instance = instance;
		this.clock = clock;
		DetectionRules rules = new DetectionRules(DetectionSettings.of(properties));
		ThrottledWarnings warnings = new ThrottledWarnings(clock);
		// a standstill once shared stays the host's for a stall timeout while its peers resume
		RecorderPeers peers = new RecorderPeers(properties.heartbeat().interval(),
				properties.failover().stallTimeout());
		RecorderExits exits = new RecorderExits(clock);
		FailedRecorders failed = new FailedRecorders(reads, recordings::find, exits, failover, stops, stopMarkers, runtime,
				clock, rules, gate, pressure, metrics, warnings, () -> startedAt, () -> judgingBase, workers::decisions,
				peers);
		RecorderChecks checks = new RecorderChecks(properties, recordings, failover, stops, stopMarkers, runtime,
				clock, gate, pressure, warnings, failed, verdicts);
		this.unfinishedStops = new UnfinishedStops(properties, stops, clock, reads::snapshot);
		this.audit = new BackupAudit(runtime, recordings, failover, exits, warnings, instance,
				(id, task) -> workers.current().submit(id, task), this::reconcile);
		FinalizationResumes resumes = new FinalizationResumes(finalizations,
				properties.storage().finalizer().recoveryInterval());
		PrimaryLookups primaryLookups = new PrimaryLookups(recordings, failover);
		StaleRecordings stale = new StaleRecordings(recordings, staleSettings, clock, this::judgingFrom);
		ReconcileActions actions = new ReconcileActions(failed, failover, primaryLookups, gate, workers::decisions, checks,
				unfinishedStops, resumes, stale);
		this.recordingReconciler = new RecordingReconciler(store, reads, rules, gate, pressure, checks,
				unfinishedStops, workers::current, () -> judgingBase, clock, peers, metrics, exits, primaryLookups,
				resumes, stale, actions, properties.failover().enabled());
		this.events = new ContainerEvents(reads, exits, workers::current, this::reconcile, () -> running, audit::request);
		this.tickPeriod = ReconcilerTick.period(properties, staleSettings);
		this.ticks = new ReconcilerTick(properties, reads, lease, instance, clock, gate, warnings, audit,
				recordingReconciler, checks, unfinishedStops, events, () -> running, at -> judgingBase = at,
				properties.failover().enabled(), tickPeriod, ReconcilerTick.questionsPeriod(properties, staleSettings));
		// the first tick at the start: the lease is taken (and a heartbeat's standstill judged) at once
		this.ticker = new PeriodicPass("failover-reconciler", "failover_tick", LOG, Duration.ZERO, tickPeriod,
				ticks::tick);
	}

	// --- lifecycle -------------------------------------------------------------------------

	@Override
	public synchronized void start() {
		if (running) {
			return;
		}
		startedAt = clock.instant();
		judgingBase = startedAt;
		// with failover off no recorder is judged, started or stopped: no workers, no Docker events
		boolean failover = properties.failover().enabled();
		if (failover) {
			workers.start();
		}
		running = true;
		subscription = failover ? runtime.subscribe(events) : null;
		ticker.start();
		LOG.info("event=failover.reconciler_started controller=" + instance.id() + " failover=" + failover
				+ " intervalMs=" + tickPeriod.toMillis() + " judgingFrom=" + judgingFrom() + (failover ? " image="
						+ LogValues.quote(properties.docker().recorderImage()) + " dockerHost="
						+ LogValues.quote(properties.docker().host()) : ""));
	}

	@Override
	public synchronized void stop() {
		if (!running) {
			return;
		}
		running = false;
		// recorders, and the backups this controller started, keep running: another controller
		// (or this one after a restart) finds them again by label
		try {
			if (subscription != null) {
				subscription.close();
			}
		}
		catch (Exception ex) {
			// shutting down
		}
		ticker.stop();
		workers.stop();
		ticks.release();
		LOG.info("event=failover.reconciler_stopped controller=" + instance.id());
	}

	@Override
	public boolean isRunning() {
		return running;
	}

	@Override
	public int getPhase() {
		// stop before the web server and Redis go away, start after them
		return SmartLifecycle.DEFAULT_PHASE - 100;
	}

	// --- status ----------------------------------------------------------------------------

	@Override
	public boolean leader() {
		return ticks.leader();
	}

	@Override
	public String leaseName() {
		return ticks.leaseName();
	}

	@Override
	public Instant lastTickAt() {
		return ticks.lastTickAt();
	}

	/** When this controller last listed the backups by label (null: not yet). */
	@Override
	public Instant lastFullReconcileAt() {
		Instant at = audit.lastRunAt();
		return at.equals(Instant.EPOCH) ? null : at;
	}

	/** Running backups the last full reconciliation found by label (-1: none yet). */
	@Override
	public int backupsFound() {
		return audit.backupsFound();
	}

	@Override
	public Instant judgingFrom() {
		return judgingBase.plus(properties.heartbeat().timeout());
	}

	// --- events (every controller) -----------------------------------------------------------

	/**
	 * A heartbeat showed a capturing recorder without progress: the lease holder reconciles the
	 * recording now, unless some work is queued for it (the sweep follows). The stall still needs
	 * {@code HA_STALL_TIMEOUT} without progress; this only removes the wait for the sweep.
	 */
	@EventListener
	void onStandstill(RecorderStandstill standstill) {
		RecordingId id = standstill.id();
		if (ticks.leader()) {
			workers.submit(id, () -> reconcile(id), true);
		}
	}

	/**
	 * A recording moved to STOPPING (OpenVidu's {@code stopped}, an admin stop): written down and
	 * reconciled at once, on the controller asked, whether or not the reconciler runs yet or still
	 * ({@link UnfinishedStops#onStopRequested}): a backup's stop is decided
	 * ({@link ReconcileDecision.Step#STOP_BACKUP}) and run on the stop's executor. A failure (Redis)
	 * leaves the request for the lease holder's sweep; the caller's answer never depends on it.
	 */
	@EventListener
	void onStopRequested(RecordingStopRequested stop) {
		if (!properties.failover().enabled()) {
			return;
		}
		try {
			unfinishedStops.onStopRequested(stop.id());
		}
		catch (RuntimeException ex) {
			LOG.warn("event=failover.stop_request_failed recordingId=" + stop.id() + " error="
					+ LogValues.quote(ex.getClass().getSimpleName() + ": " + ex.getMessage()));
		}
	}

	// --- the workers -----------------------------------------------------------------------

	/**
	 * Reconciles one recording on its worker (the caller's thread): every controller does on its
	 * events; only the lease holder judges and sweeps ({@link RecordingReconciler#reconcile}).
	 */
	private void reconcile(RecordingId id) {
		recordingReconciler.reconcile(id, ticks.leader());
	}

}
