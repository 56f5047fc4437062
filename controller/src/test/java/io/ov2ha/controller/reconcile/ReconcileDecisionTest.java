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
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ov2ha.controller.failover.Judgement;
import io.ov2ha.controller.failover.Judgement.Kind;
import io.ov2ha.controller.reconcile.ReconcileDecision.Observed;
import io.ov2ha.controller.reconcile.ReconcileDecision.Step;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * The reconciler's decision for one recording ({@link ReconcileDecision#decide}): a table of what each
 * observation asks for, then properties over every combination of status, recorder exit, flags
 * and judgement (one decision, at most one action, bookkeeping first, never a check of a healthy
 * recorder, an exit handled alone).
 */
class ReconcileDecisionTest {

	private static final Instant T = Instant.parse("2026-12-05T12:00:00Z");

	/** The verdicts that find nothing wrong, or only something to wait on: never a check of the recorder. */
	private static final Set<Kind> NOTHING_TO_CHECK = EnumSet.of(Kind.NOT_JUDGED, Kind.STARTING, Kind.PAGE_STARTING,
			Kind.HEALTHY, Kind.SLOW, Kind.CHUNKS_ARRIVING);

	private static final Set<Kind> DEFERRALS = EnumSet.of(Kind.DEFERRED_HOST_SATURATED, Kind.DEFERRED_HOST_WIDE,
			Kind.AWAITING_PEERS);

	private static Judgement judged(Kind kind) {
		return judged(kind, null);
	}

	private static Judgement judged(Kind kind, Kind deferred) {
		return new Judgement(kind, T, T, deferred);
	}

	/** An observation, written as the flags that are set (the rest false, no judgement, epoch 0). */
	private static final class O {

		RecordingStatus status = RecordingStatus.RECORDING;

		long epoch;

		RecorderExits.Seen exit = RecorderExits.Seen.NONE;

		boolean stopRequested;

		boolean pending;

		boolean retryDue;

		boolean firstChunk;

		boolean unidentified;

		boolean lookupDue;

		boolean openViduDue;

		Judgement judgement;

		boolean deferredDue;

		boolean unfinished;

		boolean goneDue;

		boolean finalizationDue;

		boolean idle;

		Observed build() {
			return new Observed(true, status, epoch, exit, stopRequested, pending, retryDue, firstChunk, unidentified, lookupDue,
					openViduDue, judgement, deferredDue, unfinished, goneDue, finalizationDue, idle);
		}

	}

	private static O recording(long epoch, Judgement j) {
		O o = new O();
		o.epoch = epoch;
		o.judgement = j;
		return o;
	}

	private static O pending() {
		O o = new O();
		o.epoch = 1;
		o.pending = true;
		return o;
	}

	private static O stopping(long epoch) {
		O o = new O();
		o.status = RecordingStatus.STOPPING;
		o.epoch = epoch;
		return o;
	}

	private static O stop(O o) {
		o.stopRequested = true;
		return o;
	}

