package io.ov2ha.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.reconcile.RecorderExits.Exit;
import io.ov2ha.controller.reconcile.RecorderExits.Seen;
import io.ov2ha.controller.support.MutableClock;

/**
 * The exits event sources write down for the reconciler: seen once, taken once, due again after
 * a back-off (its recording queued once per back-off), queued again while left unhandled, an
 * earlier recorder's dropped, forgotten by this controller's clock only.
 */
class RecorderExitsTest {

	private static final Instant T = Instant.parse("2026-12-05T12:00:00Z");

	private static final String A = "a".repeat(64);

	private static final String B = "b".repeat(64);

	private static final RecordingId ID = RecordingId.of("ses_Exits");

	private final MutableClock clock = new MutableClock(T);

	private final RecorderExits exits = new RecorderExits(clock);

	@Test
	void theFirstReportOfAnExitIsKeptAndTakenOnce() {
		assertThat(exits.of(A, T)).isEqualTo(Seen.NONE);
		assertThat(exits.of(null, T)).isEqualTo(Seen.NONE);
		exits.seen(ID, A, 137L, T, "docker-event");
		exits.seen(ID, A, 0L, T, "container-finished");
		assertThat(exits.of(A, T)).isEqualTo(Seen.DUE);
		assertThat(exits.of(B, T)).isEqualTo(Seen.NONE);
		Exit exit = exits.take(A, T).orElseThrow();
		assertThat(exit).isEqualTo(new Exit(A, 137L, T, "docker-event", false, null, T));
		assertThat(exits.take(A, T)).isEmpty();
		assertThat(exits.of(A, T)).isEqualTo(Seen.NONE);
	}

	@Test
	void aLaterReportOnlyAddsTheOomKillersMarkTheFirstDidNotHave() {
		exits.seen(ID, A, 137L, T, "docker-event");
		exits.later(ID, exits.take(A, T).orElseThrow(), T.plusSeconds(10));
		exits.oomKilled(A);
		exits.seen(ID, A, 137L, T.plusSeconds(1), "container-finished");
		assertThat(exits.of(A, T.plusSeconds(5))).as("its back-off kept").isEqualTo(Seen.WAITING);
		assertThat(exits.take(A, T.plusSeconds(11)).orElseThrow())
			.isEqualTo(new Exit(A, 137L, T, "docker-event", true, null, T));
	}

	@Test
	void anExitWhoseHandlingFailsIsDueAgainAfterAWhileAndForgottenFromWhenFirstSeen() {
		exits.seen(ID, A, null, T, "docker-event");
		Exit exit = exits.take(A, T).orElseThrow();
		exits.putBack(ID, exit.withRemoved(true));
		exits.putBack(ID, exit);
		Instant again = T.plus(RecorderExits.REQUEUE_AGAIN);
		assertThat(exits.take(A, again.minusMillis(1))).as("not at once").isEmpty();
		assertThat(exits.dueRetries(again)).containsExactly(ID);
		assertThat(exits.take(A, again)).as("the first put back, with its evidence").contains(exit.withRemoved(true));
		// failing again and again: still forgotten from when it was first seen
		clock.set(T.plusSeconds(1200));
		exits.putBack(ID, exit);
		exits.forgetOlderThan(T.plusSeconds(600));
		assertThat(exits.size()).isZero();
	}

	@Test
	void theOomKillersMarkGoesWithTheExitThatFollows() {
		exits.oomKilled(A);
		exits.seen(ID, A, 137L, T, "docker-event");
		exits.seen(ID, B, 137L, T, "docker-event");
		assertThat(exits.take(A, T)).map(Exit::oom).contains(true);
		assertThat(exits.take(B, T)).map(Exit::oom).contains(false);
	}

	@Test
	void anOomKillersMarkSeenWhileTheExitWasBeingHandledIsKeptWhenItIsRefusedOrPutBack() {
		exits.seen(ID, A, 137L, T, "docker-event");
		Exit refused = exits.take(A, T).orElseThrow();
		exits.oomKilled(A);
		exits.seen(ID, A, 137L, T, "container-finished");
		exits.later(ID, refused, T.plusSeconds(2));
		assertThat(exits.of(A, T.plusSeconds(1))).as("the back-off").isEqualTo(Seen.WAITING);
		assertThat(exits.take(A, T.plusSeconds(3)).orElseThrow()).isEqualTo(refused.withOom());

		exits.seen(ID, B, null, T, "docker-event");
		Exit failed = exits.take(B, T).orElseThrow();
		exits.oomKilled(B);
		exits.seen(ID, B, 137L, T, "container-finished");
		exits.putBack(ID, failed);
		assertThat(exits.take(B, T).orElseThrow()).as("the report seen since, due at once")
			.isEqualTo(new Exit(B, 137L, T, "container-finished", true, null, T));
	}

	@Test
	void anExitPutBackKeepsItsOomKillersMarkWhenAReportWithoutItCameBetween() {
		exits.oomKilled(A);
		exits.seen(ID, A, 137L, T, "docker-event");
		Exit failed = exits.take(A, T).orElseThrow();
		exits.seen(ID, A, 137L, T, "container-finished");
		exits.putBack(ID, failed);
		assertThat(exits.take(A, T).orElseThrow().oom()).isTrue();
	}

