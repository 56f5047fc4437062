package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ov2ha.controller.failover.SessionRules.Verdict;
import io.ov2ha.controller.openvidu.OpenViduAnswer;

/**
 * OpenVidu's answer against the recorder's death, before a backup and while one records.
 * Settings: stale death 20 s, unreachable grace 90 s (the defaults). Times are seconds relative
 * to "now"; the controller started {@code startedAgo} seconds ago.
 */
class SessionRulesTest {

	private static final SessionRules RULES = new SessionRules(
			new SessionRules.Settings(Duration.ofSeconds(20), Duration.ofSeconds(90)));

	private static final Instant NOW = Instant.parse("2026-01-01T10:10:00Z");

	private static Instant ago(Double seconds) {
		return seconds == null ? null : NOW.minusMillis(Math.round(seconds * 1000));
	}

	/**
	 * @param diedAgo seconds ago the recorder died (null: unknown)
	 * @param startedAgo seconds ago this controller started
	 * @param unreachableAgo seconds ago OpenVidu first did not answer (null: it answers)
	 */
	static Stream<Arguments> beforeBackup() {
		return Stream.of(
				// case, answer, diedAgo, startedAgo, unreachableAgo, verdict, reason (the recorder crashed, not removed)
				Arguments.of("not configured: a backup, as before the checks", OpenViduAnswer.NOT_CONFIGURED, 2.0, 3600.0, null, Verdict.GO_ON, null),
				Arguments.of("not configured: even for a stale death", OpenViduAnswer.NOT_CONFIGURED, 31.0, 5.0, null, Verdict.GO_ON, null),
				Arguments.of("session active: a backup", OpenViduAnswer.SESSION_ACTIVE, 2.0, 3600.0, null, Verdict.GO_ON, null),
				Arguments.of("session active confirms a stale death too", OpenViduAnswer.SESSION_ACTIVE, 31.0, 5.0, null, Verdict.GO_ON, null),
				Arguments.of("session gone: finalize", OpenViduAnswer.SESSION_GONE, 2.0, 3600.0, null, Verdict.END, FailoverReason.OPENVIDU_SESSION_GONE),
				Arguments.of("session gone after a reboot: finalize", OpenViduAnswer.SESSION_GONE, 31.0, 5.0, null, Verdict.END, FailoverReason.OPENVIDU_SESSION_GONE),
				Arguments.of("recording gone: finalize", OpenViduAnswer.RECORDING_GONE, 2.0, 3600.0, null, Verdict.END, FailoverReason.OPENVIDU_RECORDING_GONE),
				Arguments.of("recording stopped: finalize", OpenViduAnswer.RECORDING_STOPPED, 2.0, 3600.0, null, Verdict.END, FailoverReason.OPENVIDU_RECORDING_STOPPED),
				Arguments.of("unreachable, fresh death: a backup (bounded while it records)", OpenViduAnswer.UNREACHABLE, 2.0, 3600.0, 0.0, Verdict.GO_ON, null),
				Arguments.of("unreachable, death before the start but younger than the bound", OpenViduAnswer.UNREACHABLE, 15.0, 5.0, 0.0, Verdict.GO_ON, null),
				Arguments.of("unreachable, old death after this controller started: not stale", OpenViduAnswer.UNREACHABLE, 60.0, 3600.0, 0.0, Verdict.GO_ON, null),
				Arguments.of("unreachable, unknown death time: fresh", OpenViduAnswer.UNREACHABLE, null, 5.0, 0.0, Verdict.GO_ON, null),
				Arguments.of("unreachable, stale death: wait for an answer", OpenViduAnswer.UNREACHABLE, 31.0, 5.0, 0.0, Verdict.WAIT, null),
				Arguments.of("unreachable, stale death, within the grace: wait", OpenViduAnswer.UNREACHABLE, 120.0, 95.0, 89.0, Verdict.WAIT, null),
				Arguments.of("unreachable, stale death, grace over: finalize", OpenViduAnswer.UNREACHABLE, 121.0, 96.0, 90.0, Verdict.END, FailoverReason.STALE_DEATH_UNCONFIRMED),
				Arguments.of("misconfigured, fresh death: a backup", OpenViduAnswer.MISCONFIGURED, 2.0, 3600.0, 0.0, Verdict.GO_ON, null),
				Arguments.of("misconfigured, stale death: wait for an answer", OpenViduAnswer.MISCONFIGURED, 31.0, 5.0, 0.0, Verdict.WAIT, null),
				Arguments.of("misconfigured, stale death, grace over: finalize", OpenViduAnswer.MISCONFIGURED, 121.0, 96.0, 90.0, Verdict.END, FailoverReason.STALE_DEATH_UNCONFIRMED));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource
	void beforeBackup(String name, OpenViduAnswer answer, Double diedAgo, double startedAgo, Double unreachableAgo,
			Verdict verdict, FailoverReason reason) {
		SessionRules.Decision d = RULES.beforeBackup(answer, ago(diedAgo), ago(startedAgo), false, ago(unreachableAgo),
				NOW);
		assertThat(d.verdict()).as(name).isEqualTo(verdict);
		assertThat(d.reason()).as(name).isEqualTo(reason);
	}

	/**
	 * A recorder removed by somebody else (OpenVidu's startup cleanup force-removes its recorders
	 * before its REST API answers) is no crash: a backup only on OpenVidu's word.
	 */
	static Stream<Arguments> beforeBackupOfARemovedRecorder() {
		return Stream.of(
				// case, answer, diedAgo, startedAgo, unreachableAgo, verdict, reason
				Arguments.of("removed, OpenVidu starting (refused): wait for its word", OpenViduAnswer.UNREACHABLE, 0.5, 3600.0, 0.0, Verdict.WAIT, null),
				Arguments.of("removed, unreachable within the grace: wait", OpenViduAnswer.UNREACHABLE, 80.0, 3600.0, 89.0, Verdict.WAIT, null),
				Arguments.of("removed, unreachable for the grace: finalize", OpenViduAnswer.UNREACHABLE, 91.0, 3600.0, 90.0, Verdict.END, FailoverReason.RECORDER_REMOVED_UNCONFIRMED),
				Arguments.of("removed, misconfigured: wait", OpenViduAnswer.MISCONFIGURED, 0.5, 3600.0, 0.0, Verdict.WAIT, null),
				Arguments.of("removed, misconfigured for the grace: finalize", OpenViduAnswer.MISCONFIGURED, 91.0, 3600.0, 90.0, Verdict.END, FailoverReason.RECORDER_REMOVED_UNCONFIRMED),
				Arguments.of("removed, OpenVidu confirms the session: a backup", OpenViduAnswer.SESSION_ACTIVE, 3.0, 3600.0, null, Verdict.GO_ON, null),
				Arguments.of("removed at OpenVidu's restart, session gone: finalize", OpenViduAnswer.SESSION_GONE, 3.0, 3600.0, null, Verdict.END, FailoverReason.OPENVIDU_SESSION_GONE),
				Arguments.of("removed, recording stopped: finalize", OpenViduAnswer.RECORDING_STOPPED, 3.0, 3600.0, null, Verdict.END, FailoverReason.OPENVIDU_RECORDING_STOPPED),
				Arguments.of("removed, not configured: a backup, as before the checks", OpenViduAnswer.NOT_CONFIGURED, 0.5, 3600.0, null, Verdict.GO_ON, null),
				Arguments.of("removed and stale, grace over: the stale reason", OpenViduAnswer.UNREACHABLE, 121.0, 96.0, 90.0, Verdict.END, FailoverReason.STALE_DEATH_UNCONFIRMED));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource
	void beforeBackupOfARemovedRecorder(String name, OpenViduAnswer answer, Double diedAgo, double startedAgo,
			Double unreachableAgo, Verdict verdict, FailoverReason reason) {
		SessionRules.Decision d = RULES.beforeBackup(answer, ago(diedAgo), ago(startedAgo), true, ago(unreachableAgo),
				NOW);
		assertThat(d.verdict()).as(name).isEqualTo(verdict);
		assertThat(d.reason()).as(name).isEqualTo(reason);
	}

	static Stream<Arguments> whileBackup() {
		return Stream.of(
				// case, answer, unreachableAgo, verdict, reason
				Arguments.of("not configured: it records", OpenViduAnswer.NOT_CONFIGURED, null, Verdict.GO_ON, null),
				Arguments.of("session active: it records", OpenViduAnswer.SESSION_ACTIVE, null, Verdict.GO_ON, null),
				Arguments.of("session gone (OpenVidu restarted, webhook lost): finalize", OpenViduAnswer.SESSION_GONE, null, Verdict.END, FailoverReason.OPENVIDU_SESSION_GONE),
				Arguments.of("recording gone: finalize", OpenViduAnswer.RECORDING_GONE, null, Verdict.END, FailoverReason.OPENVIDU_RECORDING_GONE),
				Arguments.of("no longer recorded: finalize", OpenViduAnswer.RECORDING_STOPPED, null, Verdict.END, FailoverReason.OPENVIDU_RECORDING_STOPPED),
				Arguments.of("unreachable just now: it records", OpenViduAnswer.UNREACHABLE, 0.0, Verdict.GO_ON, null),
				Arguments.of("unreachable for 60 s: it records", OpenViduAnswer.UNREACHABLE, 60.0, Verdict.GO_ON, null),
				Arguments.of("unreachable for the grace: finalize", OpenViduAnswer.UNREACHABLE, 90.0, Verdict.END, FailoverReason.OPENVIDU_UNREACHABLE),
				Arguments.of("misconfigured just now: it records", OpenViduAnswer.MISCONFIGURED, 0.0, Verdict.GO_ON, null),
				Arguments.of("misconfigured for an hour (wrong secret, untrusted certificate): it records", OpenViduAnswer.MISCONFIGURED, 3600.0, Verdict.GO_ON, null));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource
	void whileBackup(String name, OpenViduAnswer answer, Double unreachableAgo, Verdict verdict, FailoverReason reason) {
		SessionRules.Decision d = RULES.whileBackup(answer, ago(unreachableAgo), NOW);
		assertThat(d.verdict()).as(name).isEqualTo(verdict);
		assertThat(d.reason()).as(name).isEqualTo(reason);
	}

	@Test
	void endReasonsNeverStartABackupAndHaveStableSlugs() {
		assertThat(FailoverReason.OPENVIDU_SESSION_GONE.slug()).isEqualTo("openvidu-session-gone");
		assertThat(FailoverReason.OPENVIDU_SESSION_GONE.replacesRecorder()).isFalse();
		assertThat(FailoverReason.STALE_DEATH_UNCONFIRMED.replacesRecorder()).isFalse();
		assertThat(FailoverReason.RECORDER_REMOVED_UNCONFIRMED.replacesRecorder()).isFalse();
		assertThat(FailoverReason.RECORDER_REMOVED_UNCONFIRMED.slug()).isEqualTo("recorder-removed-unconfirmed");
		assertThat(FailoverReason.MANUAL.replacesRecorder()).isTrue();
		assertThat(OpenViduVerdicts.stopReason(FailoverReason.OPENVIDU_SESSION_GONE)).isEqualTo("openviduSessionGone");
		assertThat(OpenViduVerdicts.stopReason(FailoverReason.STALE_DEATH_UNCONFIRMED)).isEqualTo("staleDeathUnconfirmed");
	}

}
