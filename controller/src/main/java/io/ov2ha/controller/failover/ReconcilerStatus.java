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

	/** Recordings reconciled at once, one task per recording at a time; backup starts list chunks as many at a time. */
	int WORKERS = 4;

	/** Whether this controller holds the sweep's lease. */
	boolean leader();

	/** When this controller last ran the sweep; null before its first. */
	Instant lastTickAt();

	/** From when heartbeats and chunks are judged (the start, or Redis's return after an outage). */
	Instant judgingFrom();

	/** When the last full reconciliation of backup containers ran; null before the first. */
	Instant lastFullReconcileAt();

	/** Backup containers the last full reconciliation found. */
	int backupsFound();

}
