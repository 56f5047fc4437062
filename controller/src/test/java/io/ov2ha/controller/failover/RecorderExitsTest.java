package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.failover.RecorderExits.Exit;
import io.ov2ha.controller.failover.RecorderExits.Seen;

/** The exits event sources write down for the reconciler: seen once, taken once, later again, then forgotten. */
class RecorderExitsTest {

	private static final Instant T = Instant.parse("2026-12-05T12:00:00Z");

	private static final String A = "a".repeat(64);

	private static final String B = "b".repeat(64);

	private static Exit exit(String container, long code, String source) {
		return new Exit(container, code, T, source, false, null);
	}

	@Test
	void theFirstReportOfAnExitIsKeptAndTakenOnce() {
		RecorderExits exits = new RecorderExits(Clock.fixed(T, ZoneOffset.UTC));
		assertThat(exits.of(A, T)).isEqualTo(Seen.NONE);
		assertThat(exits.of(null, T)).isEqualTo(Seen.NONE);
		exits.seen(exit(A, 137, "docker-event"));
		exits.seen(exit(A, 0, "container-finished"));
		assertThat(exits.of(A, T)).isEqualTo(Seen.DUE);
		assertThat(exits.of(B, T)).isEqualTo(Seen.NONE);
		assertThat(exits.take(A, T)).contains(exit(A, 137, "docker-event"));
		assertThat(exits.take(A, T)).isEmpty();
		assertThat(exits.of(A, T)).isEqualTo(Seen.NONE);
	}

	@Test
	void anExitRefusedForTheBackoffWaitsForItsEnd() {
		RecorderExits exits = new RecorderExits(Clock.fixed(T, ZoneOffset.UTC));
		exits.later(exit(A, 137, "docker-event"), T.plusSeconds(2));
		Instant due = T.plusSeconds(2).plus(RecorderExits.RETRY_MARGIN);
		assertThat(exits.of(A, due.minusMillis(1))).isEqualTo(Seen.WAITING);
		assertThat(exits.take(A, due.minusMillis(1))).isEmpty();
		assertThat(exits.of(A, due)).isEqualTo(Seen.DUE);
		assertThat(exits.take(A, due)).map(Exit::source).contains("docker-event");
	}

	@Test
	void anExitNobodyHandledIsForgottenAfterAWhile() {
		Instant later = T.plus(RecorderExits.KEPT_FOR).plusSeconds(1);
		RecorderExits exits = new RecorderExits(Clock.fixed(later, ZoneOffset.UTC));
		exits.seen(exit(A, 137, "docker-event"));
		exits.later(exit(B, 137, "docker-event"), T.plusSeconds(10));
		exits.seen(new Exit(B.replace('b', 'c'), 137L, later, "docker-event", false, null));
		assertThat(exits.of(A, later)).as("seen long ago, its container no recording's current one").isEqualTo(Seen.NONE);
		assertThat(exits.of(B, later)).as("its back-off ended less than the keeping time ago").isEqualTo(Seen.DUE);
		assertThat(exits.size()).isEqualTo(2);
	}

}
