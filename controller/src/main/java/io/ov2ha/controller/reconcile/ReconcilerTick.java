package io.ov2ha.controller.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.dao.DataAccessException;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.failover.FailoverReads;
import io.ov2ha.controller.failover.OpenViduGate;
import io.ov2ha.controller.failover.ReconcilerStatus;
import io.ov2ha.controller.failover.Snapshot;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.ThrottledWarnings;

/**
 * The reconciler's periodic tick (every {@link #period}; with failover off only the lease and the
 * sweep) and its Redis lease: every
 * controller takes or renews the lease, queues again the recordings of exits still unhandled
 * and due ({@link ContainerEvents#requeueDue}) and forgets its old in-memory throttles
 * every ten minutes; only the lease holder does the rest: the full reconciliation when due
 * ({@link BackupAudit}), the cleanup of the container index every ten minutes, the sweep of
 * every active recording ({@link RecordingReconciler}), and every {@link #questionsPeriod} the
 * sweep of those no recorder is tracked for ({@link FailoverReads#untracked}: created by
 * OpenVidu's webhook, never registered). It knows whether this controller leads, and
 * gives the lease back when the reconciler stops.
 */
final class ReconcilerTick {

	private static final Log LOG = LogFactory.getLog(ReconcilerTick.class);

	private static final Duration INDEX_CLEANUP_EVERY = Duration.ofMinutes(10);

	private final HaProperties properties;

	private final FailoverReads reads;

	private final RedisLease lease;

	private final ControllerInstance instance;

	private final Clock clock;

	private final OpenViduGate gate;

	private final ThrottledWarnings warnings;

	private final BackupAudit audit;

	private final RecordingReconciler recordingReconciler;

	private final RecorderChecks checks;

	private final UnfinishedStops unfinishedStops;

	private final ContainerEvents events;

	private final BooleanSupplier running;

	private final Consumer<Instant> resumeJudging;

	/** Failover is on (HA_FAILOVER_ENABLED): the backup containers are audited and the exits' requeues run. */
	private final boolean failoverEnabled;

	/** The lease's time to live: a tick that is late never loses it, a dead holder's expires soon. */
	private final Duration leaseTtl;

	/** A tick could not reach Redis (its lease call) and none has since. */
	private volatile boolean redisLost;

	private volatile boolean leader;

	private volatile Instant lastTickAt;

	private volatile Instant lastMemoryCleanupAt = Instant.EPOCH;

	private volatile Instant lastIndexCleanupAt = Instant.EPOCH;

	private volatile Instant lastUntrackedSweepAt = Instant.EPOCH;

	/** How often the recordings no recorder is tracked for are swept: as often as their questions. */
	private final Duration untrackedEvery;

	/**
	 * @param running whether the reconciler runs (a tick of a stopped one does nothing)
	 * @param resumeJudging Redis is back after a tick could not reach it: the heartbeat and progress
	 *        rules start over from this time, as at a start (recorders could not report meanwhile)
	 */
	ReconcilerTick(HaProperties properties, FailoverReads reads, RedisLease lease, ControllerInstance instance,
			Clock clock, OpenViduGate gate, ThrottledWarnings warnings, BackupAudit audit,
			RecordingReconciler recordingReconciler, RecorderChecks checks, UnfinishedStops unfinishedStops,
			ContainerEvents events, BooleanSupplier running, Consumer<Instant> resumeJudging, boolean failoverEnabled,
			Duration period, Duration untrackedEvery) {
		this.properties = properties;
		this.reads = reads;
		this.lease = lease;
		this.instance = instance;
		this.clock = clock;
		this.gate = gate;
		this.warnings = warnings;
		this.audit = audit;
		this.recordingReconciler = recordingReconciler;
		this.checks = checks;
		this.unfinishedStops = unfinishedStops;
		this.events = events;
		this.running = running;
		this.resumeJudging = resumeJudging;
		this.failoverEnabled = failoverEnabled;
		this.untrackedEvery = untrackedEvery;
		// ten ticks with failover (500 ms each by default), three of the long ticks without it (5 s)
		Duration ttl = period.multipliedBy(failoverEnabled ? 10 : 3);
		this.leaseTtl = ttl.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : ttl;
	}

	/**
	 * {@code HA_RECONCILE_INTERVAL} with failover on; without it the sweep only asks the periodic
	 * questions, so it runs twice per {@link #questionsPeriod} (a tick a little early never makes a
	 * question wait a whole period more), at most every {@link #SHORTEST_PERIOD}.
	 */
	static Duration period(HaProperties properties, StaleRecordingProperties stale) {
		if (properties.failover().enabled()) {
			return properties.failover().reconcileInterval();
		}
		Duration half = questionsPeriod(properties, stale).dividedBy(2);
		return half.compareTo(SHORTEST_PERIOD) < 0 ? SHORTEST_PERIOD : half;
	}

