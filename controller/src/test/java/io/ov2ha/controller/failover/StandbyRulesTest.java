package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ov2ha.controller.failover.StandbyRules.Fate;
import io.ov2ha.controller.failover.StandbyRules.Role;

/** The warm standby pool's rules: every kind of container, the refill, the back-off, exits, hand-overs. */
class StandbyRulesTest {

	private static final Instant NOW = Instant.parse("2026-01-01T10:10:00Z");

	private static final BooleanSupplier HELD = () -> true;

	private static final BooleanSupplier FREE = () -> false;

	static Stream<Arguments> roles() {
		return Stream.of(
				// name, running, resolution, claim, kept so far, wanted -> role
				arguments(false, true, true, FREE, 0, 1, Role.HANDED_OVER),
				arguments(false, false, false, HELD, 5, 0, Role.HANDED_OVER),
				arguments(true, false, true, FREE, 0, 1, Role.EXITED),
				arguments(true, false, false, HELD, 0, 1, Role.EXITED),
				arguments(true, true, false, FREE, 0, 1, Role.OTHER_RESOLUTION),
				arguments(true, true, false, HELD, 0, 1, Role.OTHER_RESOLUTION),
				// a claimed one counts whatever the number: it is being handed a recording
				arguments(true, true, true, HELD, 0, 1, Role.CLAIMED),
				arguments(true, true, true, HELD, 3, 1, Role.CLAIMED),
				arguments(true, true, true, HELD, 0, 0, Role.CLAIMED),
				arguments(true, true, true, FREE, 0, 1, Role.FREE),
				arguments(true, true, true, FREE, 1, 2, Role.FREE),
				arguments(true, true, true, FREE, 1, 1, Role.EXTRA),
				arguments(true, true, true, FREE, 2, 1, Role.EXTRA),
				// standbys turned off (0): every free one is one too many
				arguments(true, true, true, FREE, 0, 0, Role.EXTRA));
	}

	@ParameterizedTest
	@MethodSource("roles")
	void eachContainerHasOneRole(boolean standbyName, boolean running, boolean sameResolution, BooleanSupplier claim,
			int keptSoFar, int wanted, Role expected) {
		assertThat(StandbyRules.role(standbyName, running, sameResolution, claim, keptSoFar, wanted)).isEqualTo(expected);
	}

	@Test
	void theClaimIsAskedOnlyWhenItDecides() {
		AtomicInteger asked = new AtomicInteger();
		BooleanSupplier claim = () -> asked.incrementAndGet() > 0;
		StandbyRules.role(false, true, true, claim, 0, 1);
		StandbyRules.role(true, false, true, claim, 0, 1);
		StandbyRules.role(true, true, false, claim, 0, 1);
		assertThat(asked).hasValue(0);
		StandbyRules.role(true, true, true, claim, 0, 1);
		assertThat(asked).hasValue(1);
	}

	static Stream<Arguments> refills() {
		Instant past = NOW.minusSeconds(1);
		Instant later = NOW.plusSeconds(1);
		return Stream.of(
				// free, claimed, wanted, back-off until, refill paused, saturated -> start one
				arguments(0, 0, 1, past, false, false, true),
				arguments(0, 0, 1, NOW, false, false, true),
				arguments(1, 0, 2, past, false, false, true),
				arguments(1, 0, 1, past, false, false, false),
				// a claimed one still counts until it took the backup's name
				arguments(0, 1, 1, past, false, false, false),
				arguments(0, 0, 0, past, false, false, false),
				arguments(0, 0, 1, later, false, false, false),
				// just after a hand-over: the standby taking over needs the CPU
				arguments(0, 0, 1, past, true, false, false),
				arguments(0, 0, 1, past, false, true, false));
	}

	@ParameterizedTest
	@MethodSource("refills")
	void oneMoreStartsOnlyWhenShortAndTheHostCanTakeIt(int free, int claimed, int wanted, Instant backoffUntil,
			boolean refillPaused, boolean saturated, boolean expected) {
		assertThat(StandbyRules.startOne(free, claimed, wanted, NOW, backoffUntil, refillPaused, saturated))
			.isEqualTo(expected);
	}

	@Test
	void theBackoffDoublesFromTenSecondsUpToFiveMinutes() {
		assertThat(Stream.of(1, 2, 3, 4, 5, 6, 7, 30).map(StandbyRules::backoff).map(Duration::toSeconds))
			.containsExactly(10L, 20L, 40L, 80L, 160L, 300L, 300L, 300L);
		assertThat(StandbyRules.backoff(0)).isEqualTo(Duration.ofSeconds(10));
	}

	static Stream<Arguments> exits() {
		Instant started = NOW.minusSeconds(100);
		return Stream.of(
				// started, finished, exit code, retired by the pool -> a failure of the image
				arguments(started, started.plusSeconds(5), 1L, false, true),
				arguments(started, started.plusSeconds(59), 137L, false, true),
				arguments(started, started.plusSeconds(5), null, false, true),
				arguments(null, null, 1L, false, true),
				arguments(started, null, 2L, false, true),
				// a clean exit, a late one, or one the pool killed is no failure
				arguments(started, started.plusSeconds(5), 0L, false, false),
				arguments(started, started.plusSeconds(60), 1L, false, false),
				arguments(started, started.plusSeconds(90), 137L, false, false),
				arguments(started, started.plusSeconds(5), 137L, true, false));
	}

	@ParameterizedTest
	@MethodSource("exits")
	void anEarlyFailedExitIsAFailureOfTheImage(Instant started, Instant finished, Long exitCode, boolean retired,
			boolean expected) {
		assertThat(StandbyRules.failedExit(started, finished, exitCode, retired)).isEqualTo(expected);
	}

	@Test
	void aStandbyReadyForAMinuteProvesTheImageWorks() {
		assertThat(StandbyRules.provenReady(NOW.minusSeconds(61), NOW)).isTrue();
		assertThat(StandbyRules.provenReady(NOW.minusSeconds(60), NOW)).isFalse();
		assertThat(StandbyRules.provenReady(NOW.minusSeconds(5), NOW)).isFalse();
		assertThat(StandbyRules.provenReady(null, NOW)).isFalse();
	}

	static Stream<Arguments> handOvers() {
		Instant justNow = NOW.minusSeconds(5);
		Instant longAgo = NOW.minusSeconds(120);
		return Stream.of(
				// current, recording final, running, recording updated at -> fate
				arguments(true, false, true, longAgo, Fate.KEEP),
				arguments(true, false, false, longAgo, Fate.KEEP),
				// just sealed: it exits once its finalize call returned
				arguments(true, true, true, justNow, Fate.KEEP),
				arguments(true, true, true, longAgo, Fate.KILL),
				arguments(true, true, true, null, Fate.KILL),
				arguments(true, true, false, justNow, Fate.REMOVE),
				// replaced by a later epoch, or its recording is gone
				arguments(false, false, true, justNow, Fate.KILL),
				arguments(false, false, false, justNow, Fate.REMOVE),
				arguments(false, true, true, null, Fate.KILL));
	}

	@ParameterizedTest
	@MethodSource("handOvers")
	void aHandedOverStandbyLivesAsLongAsItsRecordingUsesIt(boolean current, boolean recordingFinal, boolean running,
			Instant updatedAt, Fate expected) {
		assertThat(StandbyRules.afterHandOver(current, recordingFinal, running, updatedAt, Duration.ofSeconds(30), NOW))
			.isEqualTo(expected);
	}

}
