package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ov2ha.controller.failover.Judgement.Kind;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecorderContent;
import io.ov2ha.controller.recording.RecorderContent.State;
import io.ov2ha.controller.recording.RecorderProgress;
import io.ov2ha.controller.recording.RecorderProgress.Phase;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * The content rule of {@link DetectionRules}: a capturing backup whose screen never showed
 * anything for the blank timeout (30 s here) has no content; nothing else does. Every row: the
 * epoch, the phase, the media progress, the content facts of the last heartbeat, the verdict.
 */
class ContentRuleTest {

	private static final Instant NOW = Instant.parse("2026-01-01T10:10:00Z");

	private static final DetectionSettings BASE = new DetectionSettings(Duration.ofSeconds(1),
			Duration.ofSeconds(4), Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(3),
			Duration.ofSeconds(60), 90, Duration.ofSeconds(15), Duration.ofSeconds(30));

	private static final DetectionRules RULES = new DetectionRules(BASE);

	private static final DetectionRules OFF = new DetectionRules(new DetectionSettings(BASE.heartbeatInterval(),
			BASE.heartbeatTimeout(), BASE.chunkDuration(), BASE.chunkStallTimeout(), BASE.stallTimeout(),
			BASE.startTimeout(), BASE.pressureThreshold(), BASE.pressureTimeout(), Duration.ZERO));

	/**
	 * @param epoch the current epoch (0: the primary)
	 * @param phase its phase
	 * @param advancedAgo seconds since its media time last advanced (at the last heartbeat, 0.5 s ago)
	 * @param content its content facts
	 */
	private static Snapshot snapshot(long epoch, Phase phase, double advancedAgo, RecorderContent content) {
		Instant since = NOW.minusSeconds(120);
		FailoverState state = new FailoverState(1L, null, null, 0, "", null, "", epoch > 0 ? since : null, null, null,
				null, null, null, "", "", null, null);
		RecorderProgress progress = new RecorderProgress(epoch, phase, phase == Phase.CAPTURING ? 60_000L : null,
				phase == Phase.CAPTURING ? 1500L : null, 1.0, NOW.minusMillis(Math.round(advancedAgo * 1000)), content);
		return new Snapshot(RecordingId.of("ses_A"), 1L, RecordingStatus.RECORDING, epoch, "", NOW.minusMillis(500), 5L,
				NOW.minusSeconds(5), 5L, epoch > 0 ? 1 : 0, epoch == 0 ? since : null, since, state, progress);
	}

	private static RecorderContent blank(long blankMs, Long shownMediaMs) {
		return new RecorderContent(State.BLANK, blankMs, shownMediaMs);
	}

	static Stream<Arguments> rows() {
		return Stream.of(
				arguments("backup blank 31 s, never shown: no content", 1L, Phase.CAPTURING, 0.5, blank(31_000, null), Kind.NO_CONTENT),
				arguments("backup blank exactly the timeout: no content", 2L, Phase.CAPTURING, 0.5, blank(30_000, null), Kind.NO_CONTENT),
				arguments("backup blank 29.9 s: not yet", 1L, Phase.CAPTURING, 0.5, blank(29_900, null), Kind.HEALTHY),
				arguments("backup blank 5 min after it showed the session: kept (a session may go black)", 1L, Phase.CAPTURING, 0.5, blank(300_000, 12_000L), Kind.HEALTHY),
				arguments("backup showing the session", 1L, Phase.CAPTURING, 0.5, new RecorderContent(State.SHOWN, 0L, 60_000L), Kind.HEALTHY),
				arguments("backup that reports no content (older recorder)", 1L, Phase.CAPTURING, 0.5, RecorderContent.NONE, Kind.HEALTHY),
				arguments("primary blank 10 min, never shown: never judged by content", 0L, Phase.CAPTURING, 0.5, blank(600_000, null), Kind.HEALTHY),
				arguments("backup blank and stalled: the stall decides (a backup)", 1L, Phase.CAPTURING, 10.0, blank(60_000, null), Kind.MEDIA_STALLED),
				arguments("backup blank, stopping: never judged by content", 1L, Phase.STOPPING, 0.5, blank(60_000, null), Kind.HEALTHY),
				arguments("backup blank, still starting: the start deadline decides", 1L, Phase.STARTING, 0.5, blank(60_000, null), Kind.START_TIMEOUT));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("rows")
	void judgesTheContentOfBackupsOnly(String name, long epoch, Phase phase, double advancedAgo, RecorderContent content,
			Kind expected) {
		Snapshot s = snapshot(epoch, phase, advancedAgo, content);
		assertThat(RULES.judge(s, NOW, NOW.minusSeconds(3600)).kind()).isEqualTo(expected);
		if (expected == Kind.NO_CONTENT) {
			assertThat(OFF.judge(s, NOW, NOW.minusSeconds(3600)).kind()).as("HA_BACKUP_BLANK_TIMEOUT=0 turns it off")
				.isEqualTo(Kind.HEALTHY);
		}
	}

	@Test
	void onASaturatedHostTheEndIsDeferredAndAReplacementJudgedAgainCountsAsRecovered() {
		Snapshot s = snapshot(1, Phase.CAPTURING, 0.5, blank(120_000, null));
		Judgement j = RULES.judge(s, NOW, NOW.minusSeconds(3600), 95.0);
		assertThat(j.kind()).isEqualTo(Kind.DEFERRED_HOST_SATURATED);
		assertThat(j.deferred()).isEqualTo(Kind.NO_CONTENT);
		assertThat(RULES.judge(s, NOW, NOW.minusSeconds(3600), 50.0).kind()).isEqualTo(Kind.NO_CONTENT);
		// a recorder about to be replaced for a stall that captures again (blank) has come back
		assertThat(DetectionRules.stillFailed(FailoverReason.MEDIA_STALL, j)).isFalse();
		assertThat(DetectionRules.stillFailed(FailoverReason.MEDIA_STALL,
				RULES.judge(s, NOW, NOW.minusSeconds(3600)))).isFalse();
	}

	@Test
	void theLossReasonsTrimABlankTailAndAStopDoesNot() {
		for (FailoverReason r : FailoverReason.values()) {
			boolean loss = !r.replacesRecorder() && r != FailoverReason.OPENVIDU_RECORDING_STOPPED;
			assertThat(r.endsForALoss()).as(r.slug()).isEqualTo(loss);
		}
		assertThat(FailoverReason.BACKUP_NO_CONTENT.endsForALoss()).isTrue();
		assertThat(FailoverReason.OPENVIDU_SESSION_GONE.endsForALoss()).isTrue();
		assertThat(FailoverReason.OPENVIDU_RECORDING_STOPPED.endsForALoss()).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("rows")
	void noContentIsNeverAReplacement(String name, long epoch, Phase phase, double advancedAgo, RecorderContent content,
			Kind expected) {
		Judgement j = RULES.judge(snapshot(epoch, phase, advancedAgo, content), NOW,
				NOW.minusSeconds(3600));
		if (j.kind() == Kind.NO_CONTENT) {
			assertThat(j.replaces()).isFalse();
			assertThat(FailoverReason.BACKUP_NO_CONTENT.replacesRecorder()).isFalse();
		}
	}

}
