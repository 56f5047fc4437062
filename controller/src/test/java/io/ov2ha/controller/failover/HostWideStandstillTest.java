package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ov2ha.controller.failover.HostWideStandstill.Answer;
import io.ov2ha.controller.failover.Judgement;
import io.ov2ha.controller.failover.Judgement.Kind;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecorderProgress;
import io.ov2ha.controller.recording.RecorderProgress.Phase;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * A standstill shared by the recorders of one host is the host's ({@link HostWideStandstill}),
 * and the rules defer it ({@link DetectionRules}, {@link Kind#DEFERRED_HOST_WIDE}). Heartbeats
 * every 1 s, media stall 2 s, silence 4 s, 15 s of patience, saturation from 90 % (the host's
 * pressure unknown). Times are seconds before now.
 */
class HostWideStandstillTest {

	private static final Duration INTERVAL = Duration.ofSeconds(1);

	private static final DetectionRules RULES = new DetectionRules(new DetectionSettings(INTERVAL,
			Duration.ofSeconds(4), Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(2),
			Duration.ofSeconds(60), 90, Duration.ofSeconds(15)));

	private static final Instant NOW = Instant.parse("2026-01-01T10:10:00Z");

	private static Instant ago(double seconds) {
		return NOW.minusMillis(Math.round(seconds * 1000));
	}

	/** A capturing recorder of epoch 0, registered 10 min ago, on {@code host}. */
	private static Snapshot capturing(String id, String host, double heartbeatAgo, double advancedAgo) {
		return recorder(id, host, RecordingStatus.RECORDING, Phase.CAPTURING, heartbeatAgo, advancedAgo);
	}

	private static Snapshot recorder(String id, String host, RecordingStatus status, Phase phase, double heartbeatAgo,
			Double advancedAgo) {
		return recorder(id, host, status, phase, heartbeatAgo, advancedAgo, 0, null);
	}

	/**
	 * @param epoch the recording's current epoch (its heartbeats are of epoch 0)
	 * @param pendingEpoch the epoch whose backup is pending, or null
	 */
	private static Snapshot recorder(String id, String host, RecordingStatus status, Phase phase, double heartbeatAgo,
			Double advancedAgo, long epoch, Long pendingEpoch) {
		FailoverState state = new FailoverState(1L, null, pendingEpoch, 0, "", null, "", null, null, null, null, null,
				null, "", "", null, null);
		RecorderProgress progress = new RecorderProgress(0L, phase, 45_000L, 125L, 1.0,
				advancedAgo == null ? null : ago(advancedAgo));
		return new Snapshot(RecordingId.of(id), 1L, status, epoch, "", ago(heartbeatAgo), 5L, ago(heartbeatAgo + 5), 5L,
				0, ago(600), ago(600), state, progress, host);
	}

	private static final Snapshot STALLED = capturing("ses_A", "vm", 0.1, 2.3);

	/** The host as the last sweep saw it; a standstill once shared stays the host's for 2 s. */
	private static RecorderPeers peers(Snapshot... sweep) {
		RecorderPeers peers = new RecorderPeers(INTERVAL, Duration.ofSeconds(2));
		peers.seen(List.of(sweep), NOW);
		return peers;
	}

	// --- when a host's freeze ends, its recorders resume a moment apart

	@Test
	void aStandstillOnceSharedStaysTheHostsForTheGraceWhileThePeerResumesFirst() {
		Snapshot peer = capturing("ses_B", "vm", 0.2, 2.0);
		RecorderPeers host = peers(STALLED, peer);
		assertThat(host.standstill(STALLED, NOW)).isEqualTo(Answer.SHARED);
		// the next sweep: the peer advanced again, this one not yet
		host.seen(List.of(STALLED, capturing("ses_B", "vm", 0.1, 0.1)), NOW.plusSeconds(1));
		assertThat(host.standstill(STALLED, NOW.plusSeconds(1))).isEqualTo(Answer.SHARED);
		assertThat(host.standstill(STALLED, NOW.plusSeconds(2))).isEqualTo(Answer.SHARED);
		// still standing 2 s after its peer was last seen frozen: its own failure
		assertThat(host.standstill(STALLED, NOW.plusMillis(2100))).isEqualTo(Answer.OWN);
	}

	@Test
	void aPeerSeenFrozenCountsThoughItResumedBeforeThisOnesStallWasProven() {
		// a sweep sees both frozen since about the same moment: the peer's standstill proven, this
		// one's stall (1.4 s) not yet
		Snapshot mine = capturing("ses_A", "vm", 0.1, 1.5);
		RecorderPeers host = peers(mine, capturing("ses_B", "vm", 0.2, 1.2));
		// a second later the peer has resumed; this one's heartbeat proves 2.45 s without progress
		Snapshot proven = capturing("ses_A", "vm", -0.95, 1.5);
		host.seen(List.of(proven, capturing("ses_B", "vm", -0.9, -0.9)), NOW.plusSeconds(1));
		assertThat(host.standstill(proven, NOW.plusSeconds(1))).isEqualTo(Answer.SHARED);
		assertThat(host.standstill(proven, NOW.plusMillis(2100))).isEqualTo(Answer.OWN);
	}

	@Test
	void aPeersSilenceIsMeasuredToWhenItWasReadNotToALaterNow() {
		// a healthy peer's heartbeat 1.5 s old when the (late) sweep read it: not silent for two intervals
		RecorderPeers host = peers(STALLED, capturing("ses_B", "vm", 1.5, 1.5));
		assertThat(host.standstill(STALLED, NOW.plusSeconds(3))).isEqualTo(Answer.UNDECIDED);
	}

	@Test
	void forgottenAfterTheCleanup() {
		RecorderPeers host = peers(STALLED, capturing("ses_B", "vm", 0.2, 2.0));
		assertThat(host.standstill(STALLED, NOW)).isEqualTo(Answer.SHARED);
		host.seen(List.of(STALLED), NOW);
		host.forgetOlderThan(NOW.plusMillis(1));
		assertThat(host.standstill(STALLED, NOW.plusSeconds(1))).isEqualTo(Answer.OWN);
	}

	static Stream<Arguments> peers() {
		return Stream.of(
				// --- shared: a peer's standstill from the same moment is proven
				arguments("a peer frozen from the same moment, a heartbeat proved it (seen: 0.4 s apart)", STALLED,
						capturing("ses_B", "vm", 0.2, 1.9), Answer.SHARED),
				arguments("a peer stalled 2 s before (two intervals: the edge)", STALLED,
						capturing("ses_B", "vm", 0.2, 4.3), Answer.SHARED),
				arguments("a peer whose heartbeat came exactly one interval after its last progress", STALLED,
						capturing("ses_B", "vm", 0.2, 1.2), Answer.SHARED),
				arguments("a peer silent from the same moment", STALLED, capturing("ses_B", "vm", 2.2, 2.2),
						Answer.SHARED),
				arguments("a silent recorder, its peer silent from the same moment (seen: 0.2 s apart)",
						capturing("ses_A", "vm", 4.3, 4.3), capturing("ses_B", "vm", 4.1, 4.1), Answer.SHARED),
				arguments("the peer's host unknown (the controller's engine)", STALLED, capturing("ses_B", "", 0.2, 1.9),
						Answer.SHARED),
				arguments("this recorder's host unknown", capturing("ses_A", "", 0.1, 2.3),
						capturing("ses_B", "vm", 0.2, 1.9), Answer.SHARED),
				// --- undecided: the peer's latest heartbeat showed progress from about the same moment
				arguments("a peer whose latest heartbeat showed progress 1.2 s ago (frozen since, or healthy)",
						STALLED, capturing("ses_B", "vm", 1.0, 1.2), Answer.UNDECIDED),
				arguments("a healthy peer that reported 0.4 s ago, 1.9 s after this one's last progress", STALLED,
						capturing("ses_B", "vm", 0.3, 0.4), Answer.UNDECIDED),
				arguments("a peer silent for less than two intervals", STALLED, capturing("ses_B", "vm", 1.5, 1.5),
						Answer.UNDECIDED),
				// --- its own: no peer stood still from the same moment
				arguments("a healthy peer that advanced after the window", STALLED, capturing("ses_B", "vm", 0.2, 0.2),
						Answer.OWN),
				arguments("a peer stalled long before (its own failure)", STALLED, capturing("ses_B", "vm", 0.2, 9.0),
						Answer.OWN),
				arguments("a peer stalled after it, more than two intervals later", capturing("ses_A", "vm", 0.1, 6.0),
						capturing("ses_B", "vm", 0.1, 3.5), Answer.OWN),
				arguments("a peer on another host", STALLED, capturing("ses_B", "other", 0.2, 1.9), Answer.OWN),
				arguments("a peer still starting", STALLED,
						recorder("ses_B", "vm", RecordingStatus.RECORDING, Phase.STARTING, 0.2, null), Answer.OWN),
				arguments("a peer stopping", STALLED,
						recorder("ses_B", "vm", RecordingStatus.RECORDING, Phase.STOPPING, 0.2, 1.9), Answer.OWN),
				arguments("a peer whose recording is stopping", STALLED,
						recorder("ses_B", "vm", RecordingStatus.STOPPING, Phase.CAPTURING, 0.2, 1.9), Answer.OWN),
				arguments("the recorder itself is no peer", STALLED, STALLED, Answer.OWN),
				arguments("a peer whose backup is pending (it will not advance again)", STALLED,
						recorder("ses_B", "vm", RecordingStatus.RECORDING, Phase.CAPTURING, 0.2, 1.9, 1, 1L), Answer.OWN),
				arguments("a peer whose heartbeats are of an older epoch (its backup starting)", STALLED,
						recorder("ses_B", "vm", RecordingStatus.RECORDING, Phase.CAPTURING, 0.2, 1.9, 1, null), Answer.OWN),
				arguments("a peer without progress tracking", STALLED,
						recorder("ses_B", "vm", RecordingStatus.RECORDING, Phase.CAPTURING, 0.2, null), Answer.OWN),
				arguments("a recorder without progress tracking is compared with nobody",
						recorder("ses_A", "vm", RecordingStatus.RECORDING, Phase.CAPTURING, 0.1, null),
						capturing("ses_B", "vm", 0.2, 1.9), Answer.OWN));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("peers")
	void theHostsWhenAnotherRecorderOfTheHostStandsStillSinceTheSameMoment(String name, Snapshot s, Snapshot peer,
			Answer expected) {
		assertThat(HostWideStandstill.of(s, List.of(s, peer), NOW, List.of(), INTERVAL).answer()).isEqualTo(expected);
	}

	@Test
	void oneOfTwoPeersFrozenWithItIsEnough() {
		Snapshot frozen = capturing("ses_C", "vm", 0.3, 2.0);
		List<Snapshot> all = List.of(STALLED, capturing("ses_B", "vm", 0.2, 0.2), frozen);
		HostWideStandstill.Result r = HostWideStandstill.of(STALLED, all, NOW, List.of(), INTERVAL);
		assertThat(r.answer()).isEqualTo(Answer.SHARED);
		assertThat(r.peers()).containsExactly(frozen);
	}

	@Test
	void aloneOnItsHostItsOwn() {
		assertThat(HostWideStandstill.of(STALLED, List.of(STALLED), NOW, List.of(), INTERVAL).answer())
			.isEqualTo(Answer.OWN);
		assertThat(HostWideStandstill.of(STALLED, List.of(), NOW, List.of(), INTERVAL).answer()).isEqualTo(Answer.OWN);
	}

	@Test
	void aPeerProvenEarlierCountsThoughItsLatestSnapshotAdvanced() {
		Snapshot earlier = capturing("ses_B", "vm", 0.2, 1.9);
		Snapshot resumed = capturing("ses_B", "vm", 0.1, 0.1);
		HostWideStandstill.Result r = HostWideStandstill.of(STALLED, List.of(STALLED, resumed), NOW, List.of(earlier),
				INTERVAL);
		assertThat(r.answer()).isEqualTo(Answer.SHARED);
		// one proven earlier on another host, or outside the window, does not
		assertThat(HostWideStandstill.of(STALLED, List.of(), NOW, List.of(capturing("ses_B", "other", 0.2, 1.9)),
				INTERVAL).answer()).isEqualTo(Answer.OWN);
		assertThat(HostWideStandstill.of(STALLED, List.of(), NOW, List.of(capturing("ses_B", "vm", 0.2, 9.0)),
				INTERVAL).answer()).isEqualTo(Answer.OWN);
	}

	static Stream<Arguments> judged() {
		Snapshot frozenPeer = capturing("ses_B", "vm", 0.2, 2.0);
		return Stream.of(
				arguments("stalled 2.3 s with a peer frozen since the same moment: deferred", STALLED, frozenPeer,
						Kind.DEFERRED_HOST_WIDE),
				arguments("stalled 2.3 s, the peer healthy: stalled", STALLED, capturing("ses_B", "vm", 0.2, 0.2),
						Kind.MEDIA_STALLED),
				arguments("stalled 2.3 s, the peer's latest heartbeat showed progress 1.2 s ago: its next one tells",
						STALLED, capturing("ses_B", "vm", 1.0, 1.2), Kind.AWAITING_PEERS),
				arguments("stalled 14 s with its peer: still deferred", capturing("ses_A", "vm", 0.1, 14.0),
						capturing("ses_B", "vm", 0.2, 13.5), Kind.DEFERRED_HOST_WIDE),
				arguments("stalled 16 s with its peer: the patience is over, stalled", capturing("ses_A", "vm", 0.1, 16.0),
						capturing("ses_B", "vm", 0.2, 15.5), Kind.MEDIA_STALLED),
				arguments("silent 6 s with a peer silent since the same moment: deferred",
						capturing("ses_A", "vm", 6.0, 6.0), capturing("ses_B", "vm", 5.9, 5.9), Kind.DEFERRED_HOST_WIDE),
				arguments("silent 16 s with its peer: silent (the runtime decides)", capturing("ses_A", "vm", 16.0, 16.0),
						capturing("ses_B", "vm", 15.9, 15.9), Kind.SILENT),
				arguments("healthy beside a frozen peer: healthy", capturing("ses_A", "vm", 0.1, 0.1), frozenPeer,
						Kind.HEALTHY),
				arguments("a peer frozen on another host: stalled", STALLED, capturing("ses_B", "other", 0.2, 2.0),
						Kind.MEDIA_STALLED));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("judged")
	void theRulesDeferAHostWideStandstill(String name, Snapshot s, Snapshot peer, Kind expected) {
		Judgement j = RULES.judge(s, NOW, NOW.minusSeconds(3600), Double.NaN, peers(s, peer));
		assertThat(j.kind()).isEqualTo(expected);
		if (expected == Kind.DEFERRED_HOST_WIDE || expected == Kind.AWAITING_PEERS) {
			assertThat(j.deferred()).isIn(Kind.MEDIA_STALLED, Kind.SILENT);
			// found so when judged again before a backup: the host's, no backup now
			assertThat(DetectionRules.stillFailed(FailoverReason.MEDIA_STALL, j)).isFalse();
			assertThat(DetectionRules.stillFailed(FailoverReason.HUNG, j)).isFalse();
			// but no standstill excuses a container that is gone
			assertThat(DetectionRules.stillFailed(FailoverReason.HEARTBEAT_LOST, j)).isTrue();
		}
	}

	@Test
	void withoutHostLoadAwarenessAStandstillIsNeverTheHosts() {
		DetectionRules unaware = new DetectionRules(new DetectionSettings(INTERVAL, Duration.ofSeconds(4),
				Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(2), Duration.ofSeconds(60), 0,
				Duration.ofSeconds(15)));
		Judgement j = unaware.judge(STALLED, NOW, NOW.minusSeconds(3600), Double.NaN,
				peers(STALLED, capturing("ses_B", "vm", 0.2, 2.0)));
		assertThat(j.kind()).isEqualTo(Kind.MEDIA_STALLED);
	}

	@Test
	void aSaturatedHostIsReportedAsSuchEvenWhenTheStandstillIsShared() {
		DetectionRules loadAware = new DetectionRules(new DetectionSettings(INTERVAL, Duration.ofSeconds(4),
				Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(2), Duration.ofSeconds(60), 80,
				Duration.ofSeconds(15)));
		Judgement j = loadAware.judge(STALLED, NOW, NOW.minusSeconds(3600), 95.0,
				peers(STALLED, capturing("ses_B", "vm", 0.2, 2.0)));
		assertThat(j.kind()).isEqualTo(Kind.DEFERRED_HOST_SATURATED);
	}

}
