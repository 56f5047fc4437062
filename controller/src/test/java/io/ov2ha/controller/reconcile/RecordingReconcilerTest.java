package io.ov2ha.controller.reconcile;

import static io.ov2ha.controller.reconcile.ReconcileDecision.Step.ABANDON;
import static io.ov2ha.controller.reconcile.ReconcileDecision.Step.ASK_OPENVIDU;
import static io.ov2ha.controller.reconcile.ReconcileDecision.Step.CHECK_FIRST_CHUNK;
import static io.ov2ha.controller.reconcile.ReconcileDecision.Step.CHECK_RECORDER;
import static io.ov2ha.controller.reconcile.ReconcileDecision.Step.FINISH_GONE_RECORDER;
import static io.ov2ha.controller.reconcile.ReconcileDecision.Step.HANDLE_EXIT;
import static io.ov2ha.controller.reconcile.ReconcileDecision.Step.LOOKUP_PRIMARY;
import static io.ov2ha.controller.reconcile.ReconcileDecision.Step.RESUME_FINALIZATION;
import static io.ov2ha.controller.reconcile.ReconcileDecision.Step.RETRY_START;
import static io.ov2ha.controller.reconcile.ReconcileDecision.Step.STOP_BACKUP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.failover.DetectionRules;
import io.ov2ha.controller.failover.DetectionSettings;
import io.ov2ha.controller.failover.FailoverMetrics;
import io.ov2ha.controller.failover.FailoverState;
import io.ov2ha.controller.failover.HostPressure;
import io.ov2ha.controller.failover.Judgement;
import io.ov2ha.controller.failover.Judgement.Kind;
import io.ov2ha.controller.failover.OpenViduAsks;
import io.ov2ha.controller.failover.OpenViduGate;
import io.ov2ha.controller.failover.RecorderCensus;
import io.ov2ha.controller.failover.RecorderPeers;
import io.ov2ha.controller.failover.Snapshot;
import io.ov2ha.controller.failover.StopCoordinator;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.openvidu.OpenViduClient;
import io.ov2ha.controller.openvidu.OpenViduClients;
import io.ov2ha.controller.reconcile.ReconcileDecision.Step;
import io.ov2ha.controller.recording.RecorderProgress;
import io.ov2ha.controller.recording.RecorderProgress.Phase;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.support.HandOver;
import io.ov2ha.controller.support.MutableClock;
import io.ov2ha.controller.support.ThrottledWarnings;

/**
 * The sweep around its pure decision ({@link ReconcileDecisionTest}): one task per recording and tick,
 * nothing piled up on a busy recording, each throttle marked when its step is chosen, only then
 * (and then even when the worker is busy), an exit an event source wrote down handled alone and
 * once, and a controller without the lease that only handles exits. Workers never run here: the
 * tasks reach collaborators this test does not build; what is queued is counted.
 */
class RecordingReconcilerTest {

	private static final Instant T = Instant.parse("2026-12-05T12:00:00Z");

	private static final String EXACT = "c".repeat(64);

	private final MutableClock clock = new MutableClock(T);

	/** What the workers were handed (one drain per recording that was idle). */
	private final List<Runnable> queued = new ArrayList<>();

	private final KeyedExecutor workers = new KeyedExecutor(HandOver.to(queued::add));

	private final RecorderExits exits = new RecorderExits(clock);

	/** The reconciler's STOPPING recordings: stop requests are written down here. */
	private UnfinishedStops stops;

	/** What a stop's reconciliation reads ({@link UnfinishedStops#reconcileRequested}). */
	private final Map<RecordingId, Optional<Snapshot>> snapshots = new HashMap<>();

	/** The backups whose stop was handed to the stop's executor. */
	private final List<RecordingId> backupsStopped = new ArrayList<>();

	private final StopCoordinator stopCoordinator = new StopCoordinator(null, null, null, null, null, null, null, null,
			clock) {

		@Override
		public void stopBackup(RecordingId id) {
			backupsStopped.add(id);
		}

	};

	@TempDir
	Path dir;

	private Path pressureFile;

	@BeforeEach
	void pressure() throws IOException {
		pressureFile = dir.resolve("cpu");
		pressure(10);
	}

