package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ov2ha.controller.failover.Judgement;
import io.ov2ha.controller.failover.Judgement.Kind;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecorderContent;
import io.ov2ha.controller.recording.RecorderProgress;
import io.ov2ha.controller.recording.RecorderProgress.Phase;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * The detection rules, every phase against every signal. Settings: heartbeat 1 s x 4, chunks of
 * 10 s, chunk stall (older recorders) 25 s, media stall 2 s, start deadline 60 s (the defaults).
 * Times are seconds relative to "now"; the controller started long before, the epoch began at
 * {@code since}.
 */
class DetectionRulesTest {

	private static final DetectionRules RULES = new DetectionRules(new DetectionSettings(Duration.ofSeconds(1),
			Duration.ofSeconds(4), Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(2),
			Duration.ofSeconds(60)));

	private static final Instant NOW = Instant.parse("2026-01-01T10:10:00Z");

	private static final Instant CONTROLLER_START = NOW.minusSeconds(3600);

	/** A recorder of the current epoch as its heartbeats describe it (null: none in this epoch). */
	record Recorder(Double heartbeatAgo, Phase phase, Double advancedAgo, Double speed) {
	}

	/**
	 * @param since seconds ago the current epoch began
	 * @param epoch the current epoch
	 * @param r its heartbeats (null: not a single one in this epoch)
	 * @param chunkAgo seconds ago the manifest last grew (null: never)
	 */
	private static Snapshot snapshot(double since, long epoch, Recorder r, Double chunkAgo) {
		Instant epochSince = ago(since);
		FailoverState state = new FailoverState(1L, null, null, 0, "", null, "", epoch > 0 ? epochSince : null, null,
				null, null, null, null, "", "", null, null);
		// an epoch > 0 inherits the dead recorder's heartbeat time and facts, an epoch earlier
		Instant heartbeatAt = r == null ? (epoch > 0 ? ago(since + 5) : null) : ago(r.heartbeatAgo());
		RecorderProgress progress = r == null
				? (epoch > 0 ? new RecorderProgress(epoch - 1, Phase.CAPTURING, 9000L, 225L, 1.0, ago(since + 5))
						: RecorderProgress.NONE)
				: new RecorderProgress(epoch, r.phase(), r.phase() == Phase.CAPTURING ? 45_000L : null,
						r.phase() == Phase.CAPTURING ? 125L : null, r.speed(),
						r.advancedAgo() == null ? null : ago(r.advancedAgo()));
		return new Snapshot(RecordingId.of("ses_A"), 1L, RecordingStatus.RECORDING, epoch, "", heartbeatAt, 5L,
				chunkAgo == null ? null : ago(chunkAgo), 5L, 0, epoch == 0 ? epochSince : null, epochSince, state,
				progress);
	}

	/** As {@link #snapshot}, with the current epoch's recorder a warm standby handed the recording. */
	private static Snapshot standby(double since, long epoch, Recorder r) {
		return withStandbyEpoch(snapshot(since, epoch, r, 40.0), epoch);
	}

	/** Epoch {@code epoch} started {@code since} s ago, cold; epoch {@code standbyEpoch} was a standby. */
	private static Snapshot standbyOfEpoch(double since, long epoch, long standbyEpoch) {
		return withStandbyEpoch(snapshot(since, epoch, null, 40.0), standbyEpoch);
	}

	private static Snapshot withStandbyEpoch(Snapshot s, long standbyEpoch) {
		FailoverState t = s.state();
		FailoverState state = new FailoverState(t.createdAt(), t.lastClaimAt(), t.pendingEpoch(), t.attempts(),
				t.attemptBy(), t.nextAttemptAt(), t.lastError(), t.epochSince(), t.awaitFirstChunkEpoch(),
				t.firstChunkSeq(), t.progressSeq(), t.progressAt(), t.stopHandledEpoch(), t.endedBy(), t.endDetail(),
				t.endedAt(), standbyEpoch);
		return new Snapshot(s.id(), s.createdAt(), s.status(), s.epoch(), s.containerId(), s.heartbeatAt(),
				s.lastChunkSeq(), s.lastChunkAt(), s.hbLastChunkSeq(), s.failoverCount(), s.registeredAt(),
				s.updatedAt(), state, s.progress());
	}

