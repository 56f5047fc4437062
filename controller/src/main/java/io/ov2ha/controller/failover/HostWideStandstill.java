package io.ov2ha.controller.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.ov2ha.controller.recording.RecorderProgress;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * Whether a recorder's standstill is its host's, not its own: a pure function of the recorders'
 * snapshots and the time ({@link DetectionRules} defers such a standstill as on a saturated host).
 * <p>
 * A recorder fails alone: its ffmpeg stops, its browser hangs, its container dies. A host's burst
 * freezes its recorders together: its CPU starves them in a burst its pressure average does not
 * show, or its disk or Docker engine stalls. Seen: two healthy primaries of a 2-core host stood
 * still from the same 0.4 s, CPU pressure 65 % (under the saturation threshold), and were both
 * failed over for a media stall 2 s later; their backups then went silent within 0.2 s of each
 * other and were replaced too.
 * <p>
 * Another capturing recorder of the same host (a peer) whose last progress is within two
 * heartbeat intervals of this one's (heartbeats arrive once an interval: two recorders frozen at
 * one instant were last seen advancing up to an interval and a report apart) is:
 * <ul>
 * <li><b>still with it</b> when its standstill is proven: one of its heartbeats came an interval or
 * more after its last progress, or it has been silent for two intervals ({@link Answer#SHARED});</li>
 * <li><b>undecided</b> otherwise: its latest heartbeat showed that progress and the next one will
 * tell (a healthy recorder's last progress is always that recent, a frozen one's proof may come a
 * moment after this one's). The judgement waits for it ({@link Answer#UNDECIDED}): about an
 * interval for a healthy peer, whose next progress is past the window.</li>
 * </ul>
 * A peer that advanced later than the window did not freeze with it; one that stood still long
 * before failed alone; one whose failover is under way (its backup pending) will not advance again:
 * none of them counts.
 * <p>
 * A host's recorders are those whose {@code host} is the same, or unknown on either side (a
 * primary's is the host name it registered with, a backup's its Docker engine's name, which its
 * recorders see on the host network; a recording of an older controller may have none).
 */
final class HostWideStandstill {

	/** Whether a standstill is the recorder's own. */
	enum Answer {

		/** No peer stood still from the same moment: its own. */
		OWN,
		/** A peer last advanced about when it did, and its next heartbeat will tell. */
		UNDECIDED,
		/** A peer's standstill from the same moment is proven: the host's. */
		SHARED

	}

	/**
	 * @param answer the answer
	 * @param peers the peers whose standstill is proven with it (for {@link Answer#SHARED})
	 */
	record Result(Answer answer, List<Snapshot> peers) {
	}

	private static final Result OWN = new Result(Answer.OWN, List.of());

	private HostWideStandstill() {
	}

	/**
	 * @param s the recorder judged stalled or silent
	 * @param peers the other recordings the controller watches (s itself is skipped), as seen at {@code seenAt}
	 * @param seenAt when the peers were read (a peer's silence is measured to then, not to a later now)
	 * @param provenEarlier peers whose standstill was proven recently and who may have resumed since
	 *        (a host's recorders resume a moment apart: the last one's stall may be proven after the
	 *        first one advanced again)
	 * @param heartbeatInterval the recorders' heartbeat period
	 */
	static Result of(Snapshot s, Collection<Snapshot> peers, Instant seenAt, Collection<Snapshot> provenEarlier,
			Duration heartbeatInterval) {
		Instant mine = stillSince(s);
		if (mine == null) {
			return OWN;
		}
		Duration window = heartbeatInterval.multipliedBy(2);
		List<Snapshot> proven = new ArrayList<>();
		boolean undecided = false;
		for (Snapshot p : peers) {
			if (!comparable(s, mine, p, window)) {
				continue;
			}
			if (provenStill(p, seenAt, heartbeatInterval)) {
				proven.add(p);
			}
			else {
				undecided = true;
			}
		}
		for (Snapshot p : provenEarlier) {
			if (comparable(s, mine, p, window)) {
				proven.add(p);
			}
		}
		if (!proven.isEmpty()) {
			return new Result(Answer.SHARED, List.copyOf(proven));
		}
		return undecided ? new Result(Answer.UNDECIDED, List.of()) : OWN;
	}

	/**
	 * Whether a capturing recorder's standstill is proven as seen at {@code seenAt}: one of its
	 * heartbeats came an interval or more after its last progress, or it has been silent for two.
	 */
	static boolean provenStill(Snapshot p, Instant seenAt, Duration heartbeatInterval) {
		Instant since = stillSince(p);
		return since != null && !p.state().pending(p.epoch())
				&& (Duration.between(since, p.heartbeatAt()).compareTo(heartbeatInterval) >= 0
						|| Duration.between(p.heartbeatAt(), seenAt).compareTo(heartbeatInterval.multipliedBy(2)) >= 0);
	}

	/** Another capturing recorder of the host, not being replaced, last advanced within the window of {@code mine}. */
	private static boolean comparable(Snapshot s, Instant mine, Snapshot p, Duration window) {
		if (p.id().equals(s.id()) || !sameHost(s.host(), p.host()) || p.state().pending(p.epoch())) {
			return false;
		}
		Instant theirs = stillSince(p);
		return theirs != null && Duration.between(mine, theirs).abs().compareTo(window) <= 0;
	}

	/** The standstill of a recorder: recording, epoch, last progress (null: none to name). */
	static String standstillKey(Snapshot s) {
		Instant since = s.progress().advancedAt();
		return since == null ? null : s.id().value() + ":" + s.epoch() + ":" + since.toEpochMilli();
	}

	/** When a capturing recorder of the current epoch last advanced; null: not one to compare. */
	private static Instant stillSince(Snapshot s) {
		RecorderProgress p = s.progress();
		if (s.status() != RecordingStatus.RECORDING || s.heartbeatAt() == null || !p.of(s.epoch())
				|| p.phase() != RecorderProgress.Phase.CAPTURING) {
			return null;
		}
		return p.advancedAt();
	}

	private static boolean sameHost(String a, String b) {
		return a.isEmpty() || b.isEmpty() || a.equals(b);
	}

}
