package io.ov2ha.controller.failover;

import java.time.Instant;

/**
 * What the reconciler (reconcile/) shows of itself: the admin's status
 * and the health indicator read it here, so that failover's views do not depend on the reconciler
 * that acts through failover's classes.
 */
public interface ReconcilerStatus {

	/** The Redis lease the reconciler's sweep runs under (one controller at a time). */
	String LEASE = "failover-reconciler";

	/** Whether this controller holds the sweep's lease. */
	boolean leader();

	/** When this controller last ran the sweep; null before its first. */
	Instant lastTickAt();

	/**
	 * From when heartbeats and chunks are judged: one heartbeat timeout after the reconciler's
	 * start, or after Redis's return from an outage.
	 */
	Instant judgingFrom();

	/** When this controller last listed the backup containers by label; null before the first. */
	Instant lastFullReconcileAt();

	/** Running backup containers the last full reconciliation found by label; -1 before the first. */
	int backupsFound();

}
