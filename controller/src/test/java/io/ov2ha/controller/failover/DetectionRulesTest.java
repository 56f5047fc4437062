package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;

/** Heartbeat 2 s x 3, chunks of 10 s, stall grace 5 s (the defaults). */
class DetectionRulesTest {

	private final DetectionRules rules = new DetectionRules(Duration.ofSeconds(2), Duration.ofSeconds(6),
			Duration.ofSeconds(10), Duration.ofSeconds(25));

	private final Instant start = Instant.parse("2026-01-01T10:00:00Z");

	private final Instant now = start.plusSeconds(600);

	private Snapshot snapshot(long epoch, Instant heartbeatAt, Instant lastChunkAt, Instant progressAt,
			Instant epochSince) {
		FailoverState state = new FailoverState(1L, null, null, 0, "", null, "", epochSince, null, null,
				progressAt == null ? null : 5L, progressAt, null);
		return new Snapshot(RecordingId.of("ses_A"), 1L, RecordingStatus.RECORDING, epoch, "", heartbeatAt, 5L,
				lastChunkAt, 5L, 0, start.plusSeconds(1), start.plusSeconds(1), state);
	}

	@Test
	void nothingIsJudgedDuringOneHeartbeatTimeoutAfterTheControllerStarted() {
		Instant restart = now.minusSeconds(20);
		Snapshot silent = snapshot(0, restart.minusSeconds(300), restart.minusSeconds(300), null, null);
		assertThat(rules.judge(silent, restart.plusSeconds(5), restart).kind())
			.isEqualTo(DetectionRules.Kind.NOT_JUDGED);
		// chunk reports could not arrive while no controller listened: progress counts from the restart
		assertThat(rules.judge(silent, restart.plusSeconds(7), restart).kind())
			.isEqualTo(DetectionRules.Kind.CHUNKS_ARRIVING);
		assertThat(rules.judge(silent, restart.plusSeconds(13), restart).kind()).isEqualTo(DetectionRules.Kind.SILENT);
	}

	@Test
	void aRecorderWithFreshHeartbeatsAndChunksIsHealthy() {
		Snapshot s = snapshot(0, now.minusSeconds(1), now.minusSeconds(4), null, null);
		assertThat(rules.judge(s, now, start).kind()).isEqualTo(DetectionRules.Kind.HEALTHY);
	}

	@Test
	void noHeartbeatAndNoChunkIsSilent() {
		Snapshot s = snapshot(0, now.minusSeconds(7), now.minusSeconds(13), null, null);
		assertThat(rules.judge(s, now, start).kind()).isEqualTo(DetectionRules.Kind.SILENT);
	}

	@Test
	void chunksThatKeepArrivingPreventAFailoverForMissingHeartbeats() {
		Snapshot s = snapshot(0, now.minusSeconds(30), now.minusSeconds(9), null, null);
		assertThat(rules.judge(s, now, start).kind()).isEqualTo(DetectionRules.Kind.CHUNKS_ARRIVING);
		// heartbeat-reported progress counts as arriving chunks too (uploads may lag)
		Snapshot viaHeartbeat = snapshot(0, now.minusSeconds(30), now.minusSeconds(60), now.minusSeconds(3), null);
		assertThat(rules.judge(viaHeartbeat, now, start).kind()).isEqualTo(DetectionRules.Kind.CHUNKS_ARRIVING);
	}

	@Test
	void heartbeatsWithoutChunksForTwoChunkDurationsPlusGraceIsAStall() {
		assertThat(rules.judge(snapshot(0, now.minusSeconds(1), now.minusSeconds(24), null, null), now, start).kind())
			.isEqualTo(DetectionRules.Kind.HEALTHY);
		assertThat(rules.judge(snapshot(0, now.minusSeconds(1), now.minusSeconds(26), null, null), now, start).kind())
			.isEqualTo(DetectionRules.Kind.STALLED);
	}

	@Test
	void aNewBackupIsMeasuredFromItsStartNotFromTheDeadRecordersLastSigns() {
		Instant backupStart = now.minusSeconds(3);
		Snapshot s = snapshot(1, now.minusSeconds(40), now.minusSeconds(40), now.minusSeconds(40), backupStart);
		assertThat(rules.judge(s, now, start).kind()).isEqualTo(DetectionRules.Kind.HEALTHY);
		// a backup that never heartbeats nor writes a chunk: silent after one chunk + one heartbeat interval
		assertThat(rules.judge(s, backupStart.plusSeconds(7), start).kind())
			.isEqualTo(DetectionRules.Kind.CHUNKS_ARRIVING);
		assertThat(rules.judge(s, backupStart.plusSeconds(13), start).kind()).isEqualTo(DetectionRules.Kind.SILENT);
	}

	@Test
	void progressIsMeasuredFromTheControllerStartAtTheEarliest() {
		// the controller was down: chunk reports could not arrive meanwhile
		Snapshot s = snapshot(0, start.plusSeconds(7), start.minusSeconds(120), null, null);
		assertThat(rules.judge(s, start.plusSeconds(8), start).kind()).isEqualTo(DetectionRules.Kind.HEALTHY);
	}

	@Test
	void arrivalWindowCoversOneChunkPlusOneHeartbeat() {
		assertThat(rules.arrivalWindow()).isEqualTo(Duration.ofSeconds(12));
		DetectionRules fast = new DetectionRules(Duration.ofSeconds(2), Duration.ofSeconds(6), Duration.ofSeconds(2),
				Duration.ofSeconds(9));
		assertThat(fast.arrivalWindow()).isEqualTo(Duration.ofSeconds(6));
	}

	@Test
	void aStateLeftByAnEarlierRecordingWithTheSameIdIsIgnored() {
		FailoverState state = FailoverState.fromHash(Map.of("createdAt", "5", "pendingEpoch", "3"), 6);
		assertThat(state).isEqualTo(FailoverState.NONE);
		assertThat(FailoverState.fromHash(Map.of("createdAt", "6", "pendingEpoch", "3"), 6).pending(3)).isTrue();
	}

}
