package io.ov2ha.controller.failover;

import java.util.List;

/**
 * The recordings of the reconciler's last sweep (at most one {@code HA_RECONCILE_INTERVAL} old):
 * what a recorder's standstill is compared with ({@link HostWideStandstill}) when it is judged, at
 * the sweep, on a heartbeat that shows it, or again before its backup. An older view of a peer only
 * shows it standing still for longer (a deferral, within {@code HA_CPU_PRESSURE_TIMEOUT}), or not
 * yet (the normal rules).
 */
final class RecorderPeers {

	private volatile List<Snapshot> last = List.of();

	/** The sweep's snapshots, every non-final recording. */
	void seen(List<Snapshot> snapshots) {
		last = List.copyOf(snapshots);
	}

	/** The recordings last seen (the judged one among them is skipped by the rules). */
	List<Snapshot> all() {
		return last;
	}

}
