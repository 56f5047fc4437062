package io.ov2ha.controller.failover;

import java.time.Instant;

/**
 * What the reconciler (reconcile/) shows of itself: the admin's status
 * and the health indicator read it here, so that failover's views do not depend on the reconciler
 * that acts through failover's classes.
 */
public interface ReconcilerStatus {

	/**
	 * The Redis lease the sweep of the controllers with failover runs under (one of them at a time);
	 * see {@link #LEASE_WITHOUT_FAILOVER} for the others.
	 */
	String LEASE = "failover-reconciler";

	/**
	 * The lease of the sweep of a controller with failover off: never the failover one, so that
	 * such a controller never keeps the others from judging recorders (a node without failover,
	 * or a rolling change of {@code HA_FAILOVER_ENABLED}). Its sweep asks only the questions that
	 * need no recorder, which the failover lease holder asks too: both are safe twice.
	 */
	String LEASE_WITHOUT_FAILOVER = "reconciler-without-failover";

	/** The name of the lease this controller's sweep runs under. */
	String leaseName();

	/** Whether this controller holds the sweep's lease. */
	boolean leader();

	/** When this controller last ran the sweep; null before its first. */
	Instant lastTickAt();

	/**
	 * From when heartbeats and chunks are judged, and stale recordings abandoned: one heartbeat
	 * timeout after the reconciler's start, or after Redis's return from an outage.
	 */
	Instant judgingFrom();

	/** When this controller last listed the backup containers by label; null before the first. */
	Instant lastFullReconcileAt();

	/** Running backup containers the last full reconciliation found by label; -1 before the first. */
	int backupsFound();

}
