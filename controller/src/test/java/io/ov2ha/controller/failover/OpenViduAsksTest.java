package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.openvidu.OpenViduAnswer;
import io.ov2ha.controller.recording.RecorderProgress;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * When a running backup's session is checked with OpenVidu: every interval, and every 2 s while
 * OpenVidu does not answer at all (a restart under way), never more often for a refused secret.
 */
class OpenViduAsksTest {

	private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

	private static final Duration INTERVAL = Duration.ofSeconds(10);

	private final OpenViduAsks asks = new OpenViduAsks();

	private static Snapshot backup() {
		return new Snapshot(RecordingId.of("ses_A"), 1L, RecordingStatus.RECORDING, 1, "", T0, 5L, T0, 5L, 1, T0, T0,
				FailoverState.NONE, RecorderProgress.NONE);
	}

	private static Recording recording() {
		return new Recording(1, RecordingId.of("ses_A"), 1L, RecordingStatus.RECORDING, null, null, 1, "", "", null, null,
				"ses_A", "ses_A", null, null, null, null, null, null, null, 0, 0, null, null, 1, null, RecorderProgress.NONE,
				null, null);
	}

	private boolean due(double seconds) {
		return due(seconds, INTERVAL);
	}

	/** Whether a check is due at {@code seconds}; checked then when it is (as the sweep does). */
	private boolean due(double seconds, Duration interval) {
		Instant at = T0.plusMillis(Math.round(seconds * 1000));
		boolean due = asks.checkDue(backup(), at, interval);
		if (due) {
			asks.checked(backup(), at);
		}
		return due;
	}

	@Test
	void aBackupIsCheckedAtFirstSightThenEveryInterval() {
		assertThat(due(0)).isTrue();
		assertThat(due(1)).isFalse();
		assertThat(due(9.9)).isFalse();
		assertThat(due(10)).isTrue();
		assertThat(due(15)).isFalse();
	}

	@Test
	void whileOpenViduDoesNotAnswerItIsAskedEveryTwoSecondsUntilItAnswers() {
		assertThat(due(0)).isTrue();
		asks.noteAnswer(recording(), OpenViduAnswer.UNREACHABLE, T0);
		assertThat(due(1.9)).isFalse();
		assertThat(due(2)).isTrue();
		assertThat(due(3)).isFalse();
		assertThat(due(4)).isTrue();
		// it answers: back to the interval
		asks.noteAnswer(recording(), OpenViduAnswer.SESSION_ACTIVE, T0.plusSeconds(4));
		assertThat(due(6)).isFalse();
		assertThat(due(13.9)).isFalse();
		assertThat(due(14)).isTrue();
	}

	@Test
	void aRefusedSecretIsNotAskedSooner() {
		assertThat(due(0)).isTrue();
		asks.noteAnswer(recording(), OpenViduAnswer.MISCONFIGURED, T0);
		assertThat(due(2)).isFalse();
		assertThat(due(10)).isTrue();
		assertThat(asks.unreachableSince(recording())).as("it still counts as no answer for the grace").isEqualTo(T0);
	}

	@Test
	void anIntervalShorterThanTwoSecondsStays() {
		assertThat(due(0, Duration.ofSeconds(1))).isTrue();
		asks.noteAnswer(recording(), OpenViduAnswer.UNREACHABLE, T0);
		assertThat(due(1, Duration.ofSeconds(1))).isTrue();
	}

	@Test
	void askingWhetherACheckIsDueDoesNotCountAsACheck() {
		assertThat(asks.checkDue(backup(), T0, INTERVAL)).isTrue();
		assertThat(asks.checkDue(backup(), T0.plusSeconds(1), INTERVAL)).as("not checked yet: still due").isTrue();
		asks.checked(backup(), T0.plusSeconds(1));
		assertThat(due(2)).isFalse();
		assertThat(due(11)).isTrue();
	}

	@Test
	void anEndedRecordingStartsOver() {
		assertThat(due(0)).isTrue();
		asks.noteAnswer(recording(), OpenViduAnswer.UNREACHABLE, T0);
		asks.forget(recording());
		assertThat(due(0.5)).as("first sight again").isTrue();
		assertThat(due(2.5)).as("no answer remembered").isFalse();
	}

}