	static Stream<Arguments> table() {
		List<Arguments> rows = new ArrayList<>();
		// --- a healthy recorder is left alone; a backup's session is checked when due
		rows.add(arguments("healthy primary", recording(0, judged(Kind.HEALTHY)), List.of()));
		O o = recording(0, judged(Kind.HEALTHY));
		o.openViduDue = true;
		rows.add(arguments("healthy primary, a check due: only backups are checked", o, List.of()));
		o = recording(1, judged(Kind.HEALTHY));
		o.openViduDue = true;
		rows.add(arguments("healthy backup, its check due", o, List.of(ASK_OPENVIDU)));
		rows.add(arguments("healthy backup, no check due", recording(1, judged(Kind.HEALTHY)), List.of()));
		o = recording(1, judged(Kind.SLOW));
		o.openViduDue = true;
		rows.add(arguments("slow backup, its check due", o, List.of(ASK_OPENVIDU)));
		rows.add(arguments("starting", recording(0, judged(Kind.STARTING)), List.of()));
		rows.add(arguments("its page still to show", recording(0, judged(Kind.PAGE_STARTING)), List.of()));
		rows.add(arguments("heartbeats missing, chunks arriving", recording(0, judged(Kind.CHUNKS_ARRIVING)), List.of()));
		rows.add(arguments("too early after the controller start", recording(0, judged(Kind.NOT_JUDGED)), List.of()));
		// --- failures: the recorder is checked
		for (Kind failed : List.of(Kind.SILENT, Kind.START_TIMEOUT, Kind.MEDIA_STALLED, Kind.CHUNK_STALLED)) {
			rows.add(arguments(failed + " primary", recording(0, judged(failed)), List.of(CHECK_RECORDER)));
		}
		rows.add(arguments("a blank backup", recording(1, judged(Kind.NO_CONTENT)), List.of(CHECK_RECORDER)));
		o = recording(1, judged(Kind.SILENT));
		o.openViduDue = true;
		rows.add(arguments("silent backup, its check due: the recorder's check wins (OpenVidu is asked before a backup)",
				o, List.of(CHECK_RECORDER)));
		// --- failures deferred for the host: only a silence asks the runtime, when due
		for (Kind deferral : List.of(Kind.DEFERRED_HOST_SATURATED, Kind.DEFERRED_HOST_WIDE, Kind.AWAITING_PEERS)) {
			o = recording(0, judged(deferral, Kind.SILENT));
			o.deferredDue = true;
			rows.add(arguments(deferral + " silence, runtime check due", o, List.of(CHECK_RECORDER)));
			rows.add(arguments(deferral + " silence, runtime asked lately", recording(0, judged(deferral, Kind.SILENT)),
					List.of()));
			o = recording(0, judged(deferral, Kind.MEDIA_STALLED));
			o.deferredDue = true;
			rows.add(arguments(deferral + " stall: waits (a running recorder)", o, List.of()));
		}
		o = recording(1, judged(Kind.DEFERRED_HOST_SATURATED, Kind.NO_CONTENT));
		o.deferredDue = true;
		o.openViduDue = true;
		rows.add(arguments("a blank backup on a saturated host: its session is checked meanwhile", o,
				List.of(ASK_OPENVIDU)));
		// --- bookkeeping rides with the action, in the same task
		o = recording(2, judged(Kind.SILENT));
		o.firstChunk = true;
		rows.add(arguments("a backup awaiting its first chunk goes silent: both, first chunk first", o,
				List.of(CHECK_FIRST_CHUNK, CHECK_RECORDER)));
		o = recording(2, judged(Kind.HEALTHY));
		o.firstChunk = true;
		o.openViduDue = true;
		rows.add(arguments("a backup awaiting its first chunk, its check due", o, List.of(CHECK_FIRST_CHUNK, ASK_OPENVIDU)));
		o = recording(0, judged(Kind.SILENT));
		o.unidentified = true;
		o.lookupDue = true;
		rows.add(arguments("a primary without container id goes silent: looked up, then checked", o,
				List.of(LOOKUP_PRIMARY, CHECK_RECORDER)));
		o = recording(0, judged(Kind.HEALTHY));
		o.unidentified = true;
		rows.add(arguments("a primary without container id, looked up lately", o, List.of()));
		o = recording(0, judged(Kind.HEALTHY));
		o.unidentified = true;
		o.lookupDue = true;
		o.firstChunk = true;
		rows.add(arguments("one bookkeeping step per tick: the first chunk before a lookup", o, List.of(CHECK_FIRST_CHUNK)));
		// --- a backup waiting for its retry
		o = pending();
		o.retryDue = true;
		rows.add(arguments("a backup that could not start, back-off over", o, List.of(RETRY_START)));
		o = pending();
		o.retryDue = true;
		o.openViduDue = true;
		o.firstChunk = true;
		rows.add(arguments("retry due beats the session check; the first chunk rides along", o,
				List.of(CHECK_FIRST_CHUNK, RETRY_START)));
		o = pending();
		o.openViduDue = true;
		rows.add(arguments("waiting for its retry, the session check due", o, List.of(ASK_OPENVIDU)));
		rows.add(arguments("waiting for its retry", pending(), List.of()));
		o = pending();
		o.unidentified = true;
		o.lookupDue = true;
		rows.add(arguments("waiting for its retry: no lookup", o, List.of()));
		// --- stopping
		o = stopping(1);
		o.unfinished = true;
		rows.add(arguments("a backup's stop nobody finished", o, List.of(STOP_BACKUP)));
		o = stopping(0);
		o.goneDue = true;
		rows.add(arguments("OpenVidu's recorder gone long after the stop", o, List.of(FINISH_GONE_RECORDER)));
		o = stopping(1);
		o.unfinished = true;
		o.goneDue = true;
		rows.add(arguments("both stops due: the unfinished one", o, List.of(STOP_BACKUP)));
		rows.add(arguments("stopping, nothing due", stopping(0), List.of()));
		// --- a stop requested of this controller (written down by the stop's event source)
		rows.add(arguments("a stop requested, a backup records: stopped", stop(stopping(1)), List.of(STOP_BACKUP)));
		o = stop(stopping(0));
		o.goneDue = true;
		rows.add(arguments("a stop requested of OpenVidu's recorder (OpenVidu stops it), gone long since: finalized", o,
				List.of(FINISH_GONE_RECORDER)));
		rows.add(arguments("a stop requested, OpenVidu's recorder records, nothing due", stop(stopping(0)), List.of()));
		o = stop(stopping(2));
		o.exit = RecorderExits.Seen.DUE;
		o.goneDue = true;
		rows.add(arguments("a stop requested, its backup exited: stopped first (an exit while ending ends nothing)", o,
				List.of(STOP_BACKUP)));
		o = stop(recording(1, judged(Kind.HEALTHY)));
		rows.add(arguments("a stop requested, read before it (RECORDING): nothing of it", o, List.of()));
		o = stop(stopping(1));
		o.status = RecordingStatus.FINALIZING;
		rows.add(arguments("a stop requested, finalizing already: nothing", o, List.of()));
		// --- the recorder exited (a Docker event wrote it down): its exit code decides, nothing else
		o = recording(0, null);
		o.exit = RecorderExits.Seen.DUE;
		rows.add(arguments("the primary exited", o, List.of(HANDLE_EXIT)));
		o = recording(2, null);
		o.exit = RecorderExits.Seen.DUE;
		o.firstChunk = true;
		o.openViduDue = true;
		o.unidentified = true;
		o.lookupDue = true;
		rows.add(arguments("a backup exited before its first chunk: the exit alone, no bookkeeping first", o,
				List.of(HANDLE_EXIT)));
		o = stopping(1);
		o.exit = RecorderExits.Seen.DUE;
		o.unfinished = true;
		rows.add(arguments("a stopping recorder exited: its exit first (it may be the end)", o, List.of(HANDLE_EXIT)));
		o = recording(1, null);
		o.status = RecordingStatus.FINALIZING;
		o.exit = RecorderExits.Seen.DUE;
		rows.add(arguments("finalizing, its recorder exited: told (nothing to replace)", o, List.of(HANDLE_EXIT)));
		o = recording(0, null);
		o.exit = RecorderExits.Seen.WAITING;
		rows.add(arguments("exited within the back-off: waits for its end, never judged", o, List.of()));
		o = recording(1, null);
		o.exit = RecorderExits.Seen.WAITING;
		o.openViduDue = true;
		o.firstChunk = true;
		rows.add(arguments("a backup exited within the back-off: only its first chunk", o, List.of(CHECK_FIRST_CHUNK)));
		for (RecordingStatus done : List.of(RecordingStatus.FINALIZING, RecordingStatus.READY, RecordingStatus.FAILED,
				RecordingStatus.ABANDONED)) {
			o = recording(1, judged(Kind.SILENT));
			o.status = done;
			o.unfinished = true;
			o.stopRequested = true;
			o.retryDue = true;
			o.openViduDue = true;
			rows.add(arguments(done + ": nothing", o, List.of()));
		}
		// --- a finalization nobody may run: asked about when due, alone
		o = recording(1, null);
		o.status = RecordingStatus.FINALIZING;
		o.finalizationDue = true;
		rows.add(arguments("finalizing for an interval, its question due: resumed if nobody runs it", o,
				List.of(RESUME_FINALIZATION)));
		o = recording(1, judged(Kind.SILENT));
		o.status = RecordingStatus.FINALIZING;
		o.finalizationDue = true;
		o.stopRequested = true;
		o.unfinished = true;
		o.openViduDue = true;
		o.firstChunk = true;
		rows.add(arguments("finalizing, its question due, failover's flags set: only the resumption", o,
				List.of(RESUME_FINALIZATION)));
		o = recording(1, null);
		o.status = RecordingStatus.FINALIZING;
		o.finalizationDue = true;
		o.exit = RecorderExits.Seen.DUE;
		rows.add(arguments("finalizing, its recorder exited and its question due: the exit first", o,
				List.of(HANDLE_EXIT)));
		o = recording(1, null);
		o.status = RecordingStatus.FINALIZING;
		o.finalizationDue = true;
		o.idle = true;
		rows.add(arguments("finalizing, idle and its question due: the question first, not the abandonment", o,
				List.of(RESUME_FINALIZATION)));
		o = recording(1, null);
		o.status = RecordingStatus.FINALIZING;
		o.idle = true;
		rows.add(arguments("finalizing, idle, no question due: abandoned if its finalization neither runs nor waits", o,
				List.of(ABANDON)));
		for (RecordingStatus other : List.of(RecordingStatus.RECORDING, RecordingStatus.STOPPING, RecordingStatus.READY,
				RecordingStatus.FAILED, RecordingStatus.ABANDONED)) {
			o = recording(0, null);
			o.status = other;
			o.finalizationDue = true;
			rows.add(arguments(other + ", a finalization question due (cannot be): nothing", o, List.of()));
		}
		return rows.stream();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("table")
	void decides(String name, O observed, List<Step> steps) {
		ReconcileDecision d = ReconcileDecision.decide(observed.build());
		assertThat(d.steps()).as(d.why()).isEqualTo(steps);
		assertThat(d.why()).isNotBlank();
	}

	/**
	 * Every combination of status, exit, flags and judgement (with every deferral of every
	 * verdict), generated as it is read: over a million, never held.
	 */
	private static Iterable<Observed> everyObservation() {
		List<Judgement> judgements = new ArrayList<>();
		judgements.add(null);
		for (Kind kind : Kind.values()) {
			judgements.add(judged(kind));
			if (DEFERRALS.contains(kind)) {
				for (Kind normal : Kind.values()) {
					judgements.add(judged(kind, normal));
				}
			}
		}
		return () -> Arrays.stream(RecordingStatus.values())
			.flatMap(status -> LongStream.rangeClosed(0, 1)
				.boxed()
				.flatMap(epoch -> Arrays.stream(RecorderExits.Seen.values())
					.flatMap(exit -> judgements.stream()
						.flatMap(j -> IntStream.range(0, status == RecordingStatus.FINALIZING ? 1 << 11 : 1 << 10)
							.mapToObj(flags -> new Observed(true, status, epoch, exit, bit(flags, 9), bit(flags, 0),
									bit(flags, 1), bit(flags, 2), bit(flags, 3), bit(flags, 4), bit(flags, 5), j,
									bit(flags, 6), bit(flags, 7), bit(flags, 8), finalizationDue(status, flags), false))))))
			.iterator();
	}

	/**
	 * The finalization question's flag: its own bit for FINALIZING; for the other statuses (where it
	 * cannot be set) the parity of the other flags, so that it varies without doubling their count.
	 */
	private static boolean finalizationDue(RecordingStatus status, int flags) {
		return status == RecordingStatus.FINALIZING ? bit(flags, 10) : Integer.bitCount(flags) % 2 == 1;
	}

	private static boolean bit(int flags, int i) {
		return (flags & 1 << i) != 0;
	}

	@Test
	void everyDecisionIsOneTaskWithAtMostOneActionAndItsBookkeepingFirst() {
		// 6 statuses x 2 epochs x 3 exits x 57 judgements (none, 14 kinds, 3 deferrals x 14 normal
		// verdicts) x 2^10 flags, and the finalization question's flag for FINALIZING
		int count = 0;
		for (Observed o : everyObservation()) {
			count++;
			ReconcileDecision d = ReconcileDecision.decide(o);
			assertThat(d.steps()).as("%s -> %s", o, d).hasSizeLessThanOrEqualTo(2);
			assertThat(d.steps().stream().filter(Step::action).count()).as("%s -> %s", o, d).isLessThanOrEqualTo(1);
			if (d.steps().size() == 2) {
				assertThat(d.steps().get(0).action()).as("bookkeeping first: %s -> %s", o, d).isFalse();
				assertThat(d.steps().get(1).action()).as("%s -> %s", o, d).isTrue();
			}
			assertThat(d.why()).isNotBlank();
			assertThat(ReconcileDecision.decide(o)).as("the same observation, the same decision").isEqualTo(d);
		}
		assertThat(count).isEqualTo(2_451_456);
	}

	@Test
	void aHealthyOrStartingRecorderIsNeverChecked() {
		for (Observed o : everyObservation()) {
			if (o.judgement() != null && NOTHING_TO_CHECK.contains(o.judgement().kind())) {
				assertThat(ReconcileDecision.decide(o).steps()).as("%s", o).doesNotContain(CHECK_RECORDER);
			}
		}
	}

	@Test
	void onlyASilenceDeferredForItsHostAsksTheRuntimeAndOnlyWhenDue() {
		for (Observed o : everyObservation()) {
			Judgement j = o.judgement();
			if (j != null && DEFERRALS.contains(j.kind()) && ReconcileDecision.decide(o).has(CHECK_RECORDER)) {
				assertThat(j.deferred()).as("%s", o).isEqualTo(Kind.SILENT);
				assertThat(o.deferredCheckDue()).as("%s", o).isTrue();
			}
		}
	}

	@Test
	void onlyRecordingAndStoppingRecordingsGetStepsBesideAnExitOrAFinalizationsResumption() {
		for (Observed o : everyObservation()) {
			ReconcileDecision d = ReconcileDecision.decide(o);
			if (o.status().isFinal()) {
				assertThat(d.idle()).as("%s", o).isTrue();
			}
			else if (o.status() == RecordingStatus.FINALIZING) {
				assertThat(d.steps()).as("%s", o)
					.isEqualTo(o.exit() == RecorderExits.Seen.DUE ? List.of(HANDLE_EXIT)
							: o.finalizationCheckDue() ? List.of(RESUME_FINALIZATION) : List.of());
			}
			if (o.status() == RecordingStatus.STOPPING) {
				assertThat(d.steps()).as("%s", o)
					.allMatch(s -> s == STOP_BACKUP || s == FINISH_GONE_RECORDER || s == HANDLE_EXIT);
			}
			else {
				assertThat(d.steps()).as("%s", o).doesNotContain(STOP_BACKUP, FINISH_GONE_RECORDER);
			}
		}
	}

	/** A stop requested of a STOPPING backup, on whichever controller was asked. */
	private static boolean backupStopRequested(Observed o) {
		return o.stopRequested() && o.status() == RecordingStatus.STOPPING && o.epoch() > 0;
	}

	@Test
	void aStopRequestedOfABackupIsItsOnlyStepAndABackupIsStoppedOnlyWhenRequestedOrUnfinished() {
		for (Observed o : everyObservation()) {
			ReconcileDecision d = ReconcileDecision.decide(o);
			if (backupStopRequested(o)) {
				assertThat(d.steps()).as("%s", o).isEqualTo(List.of(STOP_BACKUP));
			}
			if (d.has(STOP_BACKUP)) {
				assertThat(o.status()).as("%s", o).isEqualTo(RecordingStatus.STOPPING);
				assertThat(backupStopRequested(o) || o.stopUnfinished()).as("%s", o).isTrue();
			}
		}
	}

	@Test
	void anExitDueIsHandledAloneAndAnExitWithinTheBackoffIsNeverJudged() {
		for (Observed o : everyObservation()) {
			ReconcileDecision d = ReconcileDecision.decide(o);
			if (backupStopRequested(o)) {
				assertThat(d.steps()).as("a backup's stop before its exit: %s", o).isEqualTo(List.of(STOP_BACKUP));
			}
			else if (o.exit() == RecorderExits.Seen.DUE && !o.status().isFinal()) {
				assertThat(d.steps()).as("%s", o).isEqualTo(List.of(HANDLE_EXIT));
			}
			else {
				assertThat(d.steps()).as("only a due exit is handled: %s", o).doesNotContain(HANDLE_EXIT);
			}
			if (o.exit() == RecorderExits.Seen.WAITING) {
				assertThat(d.steps()).as("%s", o).doesNotContain(CHECK_RECORDER, LOOKUP_PRIMARY);
				if (!o.pending()) {
					assertThat(d.steps()).as("a backup claimed meanwhile goes on; else nothing: %s", o)
						.doesNotContain(ASK_OPENVIDU, RETRY_START);
				}
			}
		}
	}

	@Test
	void aControllerWithoutTheLeaseOnlyEverStopsABackupItWasAskedToOrHandlesAnExit() {
		for (Observed o : everyObservation()) {
			Observed elsewhere = new Observed(false, o.status(), o.epoch(), o.exit(), o.stopRequested(), o.pending(),
					o.retryDue(), o.firstChunkAwaited(), o.primaryUnidentified(), o.primaryLookupDue(),
					o.openViduCheckDue(), o.judgement(), o.deferredCheckDue(), o.stopUnfinished(), o.goneRecorderDue(),
					o.finalizationCheckDue(), o.idle());
			List<Step> expected = backupStopRequested(o) ? List.of(STOP_BACKUP)
					: o.exit() == RecorderExits.Seen.DUE && !o.status().isFinal() ? List.of(HANDLE_EXIT) : List.of();
			assertThat(ReconcileDecision.decide(elsewhere).steps()).as("%s", elsewhere).isEqualTo(expected);
			if (o.leaseHolder() && !o.pending() && !o.retryDue() && !o.firstChunkAwaited() && !o.primaryUnidentified()
					&& !o.primaryLookupDue() && !o.openViduCheckDue() && o.judgement() == null && !o.deferredCheckDue()
					&& !o.stopUnfinished() && !o.goneRecorderDue() && !o.finalizationCheckDue()) {
				assertThat(ReconcileDecision.Observed.eventsOnly(o.status(), o.epoch(), o.exit(), o.stopRequested()))
					.isEqualTo(elsewhere);
			}
		}
	}

	@Test
	void aPendingBackupIsNeverJudgedOrLookedUp() {
		for (Observed o : everyObservation()) {
			if (o.status() == RecordingStatus.RECORDING && o.pending()) {
				assertThat(ReconcileDecision.decide(o).steps()).as("%s", o).doesNotContain(CHECK_RECORDER, LOOKUP_PRIMARY);
			}
		}
	}

	@Test
	void aPrimaryIsNeverAskedAboutWhileItRecords() {
		for (Observed o : everyObservation()) {
			if (o.status() == RecordingStatus.RECORDING && !o.pending() && o.epoch() == 0) {
				assertThat(ReconcileDecision.decide(o).steps()).as("%s", o).doesNotContain(ASK_OPENVIDU);
			}
		}
	}

	@Test
	void aJudgementAloneChecksTheRecorderOnAFailureOrADeferredSilenceDue() {
		Set<Kind> failures = EnumSet.of(Kind.SILENT, Kind.START_TIMEOUT, Kind.MEDIA_STALLED, Kind.CHUNK_STALLED,
				Kind.NO_CONTENT);
		for (Kind kind : Kind.values()) {
			for (Kind deferred : Kind.values()) {
				for (boolean due : new boolean[] { false, true }) {
					Judgement j = judged(kind, DEFERRALS.contains(kind) ? deferred : null);
					boolean expected = failures.contains(kind)
							|| DEFERRALS.contains(kind) && deferred == Kind.SILENT && due;
					ReconcileDecision d = ReconcileDecision.decide(new Observed(true, RecordingStatus.RECORDING, 1,
							RecorderExits.Seen.NONE, false, false, false, false, false, false, false, j, due, false,
							false, false, false));
					assertThat(d.steps()).as("%s, runtime check due: %s", j, due)
						.isEqualTo(expected ? List.of(CHECK_RECORDER) : List.of());
				}
			}
		}
	}

	@Test
	void aFinalizationIsResumedAloneAndOnlyWhenFinalizingWithItsQuestionDueAndNoExitDue() {
		for (Observed o : everyObservation()) {
			ReconcileDecision d = ReconcileDecision.decide(o);
			boolean expected = o.leaseHolder() && o.status() == RecordingStatus.FINALIZING && o.finalizationCheckDue()
					&& o.exit() != RecorderExits.Seen.DUE;
			assertThat(d.has(RESUME_FINALIZATION)).as("%s -> %s", o, d).isEqualTo(expected);
			if (expected) {
				assertThat(d.steps()).as("%s", o).containsExactly(RESUME_FINALIZATION);
			}
		}
	}

	@Test
	void withoutARecorderOnlyAFinalizationIsEverResumedOrAnIdleRecordingAbandoned() {
		for (RecordingStatus status : RecordingStatus.values()) {
			for (long epoch = 0; epoch <= 2; epoch++) {
				for (boolean due : new boolean[] { false, true }) {
					for (int flags = 0; flags < 4; flags++) {
						boolean idle = bit(flags, 0);
						boolean leaseHolder = bit(flags, 1);
						ReconcileDecision d = ReconcileDecision
							.decide(Observed.withoutRecorder(leaseHolder, status, epoch, due, idle));
						List<Step> expected = status.isFinal() || !leaseHolder ? List.of()
								: status == RecordingStatus.FINALIZING && due ? List.of(RESUME_FINALIZATION)
										: idle ? List.of(ABANDON) : List.of();
						assertThat(d.steps()).as("%s epoch %d due %s idle %s lease %s", status, epoch, due, idle,
								leaseHolder)
							.isEqualTo(expected);
					}
				}
			}
		}
	}

	/**
	 * Every observation again with its recording idle: the lease holder abandons a recording that
	 * is not final, alone, unless a stop requested of its backup or its recorder's exit comes first
	 * (both are activity), or a finalization question is due (a finalization that runs or waits is
	 * never abandoned: the question comes first); any other step waits.
	 */
	@Test
	void anIdleRecordingIsAbandonedAloneUnlessAStopAnExitOrAFinalizationQuestionComesFirst() {
		for (Observed busy : everyObservation()) {
			for (boolean leaseHolder : new boolean[] { true, false }) {
				Observed o = new Observed(leaseHolder, busy.status(), busy.epoch(), busy.exit(), busy.stopRequested(),
						busy.pending(), busy.retryDue(), busy.firstChunkAwaited(), busy.primaryUnidentified(),
						busy.primaryLookupDue(), busy.openViduCheckDue(), busy.judgement(), busy.deferredCheckDue(),
						busy.stopUnfinished(), busy.goneRecorderDue(), busy.finalizationCheckDue(), true);
				ReconcileDecision d = ReconcileDecision.decide(o);
				List<Step> first = backupStopRequested(o) ? List.of(STOP_BACKUP)
						: o.exit() == RecorderExits.Seen.DUE && !o.status().isFinal() ? List.of(HANDLE_EXIT) : null;
				List<Step> expected = first != null ? first
						: !leaseHolder || o.status().isFinal() ? List.of()
								: o.status() == RecordingStatus.FINALIZING && o.finalizationCheckDue()
										? List.of(RESUME_FINALIZATION) : List.of(ABANDON);
				assertThat(d.steps()).as("%s", o).isEqualTo(expected);
			}
		}
	}

}
