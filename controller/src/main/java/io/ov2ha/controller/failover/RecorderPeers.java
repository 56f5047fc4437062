package io.ov2ha.controller.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host's recorders as the reconciler's last sweep saw them (at most one
 * {@code HA_RECONCILE_INTERVAL} old), and whether a recorder's standstill is shared with one of
 * them ({@link HostWideStandstill}): at the sweep, on a heartbeat that shows it, or again before a
 * backup. A peer's silence is measured to when the sweep read it: an older view only shows its
 * progress a sweep late (a wait of one sweep more), never a silence it did not have.
 * <p>
 * Every standstill a sweep proves (a peer's heartbeat an interval after its last progress, or two
 * intervals of silence) counts for {@code grace} after it was last seen, though its recorder may have
 * resumed since: when a host's freeze ends, its recorders resume a moment apart (a heartbeat period,
 * ffmpeg's next progress report), and the last one, whose own stall may be proven only then, must
 * not be judged alone. The patience ({@code HA_CPU_PRESSURE_TIMEOUT}, counted from its own
 * standstill) still bounds it.
 */
public final class RecorderPeers implements DetectionRules.HostView {

	private final Duration heartbeatInterval;

	private final Duration grace;

	private volatile List<Snapshot> last = List.of();

	private volatile Instant lastAt = Instant.EPOCH;

	/** Standstills the sweeps proved (recording, epoch, last progress) -> the snapshot, when last seen proven. */
	private final Map<String, Seen> proven = new ConcurrentHashMap<>();

	private record Seen(Snapshot snapshot, Instant at) {
	}

	/**
	 * @param heartbeatInterval the recorders' heartbeat period
	 * @param grace how long a proven standstill counts after it was last seen (its recorder may have
	 *        resumed since)
	 */
	public RecorderPeers(Duration heartbeatInterval, Duration grace) {
		this.heartbeatInterval = heartbeatInterval;
		this.grace = grace;
	}

	/** The sweep's snapshots, every non-final recording, read at {@code at}. */
	public void seen(List<Snapshot> snapshots, Instant at) {
		last = List.copyOf(snapshots);
		lastAt = at;
		for (Snapshot p : snapshots) {
			String key = HostWideStandstill.standstillKey(p);
			if (key != null && HostWideStandstill.provenStill(p, at, heartbeatInterval)) {
				proven.put(key, new Seen(p, at));
			}
		}
		proven.values().removeIf(v -> v.at().plus(grace).isBefore(at));
	}

	@Override
	public HostWideStandstill.Answer standstill(Snapshot s, Instant now) {
		List<Snapshot> earlier = new ArrayList<>();
		for (Seen v : proven.values()) {
			if (!now.isAfter(v.at().plus(grace))) {
				earlier.add(v.snapshot());
			}
		}
		return HostWideStandstill.of(s, last, lastAt, earlier, heartbeatInterval).answer();
	}

	public void forgetOlderThan(Instant old) {
		proven.values().removeIf(v -> v.at().isBefore(old));
	}

}
