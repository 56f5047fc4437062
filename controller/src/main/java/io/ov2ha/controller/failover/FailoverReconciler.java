package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.docker.RuntimeEvent;
import io.ov2ha.controller.docker.RuntimeEventListener;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.LogValues;

/**
 * The failover reconciler: level-triggered and idempotent. For every active recording it
 * compares the desired state (a recorder writing until OpenVidu says stopped) with what is
 * observed (container state, heartbeat age, chunk progress) and acts.
 *
 * <ul>
 * <li><b>Docker events</b> (every controller): a die/oom of the current recorder's container
 * is handed to a worker at once, which fails over (the Redis claim lets one controller win).</li>
 * <li><b>Sweep</b> (one controller at a time, under a Redis lease, every
 * {@code HA_RECONCILE_INTERVAL}): heartbeat and chunk rules ({@link DetectionRules}), retries
 * of backups that could not start, first-chunk bookkeeping, stops left unfinished.</li>
 * <li><b>Full reconciliation</b> (the lease holder: on taking the lease, after every event
 * stream reconnection, every minute): every backup container found by label is compared with
 * the registry; stale ones are killed, lost ones adopted, deaths missed while the stream was
 * down are acted on.</li>
 * </ul>
 * Nothing is judged on heartbeats or chunks until one heartbeat timeout after start. With
 * {@code HA_OPENVIDU_SECRET} set, OpenVidu is asked before every backup and periodically while
 * one records ({@link OpenViduGate}): a session it no longer has ends the recording instead. The
 * questions run on threads of their own; the workers only act on the answers, so a slow OpenVidu
 * never holds up a failover.
 *
 * <p>
 * Started and stopped with the context; a start after a stop makes new threads (the test
 * framework pauses a cached context that way).
 */
@Component
class FailoverReconciler implements SmartLifecycle, RuntimeEventListener {

	private static final Log LOG = LogFactory.getLog(FailoverReconciler.class);

	static final String LEASE = "failover-reconciler";

	private static final Duration FULL_RECONCILE_EVERY = Duration.ofMinutes(1);

	private static final Duration INDEX_CLEANUP_EVERY = Duration.ofMinutes(10);

	private static final Duration PRIMARY_LOOKUP_EVERY = Duration.ofSeconds(30);

	private static final Duration WARN_EVERY = Duration.ofMinutes(1);

	/** A silent recorder of a saturated host: how often the runtime is asked whether it still runs. */
	private static final Duration SATURATED_SILENCE_CHECK_EVERY = Duration.ofSeconds(2);

	private final HaProperties properties;

	private final FailoverStore store;

	private final RecordingStore recordings;

	private final FailoverService failover;

	private final StopCoordinator stops;

	private final StopMarkers stopMarkers;

	private final RecorderRuntime runtime;

	private final RedisLease lease;

	private final ControllerInstance instance;

	private final Clock clock;

	private final DetectionRules rules;

	private final OpenViduGate gate;

	private final HostPressure pressure;

	private final FailoverMetrics metrics;

	private final Map<String, Instant> warned = new ConcurrentHashMap<>();

	private final Map<String, Instant> primaryLookups = new ConcurrentHashMap<>();

	private final Map<String, Instant> saturatedSilenceChecks = new ConcurrentHashMap<>();

	/** Containers the OOM killer hit (Docker sends oom before die), so the die needs no inspect. */
	private final Map<String, Instant> oomKilled = new ConcurrentHashMap<>();

	/** STOPPING recordings whose gone recorder the controller finalizes: when it last asked. */
	private final Map<String, Instant> unfinishedStops = new ConcurrentHashMap<>();

	private static final Duration UNFINISHED_STOP_EVERY = Duration.ofSeconds(30);

	private volatile boolean running;

	private volatile boolean leader;

	private volatile boolean fullReconcileRequested = true;

	private volatile Instant startedAt = Instant.EPOCH;

	private volatile Instant lastTickAt;

	private volatile Instant lastFullReconcileAt = Instant.EPOCH;

	private volatile Instant lastIndexCleanupAt = Instant.EPOCH;

	private volatile int backupsFound = -1;

	private ScheduledExecutorService ticker;

	private ExecutorService pool;

