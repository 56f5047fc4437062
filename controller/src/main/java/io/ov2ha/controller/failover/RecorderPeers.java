package io.ov2ha.controller.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host's recorders as the reconciler's last sweep saw them (at most one
 * {@code HA_RECONCILE_INTERVAL} old), and whether a recorder's standstill is shared with one of
 * them ({@link HostWideStandstill}): at the sweep, on a heartbeat that shows it, or again before a
 * backup. An older view of a peer shows its progress a sweep late: a wait of one sweep more.
 * <p>
 * A standstill found shared stays the host's for {@code grace} after it was last seen shared, as
 * long as the recorder does not advance: when a host's freeze ends, its recorders resume a moment
 * apart (a heartbeat period, ffmpeg's next progress report), and the last one to show progress must
 * not be judged alone in that moment. The patience ({@code HA_CPU_PRESSURE_TIMEOUT}, counted from
 * its own standstill) still bounds it.
 */
final class RecorderPeers implements DetectionRules.HostView {

	private final Duration heartbeatInterval;

	private final Duration grace;

	private volatile List<Snapshot> last = List.of();

	/** Recorder standstill (recording, epoch, last progress) -> when it was last seen shared. */
	private final Map<String, Instant> shared = new ConcurrentHashMap<>();

	/**
	 * @param heartbeatInterval the recorders' heartbeat period
	 * @param grace how long a standstill once shared stays the host's after the others advance again
	 */
	RecorderPeers(Duration heartbeatInterval, Duration grace) {
		this.heartbeatInterval = heartbeatInterval;
		this.grace = grace;
	}

	/** The sweep's snapshots, every non-final recording. */
	void seen(List<Snapshot> snapshots) {
		last = List.copyOf(snapshots);
	}

	@Override
	public HostWideStandstill.Answer standstill(Snapshot s, Instant now) {
		HostWideStandstill.Result r = HostWideStandstill.of(s, last, now, heartbeatInterval);
		String key = HostWideStandstill.standstillKey(s);
		if (r.answer() == HostWideStandstill.Answer.SHARED) {
			// theirs too: the one of them whose stall is proven last may be judged after this one resumed
			remember(key, now);
			r.peers().forEach(p -> remember(HostWideStandstill.standstillKey(p), now));
			return r.answer();
		}
		Instant seen = key == null ? null : shared.get(key);
		return seen != null && !now.isAfter(seen.plus(grace)) ? HostWideStandstill.Answer.SHARED : r.answer();
	}

	private void remember(String key, Instant now) {
		if (key != null) {
			shared.merge(key, now, (a, b) -> a.isAfter(b) ? a : b);
		}
	}

	void forgetOlderThan(Instant old) {
		shared.values().removeIf(t -> t.isBefore(old));
	}

}