	/** The shortest tick without failover (a questions period of a few milliseconds is no reason to spin). */
	static final Duration SHORTEST_PERIOD = Duration.ofMillis(100);

	/**
	 * The period of the questions that need no recorder: the shorter of
	 * {@code HA_FINALIZE_RECOVERY_INTERVAL} and {@code HA_STALE_SWEEP_INTERVAL}.
	 */
	static Duration questionsPeriod(HaProperties properties, StaleRecordingProperties stale) {
		Duration recovery = properties.storage().finalizer().recoveryInterval();
		return recovery.compareTo(stale.sweepInterval()) < 0 ? recovery : stale.sweepInterval();
	}

	/** The lease this controller's sweep runs under ({@link ReconcilerStatus#LEASE_WITHOUT_FAILOVER} with failover off). */
	String leaseName() {
		return leaseName(failoverEnabled);
	}

	static String leaseName(boolean failoverEnabled) {
		return failoverEnabled ? ReconcilerStatus.LEASE : ReconcilerStatus.LEASE_WITHOUT_FAILOVER;
	}

	boolean leader() {
		return leader;
	}

	Instant lastTickAt() {
		return lastTickAt;
	}

	void tick() {
		if (!running.getAsBoolean()) {
			return;
		}
		try {
			Instant now = clock.instant();
			boolean holds;
			try {
				holds = lease.acquireOrRenew(RedisKeys.lease(leaseName()), leaseTtl);
			}
			catch (DataAccessException ex) {
				// the lease's write failed: Redis is away, loading, read-only or refusing writes, and
				// so are the recorders' heartbeats (one failing read later in the tick is not this)
				redisLost = true;
				throw ex;
			}
			if (redisLost) {
				// while Redis was away no heartbeat could be stored: silence is no failure yet
				redisLost = false;
				Instant back = clock.instant();
				resumeJudging.accept(back);
				LOG.info("event=failover.redis_back controller=" + instance.id() + " judgingFrom="
						+ back.plus(properties.heartbeat().timeout()));
			}
			if (holds != leader) {
				leader = holds;
				LOG.info("event=failover.leadership controller=" + instance.id() + " leader=" + holds);
				if (holds && failoverEnabled) {
					audit.request();
				}
			}
			lastTickAt = now;
			if (failoverEnabled) {
				events.requeueDue(now);
			}
			if (lastMemoryCleanupAt.plus(INDEX_CLEANUP_EVERY).isBefore(now)) {
				// every controller: its events' reconciliations fill these too
				lastMemoryCleanupAt = now;
				Instant old = now.minus(INDEX_CLEANUP_EVERY);
				warnings.forgetOlderThan(old);
				recordingReconciler.forgetOlderThan(old);
				checks.forgetOlderThan(old);
				unfinishedStops.forgetOlderThan(old);
				events.forgetOlderThan(old);
				gate.forgetOlderThan(old);
			}
			if (!holds) {
				// the leader's sweeps tell what waits: none here
				recordingReconciler.notSweeping();
				return;
			}
			if (failoverEnabled && audit.due(now)) {
				audit.run(now);
			}
			if (failoverEnabled && lastIndexCleanupAt.plus(INDEX_CLEANUP_EVERY).isBefore(now)) {
				lastIndexCleanupAt = now;
				int removed = reads.cleanContainerIndex();
				if (removed > 0) {
					LOG.info("event=failover.index_cleaned removed=" + removed);
				}
			}
			List<Snapshot> snapshots = reads.snapshots();
			recordingReconciler.sweepAll(snapshots, now);
			if (!lastUntrackedSweepAt.plus(untrackedEvery).isAfter(now)) {
				List<Snapshot> untracked = reads.untracked(snapshots);
				lastUntrackedSweepAt = now;
				recordingReconciler.sweepUntracked(untracked, now);
			}
		}
		catch (RuntimeException ex) {
			if (!running.getAsBoolean()) {
				return;
			}
			warnings.warn(LOG, "tick", "event=failover.tick_failed error=" + LogValues.quote(ex.getClass().getSimpleName()
					+ ": " + ex.getMessage()));
		}
	}

	/** The reconciler stopped (its ticks too): the lease is given back, if this controller held it. */
	void release() {
		recordingReconciler.notSweeping();
		if (leader) {
			leader = false;
			try {
				lease.release(RedisKeys.lease(leaseName()));
			}
			catch (RuntimeException ex) {
				// Redis unreachable: the lease expires by itself
			}
		}
	}

}