	/** As {@code s}, its current recorder's content prober reporting {@code content}. */
	private static Snapshot withContent(Snapshot s, RecorderContent content) {
		RecorderProgress p = s.progress();
		return new Snapshot(s.id(), s.createdAt(), s.status(), s.epoch(), s.containerId(), s.heartbeatAt(),
				s.lastChunkSeq(), s.lastChunkAt(), s.hbLastChunkSeq(), s.failoverCount(), s.registeredAt(),
				s.updatedAt(), s.state(), new RecorderProgress(p.epoch(), p.phase(), p.mediaTimeMs(), p.frames(),
						p.speed(), p.advancedAt(), content));
	}

	private static final RecorderContent PENDING = new RecorderContent(RecorderContent.State.PENDING, null, null);

	private static final RecorderContent BLANK_NEVER_SHOWN = new RecorderContent(RecorderContent.State.BLANK, 4000L,
			null);

	/** One shown probe: may be the browser's own first paint, not its page. */
	private static final RecorderContent SHOWN_ONCE = new RecorderContent(RecorderContent.State.SHOWN, 0L, null);

	private static final RecorderContent PAGE_SHOWN = new RecorderContent(RecorderContent.State.SHOWN, 0L, 6000L);

	/** Registered (which sets the heartbeat index), no heartbeat since. */
	private static Snapshot registeredOnly(double since) {
		Snapshot s = snapshot(since, 0, null, null);
		return new Snapshot(s.id(), s.createdAt(), s.status(), 0, "", ago(since), null, null, null, 0, ago(since),
				ago(since), s.state(), RecorderProgress.NONE);
	}

	private static Instant ago(double seconds) {
		return NOW.minusMillis(Math.round(seconds * 1000));
	}

	private static Kind judge(Snapshot s) {
		return RULES.judge(s, NOW, CONTROLLER_START).kind();
	}

