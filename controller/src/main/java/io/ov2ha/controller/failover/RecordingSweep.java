package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;

/**
 * One recording of the reconciler's sweep (the lease holder, every {@code HA_RECONCILE_INTERVAL}):
 * a STOPPING one whose stop nobody finishes ({@link UnfinishedStops}); a RECORDING one gets its
 * chunk progress tracked, its backup's first chunk recorded, a backup that could not start
 * retried (while OpenVidu still has the session), a primary without a container id identified,
 * and a judgement ({@link DetectionRules}) whose action {@link RecorderChecks} decides. Every
 * action runs on the recording's worker queue, never two at once.
 */
final class RecordingSweep {

	private static final Duration PRIMARY_LOOKUP_EVERY = Duration.ofSeconds(30);

	private final FailoverStore store;

	private final FailoverReads reads;

	private final RecordingStore recordings;

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

	private final Map<String, Instant> primaryLookups = new ConcurrentHashMap<>();

	private final RecorderPeers peers;

	private final FailoverMetrics metrics;

	/**
	 * @param workers the reconciler's worker queues (new ones after a restart)
	 * @param judgingBase the heartbeat and progress rules, and the silence of a stopping recorder,
	 *        count from here (the start, or Redis's return)
	 * @param decisions where a decision on OpenVidu's answer runs for a recording
	 */
	RecordingSweep(FailoverStore store, FailoverReads reads, RecordingStore recordings, FailoverService failover,
			DetectionRules rules, OpenViduGate gate, HostPressure pressure, RecorderChecks checks,
			UnfinishedStops unfinishedStops, Supplier<KeyedExecutor> workers, Supplier<Instant> judgingBase,
			Function<RecordingId, Executor> decisions, Clock clock, RecorderPeers peers, FailoverMetrics metrics) {
		this.store = store;
		this.reads = reads;
		this.recordings = recordings;
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
	}

	/**
	 * The sweep of every non-final recording, just read; each is judged beside the others
	 * ({@link RecorderPeers}, told when they were read: the tick's time may be older).
	 */
	void sweepAll(List<Snapshot> snapshots, Instant now) {
		peers.seen(snapshots, clock.instant());
		Map<DetectionRules.Kind, Integer> waiting = new EnumMap<>(DetectionRules.Kind.class);
		for (Snapshot s : snapshots) {
			DetectionRules.Kind kind = sweep(s, now);
			if (kind != null && DetectionRules.deferred(kind)) {
				waiting.merge(kind, 1, Integer::sum);
			}
		}
		metrics.hostWaiting(waiting);
	}

	/**
	 * One recording of the sweep: what its state asks for, queued on its worker (never two at once).
	 *
	 * @return the verdict on its recorder, null when it was not judged (not recording, a backup pending)
	 */
	private DetectionRules.Kind sweep(Snapshot s, Instant now) {
		String key = s.id().value();
		if (s.status() == RecordingStatus.STOPPING) {
			unfinishedStops.sweep(s, now, judgingBase.get(), task -> workers.get().submitIfIdle(key, task));
			return null;
		}
		if (s.status() != RecordingStatus.RECORDING) {
			return null;
		}
		trackProgress(s, now);
		// one task per recording and tick: a second submitIfIdle right after a first is refused
		// while the first is queued (a backup's first-chunk check used to crowd out its judgement)
		Runnable firstChunk = s.state().awaitFirstChunkEpoch() != null ? () -> failover.checkFirstChunk(s) : null;
		Runnable askOpenVidu = () -> gate.checkBackup(s.id(), s.epoch(), decisions.apply(s.id()));
		if (s.state().pending(s.epoch())) {
			Instant next = s.state().nextAttemptAt();
			Runnable then = null;
			if (next == null || !next.isAfter(now)) {
				then = () -> failover.retryStart(s.id(), s.epoch());
			}
			else if (gate.backupCheckDue(s, now)) {
				// a backup that cannot start is retried only while OpenVidu still has the session
				then = askOpenVidu;
			}
			submit(key, firstChunk, then);
			return null;
		}
		Runnable first = firstChunk;
		if (first == null && s.epoch() == 0 && !ContainerLabels.isExactId(s.containerId())) {
			first = primaryLookup(s, now);
		}
		DetectionRules.Judgement j = rules.judge(s, now, judgingBase.get(), pressure.percent(), peers);
		Runnable then = checks.forJudgement(s, j);
		if (then == null && s.epoch() > 0 && gate.backupCheckDue(s, now)) {
			// a backup records a session OpenVidu may no longer have: ask
			then = askOpenVidu;
		}
		submit(key, first, then);
		return j.kind();
	}

	/** Queues {@code first} then {@code then} (either may be null) as one task on the recording's worker, if idle. */
	private void submit(String key, Runnable first, Runnable then) {
		if (first == null && then == null) {
			return;
		}
		workers.get().submitIfIdle(key, () -> {
			try {
				if (first != null) {
					first.run();
				}
			}
			finally {
				if (then != null) {
					then.run();
				}
			}
		});
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

	/**
	 * A primary registered without its container id: the task that finds it by OpenVidu's exact
	 * name, at most once every {@code PRIMARY_LOOKUP_EVERY} (null meanwhile). Run in the tick's one
	 * task, before the action of its judgement (judged from the tick's snapshot).
	 */
	private Runnable primaryLookup(Snapshot s, Instant now) {
		String key = s.id().value() + ":" + s.createdAt();
		Instant last = primaryLookups.get(key);
		if (last != null && last.plus(PRIMARY_LOOKUP_EVERY).isAfter(now)) {
			return null;
		}
		primaryLookups.put(key, now);
		return () -> recordings.find(s.id()).ifPresent(r -> {
			try {
				failover.currentContainer(r);
			}
			catch (RuntimeException ex) {
				// runtime unavailable: tried again later
			}
		});
	}

	/**
	 * A single recording judged now, on its worker (an unhealthy container, a heartbeat that shows a
	 * standstill): as the sweep judges it, and only when the sweep would (recording, no backup
	 * waiting for a retry).
	 */
	void evaluate(RecordingId id) {
		Instant now = clock.instant();
		reads.snapshot(id)
			.filter(s -> s.status() == RecordingStatus.RECORDING && !s.state().pending(s.epoch()))
			.map(s -> checks.forJudgement(s, rules.judge(s, now, judgingBase.get(), pressure.percent(), peers)))
			.ifPresent(Runnable::run);
	}

	/** This controller no longer sweeps (another holds the lease, or it stopped): its gauges show nothing waiting. */
	void notSweeping() {
		metrics.hostWaiting(Map.of());
	}

	void forgetOlderThan(Instant old) {
		primaryLookups.values().removeIf(t -> t.isBefore(old));
		peers.forgetOlderThan(old);
	}

}