	private volatile KeyedExecutor workers;

	private AutoCloseable subscription;

	FailoverReconciler(HaProperties properties, FailoverStore store, RecordingStore recordings,
			FailoverService failover, StopCoordinator stops, RecorderRuntime runtime, RedisLease lease,
			ControllerInstance instance, Clock clock, StopMarkers stopMarkers, OpenViduGate gate,
			HostPressure pressure, FailoverMetrics metrics) {
		this.properties = properties;
		this.metrics = metrics;
		this.pressure = pressure;
		this.gate = gate;
		this.stopMarkers = stopMarkers;
		this.store = store;
		this.recordings = recordings;
		this.failover = failover;
		this.stops = stops;
		this.runtime = runtime;
		this.lease = lease;
		this.instance = instance;
		this.clock = clock;
		var hb = properties.heartbeat();
		var f = properties.failover();
		this.rules = new DetectionRules(new DetectionRules.Settings(hb.interval(), hb.timeout(), f.chunkDuration(),
				f.chunkStallTimeout(), f.stallTimeout(), f.startTimeout(), f.cpuPressureThreshold(),
				f.cpuPressureTimeout()));
	}

	// --- lifecycle -------------------------------------------------------------------------

	@Override
	public synchronized void start() {
		if (running || !properties.failover().enabled()) {
			return;
		}
		startedAt = clock.instant();
		AtomicInteger n = new AtomicInteger();
		pool = Executors.newFixedThreadPool(4, r -> {
			Thread t = new Thread(r, "failover-worker-" + n.incrementAndGet());
			t.setDaemon(true);
			return t;
		});
		workers = new KeyedExecutor(pool);
		ticker = Executors.newSingleThreadScheduledExecutor(r -> {
			Thread t = new Thread(r, "failover-reconciler");
			t.setDaemon(true);
			return t;
		});
		running = true;
		subscription = runtime.subscribe(this);
		long period = properties.failover().reconcileInterval().toMillis();
		ticker.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
		LOG.info("event=failover.reconciler_started controller=" + instance.id() + " intervalMs=" + period
				+ " judgingFrom=" + startedAt.plus(properties.heartbeat().timeout()) + " image="
				+ LogValues.quote(properties.docker().recorderImage()) + " dockerHost="
				+ LogValues.quote(properties.docker().host()));
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
			subscription.close();
		}
		catch (Exception ex) {
			// shutting down
		}
		ticker.shutdownNow();
		pool.shutdownNow();
		try {
			ticker.awaitTermination(2, TimeUnit.SECONDS);
			pool.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (leader) {
			leader = false;
			try {
				lease.release(RedisKeys.lease(LEASE));
			}
			catch (RuntimeException ex) {
				// Redis unreachable: the lease expires by itself
			}
		}
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

	boolean leader() {
		return leader;
	}

	Instant lastTickAt() {
		return lastTickAt;
	}

	/** When this controller last listed the backups by label (null: not yet). */
	Instant lastFullReconcileAt() {
		return lastFullReconcileAt.equals(Instant.EPOCH) ? null : lastFullReconcileAt;
	}

	/** Running backups the last full reconciliation found by label (-1: none yet). */
	int backupsFound() {
		return backupsFound;
	}

	Instant judgingFrom() {
		return startedAt.plus(properties.heartbeat().timeout());
	}

	// --- events (every controller) -----------------------------------------------------------

	@Override
	public void onEvent(RuntimeEvent event) {
		if (!running || !ContainerLabels.isExactId(event.containerId())) {
			return;
		}
		if (event.kind() == RuntimeEvent.Kind.OOM) {
			// the die event follows and carries the verdict
			oomKilled.put(event.containerId(), event.at());
			return;
		}
		if (event.kind() == RuntimeEvent.Kind.HEALTHY) {
			return;
		}
		workers.submit("event:" + event.containerId(), () -> {
			Optional<RecordingId> id = recordingOf(event);
			if (id.isPresent()) {
				workers.submit(id.get().value(), () -> onContainerEvent(id.get(), event));
			}
		});
	}

	private Optional<RecordingId> recordingOf(RuntimeEvent event) {
		String labelled = event.labels().get(ContainerLabels.RECORDING_ID);
		if (labelled != null && RecordingId.isValid(labelled)) {
			return Optional.of(RecordingId.of(labelled));
		}
		return store.recordingOfContainer(event.containerId());
	}

	private void onContainerEvent(RecordingId id, RuntimeEvent event) {
		Optional<Recording> found = recordings.find(id);
		if (found.isEmpty()) {
			return;
		}
		Recording r = found.get();
		if (!event.containerId().equals(r.containerId())) {
			// an earlier epoch's recorder (fenced, or killed by a failover): expected
			return;
		}
		if (event.kind() == RuntimeEvent.Kind.UNHEALTHY) {
			LOG.warn("event=failover.recorder_unhealthy recordingId=" + id + " epoch=" + r.epoch() + " containerId="
					+ ContainerLabels.shortId(event.containerId()));
			evaluate(id);
			return;
		}
		boolean oom = oomKilled.remove(event.containerId()) != null;
		onCurrentRecorderExit(r, event.containerId(), event.exitCode(), event.at(), "docker-event", oom);
	}

	/** The current epoch's container exited: a failover, unless the recording was ending. */
	private void onCurrentRecorderExit(Recording r, String containerId, Long exitCode, Instant at, String source,
			boolean oom) {
		if (r.status() != RecordingStatus.RECORDING) {
			if (r.status() == RecordingStatus.STOPPING && exitCode != null && exitCode == 0) {
				LOG.info("event=failover.recorder_finished recordingId=" + r.id() + " epoch=" + r.epoch()
						+ " containerId=" + ContainerLabels.shortId(containerId));
			}
			else if (!r.isFinal()) {
				LOG.warn("event=failover.recorder_died_while_ending recordingId=" + r.id() + " epoch=" + r.epoch()
						+ " status=" + r.status() + " exitCode=" + exitCode + " action=none");
			}
			return;
		}
		if (!oom && exitCode != null && recorderExitIsFinal(r, containerId, exitCode.intValue())) {
			return;
		}
		if (!oom && exitCode == null && stopMarkers.stoppedNormally(r.id(), r.epoch())) {
			stops.recorderFinished(r);
			return;
		}
		FailoverReason reason = oom ? FailoverReason.OOM_KILLED : FailoverReason.CONTAINER_DIED;
		FailoverService.Evidence evidence = new FailoverService.Evidence(at, source,
				"container exited" + (exitCode == null ? "" : " with code " + exitCode), containerId, false);
		replace(r, reason, evidence);
	}

	/**
	 * Exit codes of the recorder that are not a failure a backup could fix (the recorder
	 * protocol's table): 0 is a normal end whose stop notice was missed, 3 a fenced recorder, 64 an
	 * unsupported mode, 73 and 78 a configuration a backup would fail on the same way.
	 *
	 * @return true when handled here (no failover)
	 */
	private boolean recorderExitIsFinal(Recording r, String containerId, int exitCode) {
		switch (exitCode) {
			case 0 -> stops.recorderFinished(r);
			case 3, 64 -> LOG.warn("event=failover.recorder_exited recordingId=" + r.id() + " epoch=" + r.epoch()
					+ " containerId=" + ContainerLabels.shortId(containerId) + " exitCode=" + exitCode + " action=none");
			case 73, 78 -> {
				String why = "the recorder cannot run here (exit code " + exitCode + ": "
						+ (exitCode == 78 ? "invalid settings" : "recordings folder unusable")
						+ "); a backup would fail the same way";
				if (failover.fail(r, why)) {
					LOG.error("event=failover.recorder_misconfigured recordingId=" + r.id() + " epoch=" + r.epoch()
							+ " containerId=" + ContainerLabels.shortId(containerId) + " exitCode=" + exitCode
							+ " action=failed");
				}
			}
			default -> {
				return false;
			}
		}
		return true;
	}

	@Override
	public void onConnected(boolean reconnected) {
		// whatever happened while the stream was down is found by the next full reconciliation
		fullReconcileRequested = true;
	}

	@Override
	public void onDisconnected(String reason) {
		// the runtime reconnects; heartbeats and chunk progress keep covering failures meanwhile
	}

	// --- the sweep (lease holder) --------------------------------------------------------------

	void tick() {
		if (!running) {
			return;
		}
		try {
			Instant now = clock.instant();
			Duration ttl = properties.failover().reconcileInterval().multipliedBy(10);
			if (ttl.compareTo(Duration.ofSeconds(5)) < 0) {
				ttl = Duration.ofSeconds(5);
			}
			boolean holds = lease.acquireOrRenew(RedisKeys.lease(LEASE), ttl);
			if (holds != leader) {
				leader = holds;
				LOG.info("event=failover.leadership controller=" + instance.id() + " leader=" + holds);
				if (holds) {
					fullReconcileRequested = true;
				}
			}
			lastTickAt = now;
			if (!holds) {
				return;
			}
			if (fullReconcileRequested || lastFullReconcileAt.plus(FULL_RECONCILE_EVERY).isBefore(now)) {
				fullReconcile(now);
			}
			if (lastIndexCleanupAt.plus(INDEX_CLEANUP_EVERY).isBefore(now)) {
				lastIndexCleanupAt = now;
				Instant old = now.minus(INDEX_CLEANUP_EVERY);
				warned.values().removeIf(t -> t.isBefore(old));
				primaryLookups.values().removeIf(t -> t.isBefore(old));
				saturatedSilenceChecks.values().removeIf(t -> t.isBefore(old));
				oomKilled.values().removeIf(t -> t.isBefore(old));
				gate.forgetOlderThan(old);
				int removed = store.cleanContainerIndex();
				if (removed > 0) {
					LOG.info("event=failover.index_cleaned removed=" + removed);
				}
			}
			for (Snapshot s : store.snapshots()) {
				sweep(s, now);
			}
		}
		catch (RuntimeException ex) {
			if (!running) {
				return;
			}
			warnEvery("tick", "event=failover.tick_failed error=" + LogValues.quote(ex.getClass().getSimpleName()
					+ ": " + ex.getMessage()));
		}
	}

	private void sweep(Snapshot s, Instant now) {
		String key = s.id().value();
		if (s.status() == RecordingStatus.STOPPING) {
			if (s.epoch() > 0 && !s.state().pending(s.epoch())
					&& (s.state().stopHandledEpoch() == null || s.state().stopHandledEpoch() != s.epoch())
					&& s.updatedAt() != null
					&& s.updatedAt().plus(properties.failover().stopTimeout()).plusSeconds(10).isBefore(now)) {
				// a stop nobody finished (its controller died): finish it
				stops.resume(s.id());
			}
			else if (s.epoch() == 0 && recorderGoneWhileStopping(s, now)) {
				workers.submitIfIdle(key, () -> stops.finishGoneRecorder(s.id()));
			}
			return;
		}
		if (s.status() != RecordingStatus.RECORDING) {
			return;
		}
		trackProgress(s, now);
		if (s.state().awaitFirstChunkEpoch() != null) {
			workers.submitIfIdle(key, () -> failover.checkFirstChunk(s));
		}
		if (s.state().pending(s.epoch())) {
			Instant next = s.state().nextAttemptAt();
			if (next == null || !next.isAfter(now)) {
				workers.submitIfIdle(key, () -> failover.retryStart(s.id(), s.epoch()));
			}
			else if (gate.backupCheckDue(s, now)) {
				// a backup that cannot start is retried only while OpenVidu still has the session
				workers.submitIfIdle(key, () -> gate.checkBackup(s.id(), s.epoch(), decisions(s.id())));
			}
			return;
		}
		if (s.epoch() == 0 && !ContainerLabels.isExactId(s.containerId())) {
			identifyPrimary(s, now);
		}
		Runnable action = action(s, rules.judge(s, now, startedAt, pressure.percent()));
		if (action != null) {
			workers.submitIfIdle(key, action);
		}
		else if (s.epoch() > 0 && gate.backupCheckDue(s, now)) {
			// a backup records a session OpenVidu may no longer have: ask
			workers.submitIfIdle(key, () -> gate.checkBackup(s.id(), s.epoch(), decisions(s.id())));
		}
	}

	/**
	 * Where a decision on OpenVidu's answer runs: the recording's worker queue, behind what is
	 * already queued for it (never on an OpenVidu thread). Dropped once stopped.
	 */
	private Executor decisions(RecordingId id) {
		return task -> {
			if (!running) {
				return;
			}
			try {
				workers.submit(id.value(), task);
			}
			catch (RejectedExecutionException ex) {
				// stopping
			}
		};
	}

	/**
	 * A failed recorder: a backup, unless OpenVidu says the recording is over (or a stale death
	 * stays unconfirmed; {@link OpenViduGate}), which ends it instead. With the OpenVidu checks
	 * on, the backup starts on the recording's worker queue once OpenVidu answered.
	 */
	private void replace(Recording r, FailoverReason reason, FailoverService.Evidence evidence) {
		gate.beforeBackup(r, evidence, startedAt, decisions(r.id()), now -> {
			if (stillFailed(now, reason)) {
				report(failover.failover(now, reason, evidence, false), now);
			}
		});
	}

	/**
	 * Whether the recorder of {@code r} is still failed ({@link DetectionRules#stillFailed}), judged
	 * again on the recording's fresh snapshot when OpenVidu was asked first (its answer may take
	 * seconds); without the OpenVidu checks the judgement that led here is seconds old at most.
	 */
	private boolean stillFailed(Recording r, FailoverReason reason) {
		if (!gate.enabled() || !DetectionRules.JUDGED_AGAIN.contains(reason)) {
			return true;
		}
		Optional<Snapshot> s = store.snapshot(r.id())
			.filter(x -> x.epoch() == r.epoch() && x.createdAt() == r.createdAt());
		if (s.isEmpty()) {
			// no longer this recording at this epoch: the claim tells
			return true;
		}
		DetectionRules.Judgement j = rules.judge(s.get(), clock.instant(), startedAt, pressure.percent());
		if (DetectionRules.stillFailed(reason, j)) {
			return true;
		}
		metrics.recovered(reason);
		LOG.info("event=failover.recovered recordingId=" + r.id() + " epoch=" + r.epoch() + " reason=" + reason.slug()
				+ " verdict=" + j.kind() + " lastHeartbeat=" + j.lastHeartbeat() + " lastProgress=" + j.lastProgress()
				+ " action=none");
		return false;
	}

	/** What a judgement asks for: a failover check to run for the recording, or null (logged here). */
	private Runnable action(Snapshot s, DetectionRules.Judgement j) {
		String key = s.id().value();
		return switch (j.kind()) {
			case SILENT -> () -> onSilent(s.id(), s.epoch(), j, FailoverReason.HUNG);
			case START_TIMEOUT -> () -> onSilent(s.id(), s.epoch(), j, FailoverReason.START_TIMEOUT);
			case CHUNK_STALLED -> () -> onStalled(s.id(), s.epoch(), j, FailoverReason.CHUNK_STALL);
			case MEDIA_STALLED -> () -> onStalled(s.id(), s.epoch(), j, FailoverReason.MEDIA_STALL);
			case CHUNKS_ARRIVING -> {
				warnEvery("arriving:" + key, "event=failover.heartbeats_missing recordingId=" + key + " epoch="
						+ s.epoch() + " lastHeartbeat=" + j.lastHeartbeat() + " lastProgress=" + j.lastProgress()
						+ " action=none reason=recent_chunk_progress");
				yield null;
			}
			case DEFERRED_HOST_SATURATED -> {
				warnEvery("saturated:" + key, "event=failover.host_saturated recordingId=" + key + " epoch="
						+ s.epoch() + " verdict=" + j.deferred() + " lastHeartbeat=" + j.lastHeartbeat() + " lastProgress="
						+ j.lastProgress() + " cpuPressurePct=" + pressure.percent() + " waitSeconds="
						+ properties.failover().cpuPressureTimeout().toSeconds() + " action=wait");
				// no load excuses a container that exited or is gone: the runtime is asked (running: waits)
				yield j.deferred() == DetectionRules.Kind.SILENT && saturatedSilenceCheckDue(key)
						? () -> onSilent(s.id(), s.epoch(), j, null) : null;
			}
			case SLOW -> {
				warnEvery("slow:" + key, "event=failover.recorder_slow recordingId=" + key + " epoch=" + s.epoch()
						+ " speed=" + s.progress().speed() + " mediaTimeMs=" + s.progress().mediaTimeMs()
						+ " action=none reason=advancing_slower_than_real_time");
				yield null;
			}
			default -> null;
		};
	}

	/**
	 * OpenVidu's recorder of a STOPPING recording went silent long ago without asking for its
	 * finalization (the controller was unreachable then): finalize it, once in a while.
	 */
	private boolean recorderGoneWhileStopping(Snapshot s, Instant now) {
		Duration quiet = properties.heartbeat().timeout();
		boolean silent = s.heartbeatAt() == null || s.heartbeatAt().plus(quiet).isBefore(now);
		boolean stoppedLongAgo = s.updatedAt() != null
				&& s.updatedAt().plus(properties.failover().stopTimeout()).plusSeconds(10).isBefore(now);
		if (!silent || !stoppedLongAgo || startedAt.plus(quiet).isAfter(now)) {
			return false;
		}
		Instant last = unfinishedStops.get(s.id().value());
		if (last != null && last.plus(UNFINISHED_STOP_EVERY).isAfter(now)) {
			return false;
		}
		unfinishedStops.put(s.id().value(), now);
		return true;
	}

	/** Chunk progress is the highest chunk from the manifest or a heartbeat; remember when it grew. */
	private void trackProgress(Snapshot s, Instant now) {
		long seq = s.progressSeq();
		Long known = s.state().progressSeq();
		if (seq >= 0 && (known == null || seq > known)) {
			store.update(s.id(), s.createdAt(), null, null,
					Map.of("progressSeq", Long.toString(seq), "progressAt", Long.toString(now.toEpochMilli())));
		}
	}

	/** A primary registered without its container id: find it once by OpenVidu's exact name. */
	private void identifyPrimary(Snapshot s, Instant now) {
		String key = s.id().value() + ":" + s.createdAt();
		Instant last = primaryLookups.get(key);
		if (last != null && last.plus(PRIMARY_LOOKUP_EVERY).isAfter(now)) {
			return;
		}
		primaryLookups.put(key, now);
		workers.submitIfIdle(s.id().value(), () -> recordings.find(s.id()).ifPresent(r -> {
			try {
				failover.currentContainer(r);
			}
			catch (RuntimeException ex) {
				// runtime unavailable: tried again later
			}
		}));
	}

	private boolean saturatedSilenceCheckDue(String key) {
		Instant now = clock.instant();
		Instant last = saturatedSilenceChecks.get(key);
		if (last != null && last.plus(SATURATED_SILENCE_CHECK_EVERY).isAfter(now)) {
			return false;
		}
		saturatedSilenceChecks.put(key, now);
		return true;
	}

	/**
	 * Silent, or not started in time: the runtime decides. Running: killed and replaced
	 * ({@code whenRunning}: hung or start-timeout; null: left alone, the host is saturated);
	 * exited: its exit code decides; gone: heartbeat-lost (or its normal stop).
	 */
	private void onSilent(RecordingId id, long epoch, DetectionRules.Judgement j, FailoverReason whenRunning) {
		Optional<Recording> found = current(id, epoch);
		if (found.isEmpty() || gate.awaiting(found.get()) || !runtimeReachable(id)) {
			return;
		}
		Recording r = found.get();
		Optional<RecorderContainer> c = currentContainerQuietly(r);
		FailoverService.Evidence evidence;
		FailoverReason reason;
		if (c.isPresent() && c.get().running()) {
			if (whenRunning == null) {
				return;
			}
			reason = whenRunning;
			evidence = whenRunning == FailoverReason.START_TIMEOUT
					? new FailoverService.Evidence(j.lastHeartbeat(), "start-deadline", "still starting "
							+ properties.failover().startTimeout().toSeconds() + " s after its start while the container runs",
							c.get().id(), true)
					: new FailoverService.Evidence(j.lastHeartbeat(), "last-heartbeat",
							"no heartbeat since " + j.lastHeartbeat() + " while the container runs", c.get().id(), true);
		}
		else if (c.isPresent()) {
			// it exited while nobody listened: its exit code decides, as for a Docker event
			onCurrentRecorderExit(r, c.get().id(), c.get().exitCode(),
					c.get().finishedAt() != null ? c.get().finishedAt() : j.lastHeartbeat(), "container-finished",
					c.get().oomKilled());
			return;
		}
		else if (stopMarkers.stoppedNormally(r.id(), r.epoch())) {
			// gone (OpenVidu removes its container after the stop) but it stopped normally
			stops.recorderFinished(r);
			return;
		}
		else {
			reason = FailoverReason.HEARTBEAT_LOST;
			evidence = new FailoverService.Evidence(j.lastHeartbeat(), "last-heartbeat",
					"no heartbeat since " + j.lastHeartbeat() + " and no such container on the runtime",
					r.containerId(), false);
		}
		replace(r, reason, evidence);
	}

	private void onStalled(RecordingId id, long epoch, DetectionRules.Judgement j, FailoverReason reason) {
		Optional<Recording> found = current(id, epoch);
		if (found.isEmpty() || gate.awaiting(found.get()) || !runtimeReachable(id)) {
			return;
		}
		Recording r = found.get();
		Optional<RecorderContainer> c = currentContainerQuietly(r);
		if (c.isPresent() && !c.get().running()) {
			onCurrentRecorderExit(r, c.get().id(), c.get().exitCode(),
					c.get().finishedAt() != null ? c.get().finishedAt() : j.lastProgress(), "container-finished",
					c.get().oomKilled());
			return;
		}
		FailoverService.Evidence evidence = reason == FailoverReason.MEDIA_STALL
				? new FailoverService.Evidence(j.lastProgress(), "last-progress",
						"heartbeats arrive but the media time has not advanced since " + j.lastProgress(),
						c.map(RecorderContainer::id).orElse(r.containerId()), true)
				: new FailoverService.Evidence(j.lastProgress(), "last-chunk",
						"heartbeats arrive but no new complete chunk since " + j.lastProgress(),
						c.map(RecorderContainer::id).orElse(r.containerId()), true);
		replace(r, reason, evidence);
	}

	private Optional<Recording> current(RecordingId id, long epoch) {
		return recordings.find(id).filter(r -> r.status() == RecordingStatus.RECORDING && r.epoch() == epoch);
	}

	private Optional<RecorderContainer> currentContainerQuietly(Recording r) {
		try {
			return failover.currentContainer(r);
		}
		catch (RuntimeException ex) {
			return Optional.empty();
		}
	}

	private boolean runtimeReachable(RecordingId id) {
		var status = runtime.status();
		if (!status.reachable()) {
			warnEvery("unreachable", "event=failover.deferred recordingId=" + id + " reason=runtime_unavailable error="
					+ LogValues.quote(status.error()));
		}
		return status.reachable();
	}

	/** A single recording, now (an unhealthy event). */
	private void evaluate(RecordingId id) {
		Instant now = clock.instant();
		store.snapshots()
			.stream()
			.filter(s -> s.id().equals(id))
			.findFirst()
			.map(s -> action(s, rules.judge(s, now, startedAt, pressure.percent())))
			.ifPresent(Runnable::run);
	}

	private void report(FailoverService.Outcome outcome, Recording r) {
		switch (outcome.code()) {
			case CLAIMED, EXHAUSTED, NOT_RECORDING, NOT_FOUND -> {
			}
			case EPOCH_CHANGED, PENDING -> LOG.info("event=failover.claim_lost recordingId=" + r.id() + " observedEpoch="
					+ r.epoch() + " currentEpoch=" + outcome.current() + " reason=another_controller_or_event_won");
			case BACKOFF, CAPPED -> warnEvery("backoff:" + r.id(), "event=failover.backoff recordingId=" + r.id()
					+ " epoch=" + r.epoch() + " retryAt=" + outcome.retryAt());
			case NO_ENVIRONMENT -> warnEvery("noenv:" + r.id(), "event=failover.impossible recordingId=" + r.id()
					+ " reason=no_openvidu_environment detail=\"the recorder never registered\"");
			default -> LOG.warn("event=failover.refused recordingId=" + r.id() + " code=" + outcome.code());
		}
	}

	// --- full reconciliation -------------------------------------------------------------------

	private void fullReconcile(Instant now) {
		if (!runtime.status().reachable()) {
			return;
		}
		List<RecorderContainer> containers;
		try {
			containers = runtime.listByLabels(ContainerLabels.managedBackups());
		}
		catch (RuntimeException ex) {
			warnEvery("full", "event=failover.full_reconcile_deferred error=" + LogValues.quote(ex.getMessage()));
			return;
		}
		fullReconcileRequested = false;
		lastFullReconcileAt = now;
		Map<String, Integer> counts = new HashMap<>();
		for (RecorderContainer c : containers) {
			String id = c.labels().get(ContainerLabels.RECORDING_ID);
			if (id == null || !RecordingId.isValid(id)) {
				continue;
			}
			counts.merge(c.running() ? "running" : "exited", 1, Integer::sum);
			workers.submit(id, () -> reconcileContainer(RecordingId.of(id), c));
		}
		backupsFound = counts.getOrDefault("running", 0);
		LOG.info("event=failover.full_reconcile controller=" + instance.id() + " backups=" + containers.size()
				+ " running=" + counts.getOrDefault("running", 0));
	}

	private void reconcileContainer(RecordingId id, RecorderContainer c) {
		Optional<Recording> found = recordings.find(id);
		Long epoch = FailoverState.number(c.labels().get(ContainerLabels.EPOCH));
		Long createdAt = FailoverState.number(c.labels().get(ContainerLabels.RECORDING_CREATED_AT));
		if (found.isEmpty() || epoch == null || createdAt == null) {
			if (c.running()) {
				warnEvery("orphan:" + c.id(), "event=failover.unknown_backup containerId="
						+ ContainerLabels.shortId(c.id()) + " name=" + c.name() + " action=none"
						+ " reason=recording_not_in_this_registry");
			}
			return;
		}
		Recording r = found.get();
		boolean sameRecording = createdAt == r.createdAt();
		boolean stale = !sameRecording || r.isFinal() || epoch < r.epoch();
		if (stale) {
			if (c.running()) {
				// a recorder that no longer holds its recording's epoch must never write: kill it
				LOG.warn("event=failover.stale_backup recordingId=" + id + " epoch=" + epoch + " currentEpoch="
						+ r.epoch() + " status=" + r.status() + " containerId=" + ContainerLabels.shortId(c.id())
						+ " action=kill");
				failover.killQuietly(c.id());
			}
			else if (!sameRecording || r.isFinal()) {
				runtime.remove(c.id());
			}
			return;
		}
		if (epoch > r.epoch()) {
			warnEvery("ahead:" + c.id(), "event=failover.backup_ahead recordingId=" + id + " epoch=" + epoch
					+ " currentEpoch=" + r.epoch() + " containerId=" + ContainerLabels.shortId(c.id())
					+ " action=none reason=its_calls_are_refused_and_it_exits");
			return;
		}
		// the current epoch's backup
		if (r.containerId().isEmpty()) {
			if (c.running()) {
				// started by an attempt whose controller died before recording it
				failover.startBackup(id, epoch, 0);
			}
			return;
		}
		if (!r.containerId().equals(c.id())) {
			if (c.running()) {
				LOG.warn("event=failover.duplicate_backup recordingId=" + id + " epoch=" + epoch + " containerId="
						+ ContainerLabels.shortId(c.id()) + " recorded=" + ContainerLabels.shortId(r.containerId())
						+ " action=kill");
				failover.killQuietly(c.id());
			}
			return;
		}
		if (!c.running()) {
			Optional<RecorderContainer> inspected = runtime.inspect(c.id());
			Long exitCode = inspected.map(RecorderContainer::exitCode).orElse(null);
			Instant at = inspected.map(RecorderContainer::finishedAt).orElse(null);
			onCurrentRecorderExit(r, c.id(), exitCode, at, "container-finished",
					inspected.map(RecorderContainer::oomKilled).orElse(false));
		}
	}

	private void warnEvery(String key, String line) {
		Instant now = clock.instant();
		Instant last = warned.get(key);
		if (last == null || last.plus(WARN_EVERY).isBefore(now)) {
			warned.put(key, now);
			LOG.warn(line);
		}
	}

}