	static Stream<Arguments> table() {
		return Stream.of(
				// --- no heartbeat yet in this epoch: starting, only the start deadline counts
				Arguments.of("primary registered 5 s ago, no heartbeat yet", snapshot(5, 0, null, null), Kind.STARTING),
				Arguments.of("primary registered 59 s ago, no heartbeat yet", snapshot(59, 0, null, null), Kind.STARTING),
				Arguments.of("primary registered 61 s ago, never a heartbeat", snapshot(61, 0, null, null),
						Kind.START_TIMEOUT),
				Arguments.of("primary registered 5 s ago: the registration is not a heartbeat (never silent)",
						registeredOnly(5), Kind.STARTING),
				Arguments.of("backup started 3 s ago: the dead recorder's heartbeats do not count",
						snapshot(3, 1, null, 40.0), Kind.STARTING),
				Arguments.of("backup started 30 s ago, still silent: starting, not silent", snapshot(30, 1, null, 40.0),
						Kind.STARTING),
				Arguments.of("backup started 61 s ago, never a heartbeat", snapshot(61, 2, null, 70.0),
						Kind.START_TIMEOUT),
				// --- a warm standby handed the recording: its short take-over deadline, not the start deadline
				Arguments.of("standby handed over 10 s ago, no heartbeat of its epoch yet", standby(10, 1, null),
						Kind.STARTING),
				Arguments.of("standby handed over 16 s ago, never a heartbeat: did not take over", standby(16, 1, null),
						Kind.START_TIMEOUT),
				Arguments.of("standby handed over 16 s ago, still in phase starting",
						standby(16, 1, new Recorder(0.5, Phase.STARTING, null, null)), Kind.START_TIMEOUT),
				Arguments.of("standby handed over 16 s ago, capturing", standby(16, 1, new Recorder(0.5, Phase.CAPTURING, 0.5, 1.0)),
						Kind.HEALTHY),
				Arguments.of("a standby of an earlier epoch: the cold backup now gets the start deadline",
						standbyOfEpoch(30, 2, 1), Kind.STARTING),
				// --- phase starting
				Arguments.of("starting 40 s (slow Chromium on a loaded host): never a stall",
						snapshot(40, 0, new Recorder(0.5, Phase.STARTING, null, null), null), Kind.STARTING),
				Arguments.of("starting past the deadline", snapshot(61, 0, new Recorder(0.5, Phase.STARTING, null, null), null),
						Kind.START_TIMEOUT),
				Arguments.of("starting, then silent", snapshot(20, 0, new Recorder(5.0, Phase.STARTING, null, null), null),
						Kind.SILENT),
				// --- phase capturing
				Arguments.of("capturing, advancing", snapshot(600, 0, new Recorder(0.4, Phase.CAPTURING, 0.4, 1.0), 3.0),
						Kind.HEALTHY),
				Arguments.of("capturing, no chunk for a minute but media advancing (long chunks): healthy",
						snapshot(600, 0, new Recorder(0.4, Phase.CAPTURING, 0.4, 1.0), 60.0), Kind.HEALTHY),
				Arguments.of("capturing, advancing slower than real time",
						snapshot(600, 0, new Recorder(0.4, Phase.CAPTURING, 0.4, 0.7), 3.0), Kind.SLOW),
				Arguments.of("capturing, speed just under 1 is not slow",
						snapshot(600, 0, new Recorder(0.4, Phase.CAPTURING, 0.4, 0.95), 3.0), Kind.HEALTHY),
				Arguments.of("capturing, no progress for 1.9 s of heartbeats",
						snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 2.0, 1.0), 3.0), Kind.HEALTHY),
				Arguments.of("capturing, heartbeats prove 2 s without progress",
						snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 2.1, 1.0), 3.0), Kind.MEDIA_STALLED),
				Arguments.of("capturing, last progress 3 s ago but no heartbeat since then proves the stall",
						snapshot(600, 0, new Recorder(3.0, Phase.CAPTURING, 3.0, 1.0), 3.0), Kind.HEALTHY),
				Arguments.of("capturing, slow AND stalled: stalled",
						snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 5.0, 0.5), 3.0), Kind.MEDIA_STALLED),
				Arguments.of("capturing, silent for 5 s (frozen container)",
						snapshot(600, 0, new Recorder(5.0, Phase.CAPTURING, 5.0, 1.0), 8.0), Kind.SILENT),
				Arguments.of("capturing, heartbeats fail but a chunk came after the last one",
						snapshot(600, 0, new Recorder(6.0, Phase.CAPTURING, 6.0, 1.0), 2.0), Kind.CHUNKS_ARRIVING),
				Arguments.of("capturing, heartbeats fail and the chunk after them is old",
						snapshot(600, 0, new Recorder(30.0, Phase.CAPTURING, 30.0, 1.0), 20.0), Kind.SILENT),
				Arguments.of("capturing (backup), its own progress counts, not the dead recorder's",
						snapshot(10, 1, new Recorder(0.2, Phase.CAPTURING, 0.2, 1.0), null), Kind.HEALTHY),
				Arguments.of("capturing from data older than progress tracking (no advancedAt)",
						snapshot(600, 0, new Recorder(0.2, Phase.CAPTURING, null, 1.0), 40.0), Kind.HEALTHY),
				// --- phase stopping
				Arguments.of("stopping, media no longer advancing: not a stall",
						snapshot(600, 0, new Recorder(0.2, Phase.STOPPING, 20.0, null), 30.0), Kind.HEALTHY),
				Arguments.of("stopping, then silent", snapshot(600, 0, new Recorder(6.0, Phase.STOPPING, 20.0, null), 30.0),
						Kind.SILENT),
				// --- an older recorder that reports no phase: its chunks count
				Arguments.of("no phase, chunk 4 s ago", snapshot(600, 0, new Recorder(0.5, null, null, null), 4.0),
						Kind.HEALTHY),
				Arguments.of("no phase, no chunk for 24 s", snapshot(600, 0, new Recorder(0.5, null, null, null), 24.0),
						Kind.HEALTHY),
				Arguments.of("no phase, no chunk for 26 s", snapshot(600, 0, new Recorder(0.5, null, null, null), 26.0),
						Kind.CHUNK_STALLED),
				Arguments.of("no phase, no chunk yet 26 s after its start",
						snapshot(26, 0, new Recorder(0.5, null, null, null), null), Kind.CHUNK_STALLED),
				Arguments.of("no phase, silent", snapshot(600, 0, new Recorder(5.0, null, null, null), 9.0), Kind.SILENT));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("table")
	void judges(String name, Snapshot s, Kind expected) {
		assertThat(judge(s)).isEqualTo(expected);
	}

	/** The same rules, aware of the host's load: saturated from 80 %, then 20 s of patience. */
	private static final DetectionRules LOAD_AWARE = new DetectionRules(new DetectionSettings(
			Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofSeconds(10), Duration.ofSeconds(25),
			Duration.ofSeconds(2), Duration.ofSeconds(60), 80, Duration.ofSeconds(20)));

	static Stream<Arguments> saturatedHost() {
		return Stream.of(
				// --- what the normal timeouts would replace waits for the longer one
				Arguments.of("stalled 3 s, host saturated: deferred", 95.0,
						snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 3.0, 1.0), 3.0), Kind.DEFERRED_HOST_SATURATED),
				Arguments.of("stalled 19 s, host saturated: still deferred", 95.0,
						snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 19.0, 1.0), 19.0), Kind.DEFERRED_HOST_SATURATED),
				Arguments.of("stalled 21 s, host saturated: stalled", 95.0,
						snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 21.0, 1.0), 21.0), Kind.MEDIA_STALLED),
				Arguments.of("silent 6 s (starved agent), host saturated: deferred", 95.0,
						snapshot(600, 0, new Recorder(6.0, Phase.CAPTURING, 6.0, 1.0), 8.0), Kind.DEFERRED_HOST_SATURATED),
				Arguments.of("silent 21 s, host saturated: silent (the runtime decides)", 95.0,
						snapshot(600, 0, new Recorder(21.0, Phase.CAPTURING, 21.0, 1.0), 30.0), Kind.SILENT),
				Arguments.of("no phase, no chunk for 26 s, saturated: its 25 s is already longer than 20 s: stalled",
						95.0, snapshot(600, 0, new Recorder(0.5, null, null, null), 26.0), Kind.CHUNK_STALLED),
				Arguments.of("stalled 3 s, host at the threshold: deferred", 80.0,
						snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 3.0, 1.0), 3.0), Kind.DEFERRED_HOST_SATURATED),
				// --- not saturated, or not known: the normal rules
				Arguments.of("stalled 3 s, host at 79.9 %: stalled", 79.9,
						snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 3.0, 1.0), 3.0), Kind.MEDIA_STALLED),
				Arguments.of("stalled 3 s, host load unknown: stalled", Double.NaN,
						snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 3.0, 1.0), 3.0), Kind.MEDIA_STALLED),
				Arguments.of("silent 6 s, host load unknown: silent", Double.NaN,
						snapshot(600, 0, new Recorder(6.0, Phase.CAPTURING, 6.0, 1.0), 8.0), Kind.SILENT),
				// --- what is not a replacement stays as it is
				Arguments.of("the start deadline is not extended by the load", 95.0, snapshot(61, 0, null, null),
						Kind.START_TIMEOUT),
				Arguments.of("starting on a saturated host: starting", 95.0,
						snapshot(40, 0, new Recorder(0.5, Phase.STARTING, null, null), null), Kind.STARTING),
				Arguments.of("healthy on a saturated host: healthy", 95.0,
						snapshot(600, 0, new Recorder(0.4, Phase.CAPTURING, 0.4, 1.0), 3.0), Kind.HEALTHY),
				Arguments.of("slow on a saturated host: slow", 95.0,
						snapshot(600, 0, new Recorder(0.4, Phase.CAPTURING, 0.4, 0.7), 3.0), Kind.SLOW),
				Arguments.of("heartbeats fail but chunks arrive, saturated: chunks arriving", 95.0,
						snapshot(600, 0, new Recorder(6.0, Phase.CAPTURING, 6.0, 1.0), 2.0), Kind.CHUNKS_ARRIVING));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("saturatedHost")
	void aSaturatedHostGetsPatience(String name, double cpuPressure, Snapshot s, Kind expected) {
		assertThat(LOAD_AWARE.judge(s, NOW, CONTROLLER_START, cpuPressure).kind()).isEqualTo(expected);
	}

	static Stream<Arguments> pageToShow() {
		Recorder stalled4s = new Recorder(0.1, Phase.CAPTURING, 4.0, 1.0);
		return Stream.of(
				// --- seen under load (a busy-loop run): a primary 10 s old, media still 4 s while its browser
				// started, the host at 86 %, under the threshold (here 80 %): its start, not a stall
				Arguments.of("primary 10 s old, page pending, media still 4 s", 79.0,
						withContent(snapshot(10, 0, stalled4s, null), PENDING), Kind.PAGE_STARTING),
				Arguments.of("primary 10 s old, blank and never shown, media still 4 s", 79.0,
						withContent(snapshot(10, 0, stalled4s, null), BLANK_NEVER_SHOWN), Kind.PAGE_STARTING),
				Arguments.of("one shown probe (the browser's own paint) is not the page", 79.0,
						withContent(snapshot(10, 0, stalled4s, null), SHOWN_ONCE), Kind.PAGE_STARTING),
				Arguments.of("a cold backup 20 s old whose page is pending: its start too", 50.0,
						withContent(snapshot(20, 1, stalled4s, 40.0), PENDING), Kind.PAGE_STARTING),
				Arguments.of("the host load unknown: the page start still gets its patience", Double.NaN,
						withContent(snapshot(10, 0, stalled4s, null), PENDING), Kind.PAGE_STARTING),
				Arguments.of("page pending, media still 19 s: still within the 20 s patience", 10.0,
						withContent(snapshot(30, 0, new Recorder(0.1, Phase.CAPTURING, 19.0, 1.0), null), PENDING),
						Kind.PAGE_STARTING),
				Arguments.of("page pending, media still 1.5 s: healthy", 10.0,
						withContent(snapshot(10, 0, new Recorder(0.1, Phase.CAPTURING, 1.5, 1.0), null), PENDING),
						Kind.HEALTHY),
				// --- a real stall during the start is still caught, after the patience
				Arguments.of("page pending, media still 21 s: stalled", 10.0,
						withContent(snapshot(30, 0, new Recorder(0.1, Phase.CAPTURING, 21.0, 1.0), null), PENDING),
						Kind.MEDIA_STALLED),
				Arguments.of("page pending, media still 21 s, host saturated: stalled (the same patience, not twice)",
						95.0, withContent(snapshot(30, 0, new Recorder(0.1, Phase.CAPTURING, 21.0, 1.0), null), PENDING),
						Kind.MEDIA_STALLED),
				Arguments.of("page pending, media still 19 s, host saturated: its start", 95.0,
						withContent(snapshot(30, 0, new Recorder(0.1, Phase.CAPTURING, 19.0, 1.0), null), PENDING),
						Kind.PAGE_STARTING),
				// --- once the page showed, or past the start deadline: the normal stall timeout
				Arguments.of("page shown (two probes), media still 4 s: stalled", 79.0,
						withContent(snapshot(10, 0, stalled4s, null), PAGE_SHOWN), Kind.MEDIA_STALLED),
				Arguments.of("page pending 60 s after the start (at the start deadline): its start", 79.0,
						withContent(snapshot(60, 0, stalled4s, null), PENDING), Kind.PAGE_STARTING),
				Arguments.of("page shown, then blank (a black session): stalled", 79.0,
						withContent(snapshot(30, 0, stalled4s, null),
								new RecorderContent(RecorderContent.State.BLANK, 8000L, 6000L)), Kind.MEDIA_STALLED),
				Arguments.of("page pending 61 s after the start (past the start deadline): stalled", 79.0,
						withContent(snapshot(61, 0, stalled4s, null), PENDING), Kind.MEDIA_STALLED),
				Arguments.of("blank and never shown 10 min into the recording (a black session): stalled", 79.0,
						withContent(snapshot(600, 0, stalled4s, 3.0), BLANK_NEVER_SHOWN), Kind.MEDIA_STALLED),
				Arguments.of("no prober (a test source, an older image), 10 s old: stalled", 79.0,
						snapshot(10, 0, stalled4s, null), Kind.MEDIA_STALLED),
				Arguments.of("a standby handed over 16 s ago (its take-over deadline is 15 s), page pending: stalled",
						10.0, withContent(standby(16, 1, stalled4s), PENDING), Kind.MEDIA_STALLED),
				Arguments.of("a standby handed over 10 s ago, page pending: its start", 10.0,
						withContent(standby(10, 1, stalled4s), PENDING), Kind.PAGE_STARTING),
				// --- the page start changes only the stall
				Arguments.of("page pending, silent 6 s: silent (the runtime decides)", 10.0,
						withContent(snapshot(10, 0, new Recorder(6.0, Phase.CAPTURING, 6.0, 1.0), null), PENDING),
						Kind.SILENT),
				Arguments.of("page pending, phase starting 61 s: start timeout", 10.0,
						withContent(snapshot(61, 0, new Recorder(0.5, Phase.STARTING, null, null), null), PENDING),
						Kind.START_TIMEOUT));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("pageToShow")
	void aStallWhileThePageIsStillToShowIsTheRecordersStart(String name, double cpuPressure, Snapshot s, Kind expected) {
		assertThat(LOAD_AWARE.judge(s, NOW, CONTROLLER_START, cpuPressure).kind()).isEqualTo(expected);
	}

	@Test
	void aControllerRestartDoesNotMakeAnOldRecorderAStartingOne() {
		// the controller (or Redis) came back 10 s ago; the recorder has recorded for 10 min and its
		// probes never saw a page (e.g. a black session): its window counts from its own start
		Snapshot old = withContent(snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 4.0, 1.0), 3.0), PENDING);
		assertThat(LOAD_AWARE.judge(old, NOW, NOW.minusSeconds(10), 10.0).kind()).isEqualTo(Kind.MEDIA_STALLED);
		Snapshot young = withContent(snapshot(20, 0, new Recorder(0.1, Phase.CAPTURING, 4.0, 1.0), null), PENDING);
		assertThat(LOAD_AWARE.judge(young, NOW, NOW.minusSeconds(10), 10.0).kind()).isEqualTo(Kind.PAGE_STARTING);
	}

	@Test
	void withoutAPressureTimeoutThePageStartGetsTheNormalStallTimeout() {
		Snapshot s = withContent(snapshot(10, 0, new Recorder(0.1, Phase.CAPTURING, 4.0, 1.0), null), PENDING);
		assertThat(RULES.judge(s, NOW, CONTROLLER_START).kind()).isEqualTo(Kind.MEDIA_STALLED);
	}

	@Test
	void aStallDuringThePageStartIsNotFailedAgainWhenJudgedAgain() {
		Judgement again = LOAD_AWARE.judge(withContent(snapshot(10, 0, new Recorder(0.1, Phase.CAPTURING, 4.0, 1.0), null),
				PENDING), NOW, CONTROLLER_START, 50.0);
		assertThat(again.lastProgress()).isEqualTo(ago(4.0));
		assertThat(DetectionRules.stillFailed(FailoverReason.MEDIA_STALL, again)).isFalse();
	}

	@Test
	void withoutAThresholdTheLoadChangesNothing() {
		Snapshot stalled = snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 3.0, 1.0), 3.0);
		assertThat(RULES.judge(stalled, NOW, CONTROLLER_START, 100.0).kind()).isEqualTo(Kind.MEDIA_STALLED);
	}

	@Test
	void aPressureTimeoutShorterThanTheNormalOneNeverShortensIt() {
		DetectionRules shortPatience = new DetectionRules(new DetectionSettings(Duration.ofSeconds(1),
				Duration.ofSeconds(4), Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(2),
				Duration.ofSeconds(60), 80, Duration.ofSeconds(1)));
		Snapshot healthy = snapshot(600, 0, new Recorder(1.5, Phase.CAPTURING, 1.5, 1.0), 3.0);
		assertThat(shortPatience.judge(healthy, NOW, CONTROLLER_START, 95.0).kind()).isEqualTo(Kind.HEALTHY);
	}

	@Test
	void theDeferralKeepsTheNormalEvidence() {
		Judgement j = LOAD_AWARE.judge(snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 3.0, 1.0), 3.0),
				NOW, CONTROLLER_START, 95.0);
		assertThat(j.lastProgress()).isEqualTo(ago(3.0));
		assertThat(j.lastHeartbeat()).isEqualTo(ago(0.1));
		assertThat(j.deferred()).isEqualTo(Kind.MEDIA_STALLED);
		// a deferred silence says so: the reconciler still asks the runtime whether it is gone
		assertThat(LOAD_AWARE.judge(snapshot(600, 0, new Recorder(6.0, Phase.CAPTURING, 6.0, 1.0), 8.0), NOW,
				CONTROLLER_START, 95.0).deferred()).isEqualTo(Kind.SILENT);
		assertThat(LOAD_AWARE.judge(snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 3.0, 1.0), 3.0), NOW,
				CONTROLLER_START, 10.0).deferred()).isNull();
	}

	@Test
	void nothingIsJudgedDuringOneHeartbeatTimeoutAfterTheControllerStarted() {
		Snapshot silent = snapshot(600, 0, new Recorder(300.0, Phase.CAPTURING, 300.0, 1.0), 300.0);
		Instant restart = NOW.minusSeconds(3);
		assertThat(RULES.judge(silent, NOW, restart).kind()).isEqualTo(Kind.NOT_JUDGED);
		assertThat(RULES.judge(silent, NOW, NOW.minusSeconds(5)).kind()).isEqualTo(Kind.SILENT);
	}

	@Test
	void theStartDeadlineCountsFromTheControllerStartAtTheEarliest() {
		// the controller was down while the recorder started: it gets its whole deadline again
		Snapshot starting = snapshot(300, 0, new Recorder(0.5, Phase.STARTING, null, null), null);
		assertThat(RULES.judge(starting, NOW, NOW.minusSeconds(30)).kind()).isEqualTo(Kind.STARTING);
		assertThat(RULES.judge(starting, NOW, NOW.minusSeconds(61)).kind()).isEqualTo(Kind.START_TIMEOUT);
	}

	@Test
	void chunkProgressOfAnOlderRecorderIsMeasuredFromTheControllerStartAtTheEarliest() {
		Snapshot legacy = snapshot(600, 0, new Recorder(0.5, null, null, null), 120.0);
		assertThat(RULES.judge(legacy, NOW, NOW.minusSeconds(20)).kind()).isEqualTo(Kind.HEALTHY);
		assertThat(RULES.judge(legacy, NOW, NOW.minusSeconds(26)).kind()).isEqualTo(Kind.CHUNK_STALLED);
	}

	@Test
	void theStallEvidenceIsTheLastProgressAndTheSilenceTheLastHeartbeat() {
		Judgement stalled = RULES
			.judge(snapshot(600, 0, new Recorder(0.1, Phase.CAPTURING, 2.5, 1.0), 3.0), NOW, CONTROLLER_START);
		assertThat(stalled.lastProgress()).isEqualTo(ago(2.5));
		assertThat(stalled.lastHeartbeat()).isEqualTo(ago(0.1));
	}

	@Test
	void arrivalWindowCoversOneChunkPlusOneHeartbeat() {
		assertThat(RULES.arrivalWindow()).isEqualTo(Duration.ofSeconds(11));
	}

	@Test
	void aStateLeftByAnEarlierRecordingWithTheSameIdIsIgnored() {
		FailoverState state = FailoverState.fromHash(Map.of("createdAt", "5", "pendingEpoch", "3"), 6);
		assertThat(state).isEqualTo(FailoverState.NONE);
		assertThat(FailoverState.fromHash(Map.of("createdAt", "6", "pendingEpoch", "3"), 6).pending(3)).isTrue();
	}

	@Test
	void progressFactsOfAnotherEpochAreNotTheCurrentRecorders() {
		RecorderProgress p = new RecorderProgress(0L, Phase.CAPTURING, 30_000L, 1L, 0.5, NOW);
		assertThat(p.of(0)).isTrue();
		assertThat(p.of(1)).isFalse();
		assertThat(p.slow()).isTrue();
		// ffmpeg's speed is an average since its start: not judged before 30 s of media
		assertThat(new RecorderProgress(0L, Phase.CAPTURING, 29_999L, 1L, 0.5, NOW).slow()).isFalse();
		assertThat(RecorderProgress.NONE.of(0)).isFalse();
		assertThat(RecorderProgress.fromHash(Map.of("hbEpoch", "x", "hbPhase", "capturing", "hbSpeed", "NaN")))
			.isEqualTo(new RecorderProgress(null, Phase.CAPTURING, null, null, null, null));
	}

	// --- judged again just before a backup ----------------------------------------------------------

	/** Every failure reason against every verdict of the judgement made again before its backup. */
	static Stream<Arguments> judgedAgain() {
		return Stream.of(FailoverReason.values())
			.filter(FailoverReason::replacesRecorder)
			.flatMap(reason -> Stream.of(Kind.values()).map(kind -> arguments(reason, kind)));
	}

	@ParameterizedTest(name = "{0} then {1}")
	@MethodSource("judgedAgain")
	void aRecorderIsStillFailedUnlessAFailureOfItsHeartbeatsOrProgressCameBack(FailoverReason reason, Kind again) {
		boolean fromHeartbeatsOrProgress = switch (reason) {
			case HUNG, HEARTBEAT_LOST, START_TIMEOUT, CHUNK_STALL, MEDIA_STALL -> true;
			default -> false;
		};
		boolean cameBack = switch (again) {
			case NOT_JUDGED, STARTING, PAGE_STARTING, HEALTHY, SLOW, CHUNKS_ARRIVING, NO_CONTENT -> true;
			// the host's standstill, or one a peer's next heartbeat decides: no container that is gone
			case DEFERRED_HOST_WIDE, AWAITING_PEERS -> reason != FailoverReason.HEARTBEAT_LOST;
			case SILENT, START_TIMEOUT, MEDIA_STALLED, CHUNK_STALLED, DEFERRED_HOST_SATURATED -> false;
		};
		Judgement j = new Judgement(again, NOW, NOW, DetectionRules.deferred(again) ? Kind.SILENT : null);

		assertThat(DetectionRules.stillFailed(reason, j)).isEqualTo(!(fromHeartbeatsOrProgress && cameBack));
	}

	@Test
	void aContainerThatDiedOrAnAdminsFailoverIsNeverJudgedAgain() {
		Judgement healthy = new Judgement(Kind.HEALTHY, NOW, NOW);
		for (FailoverReason reason : new FailoverReason[] { FailoverReason.CONTAINER_DIED, FailoverReason.OOM_KILLED,
				FailoverReason.MANUAL }) {
			assertThat(DetectionRules.stillFailed(reason, healthy)).as(reason.slug()).isTrue();
		}
	}

	@Test
	void aHungRecorderThatSpokeAgainIsNoLongerFailedButOneStillSilentOnASaturatedHostIs() {
		Snapshot spoke = snapshot(600, 0, new Recorder(0.3, Phase.CAPTURING, 0.3, 1.0), 3.0);
		Snapshot silent = snapshot(600, 0, new Recorder(6.0, Phase.CAPTURING, 6.0, 1.0), 8.0);

		assertThat(DetectionRules.stillFailed(FailoverReason.HUNG, LOAD_AWARE.judge(spoke, NOW, CONTROLLER_START, 95.0)))
			.isFalse();
		assertThat(DetectionRules.stillFailed(FailoverReason.HUNG, LOAD_AWARE.judge(silent, NOW, CONTROLLER_START, 95.0)))
			.as("deferred on a saturated host: nothing came back")
			.isTrue();
		assertThat(DetectionRules.stillFailed(FailoverReason.HUNG, LOAD_AWARE.judge(silent, NOW, CONTROLLER_START, 0.0)))
			.isTrue();
	}

}