	@Test
	void anExitRefusedForTheBackoffIsDueOnceItEndsAndItsRecordingQueuedOnce() {
		exits.later(ID, new Exit(A, 137L, T, "docker-event", false, true, T), T.plusSeconds(2));
		Instant due = T.plusSeconds(2).plus(RecorderExits.RETRY_MARGIN);
		assertThat(exits.of(A, due.minusMillis(1))).isEqualTo(Seen.WAITING);
		assertThat(exits.take(A, due.minusMillis(1))).isEmpty();
		assertThat(exits.dueRetries(due.minusMillis(1))).isEmpty();
		assertThat(exits.of(A, due)).isEqualTo(Seen.DUE);
		assertThat(exits.dueRetries(due)).containsExactly(ID);
		assertThat(exits.dueRetries(due.plusSeconds(1))).as("once").isEmpty();
		assertThat(exits.take(A, due)).map(Exit::removed).as("the evidence first found").contains(true);
	}

	@Test
	void anExitIsForgottenByWhenThisControllerWroteItDownNotByTheEnginesClock() {
		// an engine whose clock is far behind, or events replayed after a long outage
		exits.seen(ID, A, 137L, T.minus(Duration.ofHours(2)), "docker-event");
		exits.seen(ID, B, 137L, T, "docker-event");
		assertThat(exits.of(A, T)).as("not forgotten by another's arrival").isEqualTo(Seen.DUE);
		exits.forgetOlderThan(T.minusSeconds(60));
		assertThat(exits.of(A, T)).as("written down after the cutoff, whatever the engine's time").isEqualTo(Seen.DUE);
		String c = "c".repeat(64);
		exits.later(ID, new Exit(c, 137L, T.plusSeconds(50), "docker-event", false, null, T.plusSeconds(200)),
				T.plusSeconds(900));
		clock.set(T.plusSeconds(700));
		exits.forgetOlderThan(T.plusSeconds(100));
		assertThat(exits.of(A, clock.instant())).as("written down before the cutoff").isEqualTo(Seen.NONE);
		assertThat(exits.of(c, clock.instant())).as("first seen after it").isEqualTo(Seen.WAITING);
		assertThat(exits.size()).isEqualTo(1);
		exits.forgetOlderThan(T.plusSeconds(300));
		assertThat(exits.size()).as("a back-off ending that late is left to the checks").isZero();
	}

	@Test
	void anExitRefusedAgainIsQueuedAgainAfterItsNewBackoff() {
		Exit exit = new Exit(A, 137L, T, "docker-event", false, false, T);
		exits.later(ID, exit, T.plusSeconds(2));
		Instant first = T.plusSeconds(3);
		assertThat(exits.dueRetries(first)).containsExactly(ID);
		exits.take(A, first).orElseThrow();
		exits.later(ID, exit, T.plusSeconds(10));
		assertThat(exits.dueRetries(T.plusSeconds(9))).isEmpty();
		assertThat(exits.dueRetries(T.plusSeconds(11))).containsExactly(ID);
	}

	@Test
	void anExitLeftUnhandledHasItsRecordingQueuedAgainEveryFewSeconds() {
		exits.seen(ID, A, 137L, T, "docker-event");
		assertThat(exits.dueRetries(T.plusSeconds(1))).as("the event queued it").isEmpty();
		Instant later = T.plus(RecorderExits.REQUEUE_AGAIN);
		assertThat(exits.dueRetries(later)).as("its reconciliation failed, or ran elsewhere").containsExactly(ID);
		assertThat(exits.dueRetries(later.plusSeconds(1))).isEmpty();
		assertThat(exits.dueRetries(later.plus(RecorderExits.REQUEUE_AGAIN))).containsExactly(ID);
	}

	@Test
	void onlyTheCurrentRecordersExitIsKeptWhenItsRecordingIsReconciled() {
		RecordingId other = RecordingId.of("ses_Other");
		exits.seen(ID, A, 137L, T, "docker-event");
		exits.seen(ID, B, 137L, T, "docker-event");
		exits.seen(other, "c".repeat(64), 137L, T, "docker-event");
		Instant read = T.plusMillis(1);
		exits.keepOnly(ID, Optional.of(""), read);
		assertThat(exits.size()).as("a backup claimed, not started: its own exit may come first").isEqualTo(3);
		exits.keepOnly(ID, Optional.of(B), read);
		assertThat(exits.of(A, T)).isEqualTo(Seen.NONE);
		assertThat(exits.of(B, T)).isEqualTo(Seen.DUE);
		clock.set(read);
		exits.seen(ID, A, 137L, T, "docker-event");
		exits.keepOnly(ID, Optional.of(B), read);
		assertThat(exits.of(A, T)).as("written down after the recording was read").isEqualTo(Seen.DUE);
		exits.keepOnly(ID, Optional.empty(), read.plusMillis(1));
		assertThat(exits.of(B, T)).as("final: none kept").isEqualTo(Seen.NONE);
		assertThat(exits.size()).as("another recording's").isEqualTo(1);
		exits.forget("c".repeat(64));
		assertThat(exits.size()).isZero();
	}

}
