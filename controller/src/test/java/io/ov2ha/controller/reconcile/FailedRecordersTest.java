package io.ov2ha.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.failover.OpenViduAsks;
import io.ov2ha.controller.failover.OpenViduGate;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.openvidu.OpenViduClients;
import io.ov2ha.controller.reconcile.RecorderExits.Seen;
import io.ov2ha.controller.recording.RecorderProgress;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.support.MutableClock;

/**
 * What the reconciler's {@code HANDLE_EXIT} does with an exit written down: handled only for the
 * recording's current recorder, taken once, put back (due again shortly) when its handling fails,
 * and dropped when a check found the same exit first. Exit code 3 (fenced) needs no collaborator:
 * it is told and nothing else; the collaborators of a backup are not built here (the back-off's
 * retry runs in {@code StandbyRecordersTest} against a real engine).
 */
class FailedRecordersTest {

	private static final Instant T = Instant.parse("2026-12-05T12:00:00Z");

	private static final RecordingId ID = RecordingId.of("ses_Failed");

	private static final String CURRENT = "c".repeat(64);

	private static final String EARLIER = "e".repeat(64);

	private final MutableClock clock = new MutableClock(T);

	private final RecorderExits exits = new RecorderExits(clock);

	private final Map<RecordingId, Recording> registry = Map.of(ID, recording(CURRENT));

	/** No stop markers: a gone container's exit (no code) fails in its handling. */
	private final FailedRecorders failed = new FailedRecorders(null, id -> Optional.ofNullable(registry.get(id)), exits,
			null, null, null, null, clock, null, null, null, null, null, () -> T, () -> T, id -> Runnable::run, null);

	private static Recording recording(String containerId) {
		return new Recording(1, ID, 1L, RecordingStatus.RECORDING, null, null, 1, containerId, "", null, null, "ses",
				"ses", null, null, null, null, null, null, null, 0, 0, null, null, 1, null, RecorderProgress.NONE, null,
				null);
	}

	@Test
	void theCurrentRecordersExitIsTakenAndHandledOnce() {
		exits.seen(ID, CURRENT, 3L, T, "docker-event");
		failed.handleExit(ID, CURRENT);
		assertThat(exits.of(CURRENT, T)).isEqualTo(Seen.NONE);
		failed.handleExit(ID, CURRENT);
		assertThat(exits.size()).isZero();
	}

	@Test
	void anEarlierRecordersExitIsNotTaken() {
		exits.seen(ID, EARLIER, 137L, T, "docker-event");
		failed.handleExit(ID, EARLIER);
		assertThat(exits.of(EARLIER, T)).as("left for the reconciliation to drop").isEqualTo(Seen.DUE);
		failed.handleExit(RecordingId.of("ses_Unknown"), EARLIER);
		assertThat(exits.of(EARLIER, T)).isEqualTo(Seen.DUE);
	}

	@Test
	void anExitWhoseHandlingFailsIsPutBackDueAgainShortly() {
		exits.seen(ID, CURRENT, null, T, "docker-event");
		assertThatThrownBy(() -> failed.handleExit(ID, CURRENT)).isInstanceOf(RuntimeException.class);
		assertThat(exits.of(CURRENT, T)).isEqualTo(Seen.WAITING);
		Instant again = T.plus(RecorderExits.REQUEUE_AGAIN);
		assertThat(exits.of(CURRENT, again)).isEqualTo(Seen.DUE);
		assertThat(exits.dueRetries(again)).as("its recording queued again").containsExactly(ID);
	}

	@Test
	void anExitWhoseBackupFailsToBeClaimedIsPutBackWithTheEvidenceFirstFound() {
		// OpenVidu's checks off: the gate lets the backup go on at once; no FailoverService to claim it
		OpenViduGate gate = new OpenViduGate(OpenViduClients.of("", ""), null, null, new OpenViduAsks(), null, clock);
		FailedRecorders replacing = new FailedRecorders(null, id -> Optional.ofNullable(registry.get(id)), exits,
				null, null, null, null, clock, null, gate, null, null, null, () -> T, () -> T, id -> Runnable::run,
				null);
		exits.seen(ID, CURRENT, 137L, T, "docker-event");
		assertThatThrownBy(() -> replacing.handleExit(ID, CURRENT)).isInstanceOf(RuntimeException.class);
		Instant again = T.plus(RecorderExits.REQUEUE_AGAIN);
		assertThat(exits.take(CURRENT, again)).map(RecorderExits.Exit::removed)
			.as("asked once (not removed, the checks being off), kept for the retry")
			.contains(false);
	}

	@Test
	void anExitFoundByACheckFirstIsNotHandledAgain() {
		exits.seen(ID, CURRENT, 3L, T, "docker-event");
		failed.exited(recording(CURRENT), CURRENT, 3L, T, "container-finished", false);
		assertThat(exits.size()).isZero();
	}

}