	private void pressure(double percent) throws IOException {
		Files.writeString(pressureFile,
				"some avg10=" + percent + " avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
	}

	private RecordingReconciler sweep(boolean openVidu) {
		return sweep(openVidu, true);
	}

	private RecordingReconciler sweep(boolean openVidu, boolean failoverEnabled) {
		HaProperties properties = new Binder(new MapConfigurationPropertySource(
				Map.of("ha.failover.enabled", "true", "ha.failover.cpu-pressure-file", pressureFile.toString())))
			.bind("ha", HaProperties.class)
			.get();
		DetectionRules rules = new DetectionRules(new DetectionSettings(Duration.ofSeconds(1), Duration.ofSeconds(4),
				Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(2), Duration.ofSeconds(60), 80,
				Duration.ofSeconds(30)));
		OpenViduClient client = openVidu ? OpenViduClients.of("http://127.0.0.1:9", "not-asked-here")
				: OpenViduClients.of("", "");
		OpenViduGate gate = new OpenViduGate(client, null, null, new OpenViduAsks(), null, clock);
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		HostPressure pressure = new HostPressure(properties, clock, registry);
		RecorderChecks checks = new RecorderChecks(properties, null, null, null, null, runtime(), clock, gate, pressure,
				new ThrottledWarnings(clock), null, null);
		stops = new UnfinishedStops(properties, stopCoordinator, clock,
				id -> snapshots.getOrDefault(id, Optional.empty()));
		PrimaryLookups lookups = new PrimaryLookups(null, null);
		FinalizationResumes resumes = new FinalizationResumes(null, Duration.ofSeconds(10));
		StaleRecordings stale = new StaleRecordings(null, STALE, clock, () -> staleJudgingFrom);
		return new RecordingReconciler(null, null, rules, gate, pressure, checks, stops, () -> workers,
				() -> T.minusSeconds(3600), clock, new RecorderPeers(Duration.ofSeconds(1), Duration.ofSeconds(2)),
				new FailoverMetrics(registry, new RecorderCensus(null, clock), client), exits, lookups, resumes, stale,
				new ReconcileActions(null, null, lookups, gate, id -> Runnable::run, checks, stops, resumes, stale),
				failoverEnabled);
	}

	/** Containers whose Docker engine is lost (several engines): the only question the reconciler asks the runtime. */
	private final Set<String> lostEngines = new HashSet<>();

	private RecorderRuntime runtime() {
		return (RecorderRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { RecorderRuntime.class }, (proxy, method, args) -> {
					if (method.getName().equals("engineLost")) {
						return lostEngines.contains((String) args[0]);
					}
					throw new UnsupportedOperationException("the reconciler does not call " + method.getName());
				});
	}

	/**
	 * A RECORDING recording whose recorder of {@code epoch} captures, its last heartbeat and
	 * progress {@code silentFor} ago.
	 */
	private Snapshot recording(String id, long epoch, String containerId, double silentFor, FailoverState state) {
		Instant last = clock.instant().minusMillis(Math.round(silentFor * 1000));
		RecorderProgress progress = new RecorderProgress(epoch, Phase.CAPTURING, 60_000L, 1500L, 1.0, last);
		return new Snapshot(RecordingId.of(id), 1L, RecordingStatus.RECORDING, epoch, containerId, last, null, null,
				null, 0, T.minusSeconds(600), T.minusSeconds(600), state, progress);
	}

	private static FailoverState state(Long pendingEpoch, Instant nextAttemptAt, Long awaitFirstChunkEpoch,
			Instant epochSince) {
		return new FailoverState(1L, null, pendingEpoch, pendingEpoch == null ? 0 : 1, "", nextAttemptAt, "",
				epochSince, awaitFirstChunkEpoch, null, null, null, null, "", "", null, null);
	}

	private Snapshot healthy(String id) {
		return recording(id, 0, EXACT, 0.5, FailoverState.NONE);
	}

	private Snapshot silent(String id) {
		return recording(id, 0, EXACT, 10, FailoverState.NONE);
	}

	private Snapshot unidentified(String id, Long awaitFirstChunkEpoch) {
		return recording(id, 0, "", 0.5, state(null, null, awaitFirstChunkEpoch, null));
	}

	private Snapshot backup(String id, double silentFor, Long awaitFirstChunkEpoch) {
		return recording(id, 1, EXACT, silentFor, state(null, null, awaitFirstChunkEpoch, T.minusSeconds(300)));
	}

	/** The steps decided {@code seconds} after T for the snapshot read then. */
	private List<Step> at(RecordingReconciler sweep, Supplier<Snapshot> read, double seconds) {
		clock.set(T.plusMillis(Math.round(seconds * 1000)));
		return sweep.decide(read.get(), clock.instant(), true).decision().steps();
	}

	@Test
	void everyRecordingWithSomethingToDoGetsOneTaskPerTickAndABusyOneNothingMore() {
		RecordingReconciler sweep = sweep(false);
		List<Snapshot> snapshots = List.of(healthy("ses_Healthy"), silent("ses_Silent"),
				backup("ses_Backup", 10, 1L), unidentified("ses_Unknown", null));
		assertThat(sweep.decide(snapshots.get(2), T, true).decision().steps()).as("first chunk and check, together")
			.containsExactly(CHECK_FIRST_CHUNK, CHECK_RECORDER);
		sweep.sweepAll(snapshots, T);
		assertThat(queued).as("the silent primary, the backup, the lookup: one task each").hasSize(3);
		clock.set(T.plusSeconds(1));
		sweep.sweepAll(snapshots, clock.instant());
		assertThat(queued).as("their tasks still queued: nothing piled up behind them").hasSize(3);
	}

	@Test
	void aRecordingNoRecorderIsTrackedForIsNeverJudgedEvenWithFailoverOn() {
		RecordingReconciler sweep = sweep(true);
		List<Snapshot> untracked = List.of(silent("ses_Silent"), backup("ses_Backup", 10, 1L),
				unidentified("ses_Unknown", 1L));
		sweep.sweepUntracked(untracked, T.plusSeconds(60));
		assertThat(queued).as("no check, retry, lookup or question of a recorder").isEmpty();
	}

	@Test
	void aPrimarysLookupIsThrottledFromWhenItWasChosenOnly() {
		RecordingReconciler sweep = sweep(false);
		assertThat(at(sweep, () -> unidentified("ses_Lookup", 0L), 0)).as("the first chunk first: no lookup yet")
			.containsExactly(CHECK_FIRST_CHUNK);
		Supplier<Snapshot> s = () -> unidentified("ses_Lookup", null);
		assertThat(at(sweep, s, 1)).as("not throttled by the tick that did not choose it").containsExactly(LOOKUP_PRIMARY);
		assertThat(at(sweep, s, 2)).isEmpty();
		assertThat(at(sweep, s, 30.9)).isEmpty();
		assertThat(at(sweep, s, 31)).containsExactly(LOOKUP_PRIMARY);
	}

	@Test
	void aStepChosenForABusyRecordingCountsAsAsked() {
		RecordingReconciler sweep = sweep(false);
		Snapshot s = unidentified("ses_Busy", null);
		workers.submit(s.id().value(), () -> {
		});
		int before = queued.size();
		sweep.sweepAll(List.of(s), T);
		assertThat(queued).as("busy: refused").hasSize(before);
		assertThat(at(sweep, () -> s, 1)).as("asked at the refused tick: not again for 30 s").isEmpty();
	}

	@Test
	void openVidusCheckOfABackupIsThrottledFromWhenItWasChosenOnly() {
		RecordingReconciler sweep = sweep(true);
		Supplier<Snapshot> retryDue = () -> recording("ses_Pending", 1, EXACT, 10, state(1L, T.minusSeconds(1), null, T));
		assertThat(at(sweep, retryDue, 0)).as("the retry wins").containsExactly(RETRY_START);
		Supplier<Snapshot> waiting = () -> recording("ses_Pending", 1, EXACT, 10, state(1L, T.plusSeconds(60), null, T));
		assertThat(at(sweep, waiting, 1)).as("not throttled by the retry").containsExactly(ASK_OPENVIDU);
		assertThat(at(sweep, waiting, 2)).isEmpty();
		Supplier<Snapshot> running = () -> backup("ses_Pending", 0.5, null);
		assertThat(at(sweep, running, 5)).isEmpty();
		assertThat(at(sweep, running, 11)).as("HA_OPENVIDU_CHECK_INTERVAL (10 s) after it was chosen")
			.containsExactly(ASK_OPENVIDU);
	}

	@Test
	void aRecorderWhoseEngineIsLostIsJudgedWithoutWaitingAsOnABusyHost() throws IOException {
		pressure(95);
		RecordingReconciler sweep = sweep(false);
		clock.set(T);
		assertThat(sweep.decide(silent("ses_Lost"), T, true).judgement().kind()).as("its engine answers: a busy host")
			.isEqualTo(Kind.DEFERRED_HOST_SATURATED);
		lostEngines.add(EXACT);
		RecordingReconciler.Decided d = sweep.decide(silent("ses_Lost"), T, true);
		assertThat(d.judgement().kind()).as("its engine is lost: its host is gone, not busy").isEqualTo(Kind.SILENT);
		assertThat(d.decision().steps()).containsExactly(CHECK_RECORDER);
		assertThat(sweep.decide(healthy("ses_Lost"), T, true).judgement().kind()).as("nothing else changes")
			.isEqualTo(Kind.HEALTHY);
	}

	@Test
	void aSilenceDeferredForASaturatedHostAsksTheRuntimeEveryFewSeconds() throws IOException {
		pressure(95);
		RecordingReconciler sweep = sweep(false);
		Snapshot s = silent("ses_Saturated");
		clock.set(T);
		Judgement j = sweep.decide(s, T, true).judgement();
		assertThat(j.kind()).isEqualTo(Kind.DEFERRED_HOST_SATURATED);
		assertThat(j.deferred()).isEqualTo(Kind.SILENT);
		assertThat(at(sweep, () -> s, 0.5)).as("asked at 0 s").isEmpty();
		assertThat(at(sweep, () -> s, 1.9)).isEmpty();
		assertThat(at(sweep, () -> s, 2)).containsExactly(CHECK_RECORDER);
		assertThat(at(sweep, () -> s, 3)).isEmpty();
	}

	@Test
	void aGoneRecordersFinalizationIsAskedForEveryThirtySeconds() {
		RecordingReconciler sweep = sweep(false);
		Instant longAgo = T.minusSeconds(100);
		Supplier<Snapshot> stopping = () -> new Snapshot(RecordingId.of("ses_Gone"), 1L, RecordingStatus.STOPPING, 0,
				EXACT, longAgo, null, null, null, 0, longAgo, longAgo, FailoverState.NONE,
				new RecorderProgress(0L, Phase.CAPTURING, 60_000L, 1500L, 1.0, longAgo));
		assertThat(at(sweep, stopping, 0)).containsExactly(FINISH_GONE_RECORDER);
		assertThat(at(sweep, stopping, 29.9)).isEmpty();
		assertThat(at(sweep, stopping, 30)).containsExactly(FINISH_GONE_RECORDER);
	}

	@Test
	void aBackupsUnfinishedStopIsTakenUpAgainEveryTenSecondsWhileItStaysUnfinished() {
		RecordingReconciler sweep = sweep(false);
		Instant longAgo = T.minusSeconds(600);
		Supplier<Snapshot> stopping = () -> new Snapshot(RecordingId.of("ses_Unfinished"), 1L,
				RecordingStatus.STOPPING, 1, EXACT, longAgo, null, null, null, 1, longAgo, longAgo, FailoverState.NONE,
				new RecorderProgress(1L, Phase.CAPTURING, 60_000L, 1500L, 1.0, longAgo));
		assertThat(at(sweep, stopping, 0)).containsExactly(STOP_BACKUP);
		assertThat(at(sweep, stopping, 0.5)).as("its stop may be in flight elsewhere: not every tick").isEmpty();
		assertThat(at(sweep, stopping, 9.9)).isEmpty();
		assertThat(at(sweep, stopping, 10)).containsExactly(STOP_BACKUP);
		stops.requested(stopping.get().id());
		assertThat(at(sweep, stopping, 10.5)).as("a stop requested meanwhile is not held back")
			.containsExactly(STOP_BACKUP);
		assertThat(at(sweep, stopping, 20.4)).isEmpty();
		assertThat(at(sweep, stopping, 20.5)).containsExactly(STOP_BACKUP);
	}

	@Test
	void anExitAnEventSourceSawIsHandledAloneAndOnceAndOneRefusedForTheBackoffOnceItEnds() {
		RecordingReconciler sweep = sweep(false);
		Snapshot s = silent("ses_Exited");
		exits.seen(s.id(), EXACT, 137L, T, "docker-event");
		assertThat(sweep.decide(s, T, true).judgement()).as("an exited recorder is not judged").isNull();
		assertThat(at(sweep, () -> s, 0)).as("not a silence: an exit").containsExactly(HANDLE_EXIT);
		assertThat(sweep.decide(s, T, false).decision().steps()).as("by any controller").containsExactly(HANDLE_EXIT);
		sweep.sweepAll(List.of(s), T);
		assertThat(queued).hasSize(1);
		RecorderExits.Exit exit = exits.take(EXACT, T).orElseThrow();
		assertThat(exits.take(EXACT, T)).as("taken once").isEmpty();
		assertThat(at(sweep, () -> s, 0.5)).as("handled: the silence is judged again").containsExactly(CHECK_RECORDER);
		// its backup refused for the back-off (ending 3 s after T): decided again once it ends
		exits.later(s.id(), exit.withRemoved(false), T.plusSeconds(3));
		assertThat(at(sweep, () -> s, 1)).as("waits: no check of a recorder known dead").isEmpty();
		assertThat(exits.dueRetries(clock.instant())).isEmpty();
		assertThat(exits.take(EXACT, clock.instant())).as("not before the back-off's end").isEmpty();
		Instant due = T.plusSeconds(3).plus(RecorderExits.RETRY_MARGIN);
		assertThat(at(sweep, () -> s, (due.toEpochMilli() - T.toEpochMilli()) / 1000.0)).containsExactly(HANDLE_EXIT);
		assertThat(exits.dueRetries(due)).as("its recording queued again, once").containsExactly(s.id());
		assertThat(exits.dueRetries(due)).isEmpty();
		assertThat(exits.take(EXACT, due)).as("the exit as first seen, with the evidence first found")
			.contains(exit.withRemoved(false));
	}

	@Test
	void aStopRequestedIsDecidedOnceByTheControllerAskedOnceItsRecordingIsReadStopping() {
		RecordingReconciler sweep = sweep(false);
		Snapshot before = backup("ses_Stop", 0.5, null);
		Snapshot stopping = new Snapshot(before.id(), 1L, RecordingStatus.STOPPING, 1, EXACT, T, null, null, null, 1,
				T.minusSeconds(600), T, before.state(), before.progress());
		stops.requested(before.id());
		assertThat(sweep.decide(before, T, false).decision().steps()).as("read before the stop: left").isEmpty();
		assertThat(stops.requestedNotDecided()).containsExactly(before.id());
		assertThat(sweep.decide(stopping, T, false).decision().steps()).as("by any controller")
			.containsExactly(STOP_BACKUP);
		assertThat(sweep.decide(stopping, T.plus(UnfinishedStops.UNFINISHED_EVERY), true).decision().steps())
			.as("decided once: not long unfinished yet")
			.isEmpty();
		assertThat(stops.requestedNotDecided()).isEmpty();
		// a primary's stop is OpenVidu's: the request is taken, nothing done
		Snapshot primary = new Snapshot(RecordingId.of("ses_StopPrimary"), 1L, RecordingStatus.STOPPING, 0, EXACT, T,
				null, null, null, 0, T.minusSeconds(600), T, FailoverState.NONE, before.progress());
		stops.requested(primary.id());
		assertThat(sweep.decide(primary, T, true).decision().steps()).isEmpty();
		assertThat(stops.requestedNotDecided()).isEmpty();
	}

	@Test
	void aStopsOwnReconciliationStopsNothingButABackupAndTakesTheRequest() {
		sweep(false);
		Snapshot before = backup("ses_StopHere", 0.5, null);
		Snapshot stopping = new Snapshot(before.id(), 1L, RecordingStatus.STOPPING, 1, EXACT, T, null, null, null, 1,
				T.minusSeconds(600), T, before.state(), before.progress());
		snapshots.put(before.id(), Optional.of(stopping));
		stops.onStopRequested(before.id());
		assertThat(backupsStopped).containsExactly(before.id());
		assertThat(stops.requestedNotDecided()).isEmpty();
		stops.reconcileRequested(before.id());
		assertThat(backupsStopped).as("once").containsExactly(before.id());
		backupsStopped.clear();
		// a primary, STOPPING: OpenVidu's to stop
		Snapshot primary = new Snapshot(before.id(), 1L, RecordingStatus.STOPPING, 0, EXACT, T, null, null, null, 0,
				T.minusSeconds(600), T, FailoverState.NONE, before.progress());
		snapshots.put(before.id(), Optional.of(primary));
		stops.requested(before.id());
		stops.reconcileRequested(before.id());
		assertThat(stops.requestedNotDecided()).isEmpty();
		// gone (final and expired): nothing to stop
		snapshots.put(before.id(), Optional.empty());
		stops.requested(before.id());
		stops.reconcileRequested(before.id());
		assertThat(stops.requestedNotDecided()).isEmpty();
		// read before the stop (still RECORDING): left for the sweep
		snapshots.put(before.id(), Optional.of(before));
		stops.requested(before.id());
		stops.reconcileRequested(before.id());
		assertThat(stops.requestedNotDecided()).containsExactly(before.id());
		assertThat(backupsStopped).isEmpty();
	}

	@Test
	void aControllerWithoutTheLeaseNeitherJudgesNorAsks() {
		RecordingReconciler sweep = sweep(true);
		Snapshot silentBackup = backup("ses_Elsewhere", 10, 1L);
		ReconcileDecision d = sweep.decide(silentBackup, T, false).decision();
		assertThat(d.steps()).as(d.why()).isEmpty();
		assertThat(sweep.decide(silentBackup, T, false).judgement()).isNull();
		Snapshot healthyBackup = backup("ses_Elsewhere", 0.5, null);
		assertThat(sweep.decide(healthyBackup, T, false).decision().steps()).isEmpty();
		assertThat(at(sweep, () -> healthyBackup, 0)).as("OpenVidu's check not marked as asked by the other")
			.containsExactly(ASK_OPENVIDU);
	}

	@Test
	void anEarlierRecordersExitChangesNothing() {
		RecordingReconciler sweep = sweep(false);
		exits.seen(RecordingId.of("ses_Moved"), "a".repeat(64), 137L, T, "docker-event");
		assertThat(at(sweep, () -> healthy("ses_Moved"), 0)).isEmpty();
		assertThat(at(sweep, () -> silent("ses_Moved"), 0)).containsExactly(CHECK_RECORDER);
	}

	@Test
	void everyCheckADecisionCanAskForHasItsTask() {
		Snapshot s = silent("ses_Tasks");
		RecorderChecks checks = new RecorderChecks(null, null, null, null, null, null, clock, null, null, null, null,
				null);
		for (Kind kind : Kind.values()) {
			for (Kind deferred : Kind.values()) {
				Judgement j = new Judgement(kind, T, T, DetectionRules.deferred(kind) ? deferred : null);
				if (ReconcileDecision.checks(j, true)) {
					// built without throwing (its collaborators are only reached when it runs)
					assertThat(checks.task(s, j)).as("%s", j).isNotNull();
				}
				else {
					assertThatThrownBy(() -> checks.task(s, j)).as("%s: never decided", j)
						.isInstanceOf(IllegalArgumentException.class);
				}
			}
		}
	}

	/** A FINALIZING recording whose status changed {@code since} seconds before T. */
	private static Snapshot finalizing(String id, double since) {
		Instant changed = T.minusMillis(Math.round(since * 1000));
		return new Snapshot(RecordingId.of(id), 1L, RecordingStatus.FINALIZING, 1, EXACT, changed, null, null, null, 1,
				T.minusSeconds(600), changed, FailoverState.NONE, null);
	}

	@Test
	void aFinalizationIsAskedAboutOneIntervalAfterItsStatusChangeThenOncePerInterval() {
		for (boolean failoverEnabled : new boolean[] { true, false }) {
			RecordingReconciler sweep = sweep(false, failoverEnabled);
			Supplier<Snapshot> read = () -> finalizing("ses_Finalizing", 5);
			assertThat(at(sweep, read, 0)).as("just begun: its starter's").isEmpty();
			assertThat(at(sweep, read, 5)).containsExactly(RESUME_FINALIZATION);
			assertThat(at(sweep, read, 6)).as("asked lately").isEmpty();
			assertThat(at(sweep, read, 14.9)).isEmpty();
			assertThat(at(sweep, read, 15)).containsExactly(RESUME_FINALIZATION);
			clock.set(T.plusSeconds(100));
			assertThat(sweep.decide(read.get(), clock.instant(), false).decision().steps())
				.as("only the lease holder asks").isEmpty();
		}
	}

	@Test
	void withFailoverOffNoRecorderIsJudgedAndNothingButAFinalizationIsAsked() {
		RecordingReconciler sweep = sweep(true, false);
		for (Snapshot s : List.of(silent("ses_Silent"), backup("ses_Backup", 10, 1L), unidentified("ses_Unknown", 1L),
				healthy("ses_Healthy"))) {
			RecordingReconciler.Decided d = sweep.decide(s, T.plusSeconds(60), true);
			assertThat(d.judgement()).as("%s", s).isNull();
			assertThat(d.decision().steps()).as("%s", s).isEmpty();
		}
		assertThat(sweep.decide(finalizing("ses_Finalizing", 60), T, true).decision().steps())
			.containsExactly(RESUME_FINALIZATION);
	}

	/** Nothing is abandoned before (one heartbeat timeout after the start, or Redis's return). */
	private Instant staleJudgingFrom = T.minusSeconds(3600);

	@Test
	void nothingIsAbandonedBeforeRecordersCouldReportAgain() {
		RecordingReconciler sweep = sweep(false, false);
		staleJudgingFrom = T.plusSeconds(5);
		Supplier<Snapshot> idle = () -> lastActive("ses_Back", RecordingStatus.RECORDING, 7200, null);
		assertThat(at(sweep, idle, 0)).as("Redis just back: its heartbeats could not be stored").isEmpty();
		assertThat(at(sweep, idle, 4.9)).isEmpty();
		assertThat(at(sweep, idle, 5)).containsExactly(ABANDON);
	}

	/** A stale timeout of one hour, ten minutes once the session is gone, tried once a minute. */
	private static final StaleRecordingProperties STALE = new StaleRecordingProperties(Duration.ofHours(1),
			Duration.ofMinutes(10), Duration.ofMinutes(1));

	/** A {@code status} recording whose latest activity was {@code ago} seconds before T. */
	private static Snapshot lastActive(String id, RecordingStatus status, long ago, String sessionDestroyedReason) {
		Instant at = T.minusSeconds(ago);
		return new Snapshot(RecordingId.of(id), 1L, status, 0, EXACT, at, null, null, null, 0, at, at,
				FailoverState.NONE, RecorderProgress.NONE, "", new Snapshot.Activity(at, at, sessionDestroyedReason));
	}

	@Test
	void aRecordingNothingHappensToForTheTimeoutIsAbandonedOnceAMinuteWithFailoverOnOrOff() {
		for (boolean failoverEnabled : new boolean[] { true, false }) {
			RecordingReconciler sweep = sweep(false, failoverEnabled);
			for (RecordingStatus status : List.of(RecordingStatus.RECORDING, RecordingStatus.STOPPING,
					RecordingStatus.FINALIZING)) {
				String id = "ses_Idle" + status + failoverEnabled;
				assertThat(at(sweep, () -> lastActive(id, status, 3599, null), 0)).as("%s within the hour", status)
					.doesNotContain(ABANDON);
				assertThat(at(sweep, () -> lastActive(id, status, 3599, null), 1.1)).as("%s", status)
					.containsExactly(ABANDON);
				assertThat(at(sweep, () -> lastActive(id, status, 3599, null), 30)).as("tried lately")
					.doesNotContain(ABANDON);
				if (status == RecordingStatus.FINALIZING) {
					// its finalization's question (due every 10 s here, asked at 0 and 30) comes first
					assertThat(at(sweep, () -> lastActive(id, status, 3599, null), 61.1)).as("its question first")
						.containsExactly(RESUME_FINALIZATION);
				}
				assertThat(at(sweep, () -> lastActive(id, status, 3599, null), 61.2)).containsExactly(ABANDON);
			}
			clock.set(T);
			assertThat(sweep.decide(lastActive("ses_Gone", RecordingStatus.RECORDING, 601, "lastParticipantLeft"), T, true)
				.decision()
				.steps()).as("its session gone: ten minutes").containsExactly(ABANDON);
			assertThat(sweep.decide(lastActive("ses_Other", RecordingStatus.RECORDING, 601, null), T, false)
				.decision()
				.steps()).as("only the lease holder abandons").isEmpty();
			assertThat(sweep.decide(recording("ses_Unread", 0, EXACT, 7200, FailoverState.NONE), T, true)
				.decision()
				.steps()).as("its activity not read: never abandoned").doesNotContain(ABANDON);
		}
	}

}
