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
 * A recorder fails alone: its ffmpeg stops, its browser hangs, its container dies. When another
 * capturing recorder of the same host has not advanced since the same moment (their last media
 * progress within two heartbeat intervals of each other: heartbeats arrive once an interval, so
 * two recorders frozen at one instant were last seen advancing up to an interval apart), and not
 * for one interval or more (a healthy recorder shows progress in every heartbeat), the host froze
 * them both: its CPU starved them in a burst its pressure average did not show, or its disk or
 * Docker engine stalled. Seen: two healthy primaries of a 2-core host stood still from the same
 * 0.4 s, CPU pressure 65 % (under the saturation threshold), and were both failed over for a media
 * stall 2 s later; their backups then went silent within 0.2 s of each other and were replaced too.
 * The other recorder needs no heartbeat of its own proving its standstill yet: its proof may come
 * a moment after this one's. A peer whose failover is under way (its backup pending) is none: it
 * will not advance again. The peers are the last sweep's (at most a reconcile interval old): a
 * peer that advanced since is seen still a moment longer (a deferral of one sweep, never a failover).
 * <p>
 * A host's recorders are those whose {@code host} is the same, or unknown on either side (one
 * controller's backups run on its Docker engine and have none; with recorders on several hosts, or a
 * remote engine, turn host load awareness off: {@code HA_CPU_PRESSURE_THRESHOLD=0}).
 */
final class HostWideStandstill {

	private HostWideStandstill() {
	}

	/**
	 * @param s the recorder judged stalled or silent
	 * @param peers the other recordings the controller watches (s itself is skipped)
	 * @param now the time
	 * @param heartbeatInterval the recorders' heartbeat period
	 * @return the other recorders of its host standing still since the same moment (empty: its own)
	 */
	static List<Snapshot> stillWith(Snapshot s, Collection<Snapshot> peers, Instant now, Duration heartbeatInterval) {
		Instant mine = stillSince(s);
		if (mine == null) {
			return List.of();
		}
		Duration window = heartbeatInterval.multipliedBy(2);
		List<Snapshot> out = new ArrayList<>();
		for (Snapshot p : peers) {
			if (p.id().equals(s.id()) || !sameHost(s.host(), p.host())) {
				continue;
			}
			Instant theirs = stillSince(p);
			if (theirs != null && !p.state().pending(p.epoch())
					&& Duration.between(theirs, now).compareTo(heartbeatInterval) >= 0
					&& Duration.between(mine, theirs).abs().compareTo(window) <= 0) {
				out.add(p);
			}
		}
		return out;
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
