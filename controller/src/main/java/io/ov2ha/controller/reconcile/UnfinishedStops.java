package io.ov2ha.controller.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.failover.Snapshot;
import io.ov2ha.controller.failover.StopCoordinator;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.support.Throttle;

/**
 * STOPPING recordings to finish: a backup's stop requested of this controller (written down by
 * the stop's event source, {@link StopRequests}, and decided at once: {@link #onStopRequested}) or
 * one whose controller died, found by the sweep, is run on the stop's own executor
 * ({@link StopCoordinator#stopBackup}); OpenVidu's own recorder that went silent long ago
 * without asking for its finalization (the controller was unreachable then) is finalized, asked
 * once in a while. What they observe feeds {@link ReconcileDecision}; what it decides runs here.
 */
final class UnfinishedStops {

	private static final Duration GONE_RECORDER_EVERY = Duration.ofSeconds(30);

	/**
	 * How often an unfinished backup stop is taken up again while it stays unfinished: a stop in
	 * flight elsewhere holds its lease (up to twice HA_STOP_TIMEOUT plus a minute), and each
	 * try is a read and a refused lease.
	 */
	static final Duration UNFINISHED_EVERY = Duration.ofSeconds(10);

	private final HaProperties properties;

	private final StopCoordinator stops;

	/** STOPPING recordings whose gone recorder the controller finalizes: when it last asked. */
	private final Throttle<RecordingId> goneRecorders = new Throttle<>(GONE_RECORDER_EVERY);

	/** STOPPING recordings whose backup's stop was decided (a requested or an unfinished one): when. */
	private final Throttle<RecordingId> backupStops = new Throttle<>(UNFINISHED_EVERY);

	private final StopRequests requests;

	private final Function<RecordingId, Optional<Snapshot>> read;

	/** @param read reads a recording's snapshot ({@link io.ov2ha.controller.failover.FailoverReads#snapshot}) */
	UnfinishedStops(HaProperties properties, StopCoordinator stops, Clock clock,
			Function<RecordingId, Optional<Snapshot>> read) {
		this.properties = properties;
		this.stops = stops;
		this.requests = new StopRequests(clock);
		this.read = read;
	}

	/**
	 * A stop of {@code id} was requested of this controller (it moved to STOPPING): written down,
	 * and reconciled at once on the caller's thread ({@link #reconcileRequested}: one read of
	 * Redis); only a backup's stop goes to the stop's executor.
	 */
	void onStopRequested(RecordingId id) {
		requested(id);
		reconcileRequested(id);
	}

	/** Writes the stop of {@code id} down, to be decided. */
	void requested(RecordingId id) {
		requests.requested(id);
	}

	/**
	 * A stop requested of this controller, reconciled at once (never behind other recordings'
	 * failovers on the workers, and whether the reconciler runs or not): observed (the request, the
	 * recording's status and epoch: as by a controller without the lease, so nothing but the stop
	 * can come of it), decided ({@link ReconcileDecision#decide}), and a backup's stop handed to
	 * the stop's executor. Its recorder's exit is its event's to handle; the sweep takes a request
	 * it reads first. A read that fails leaves the request for the lease holder's sweep.
	 */
	void reconcileRequested(RecordingId id) {
		Optional<Snapshot> s = read.apply(id);
		if (s.isEmpty()) {
			// final, or no longer known: nothing to stop
			requests.take(id);
			return;
		}
		ReconcileDecision d = ReconcileDecision.decide(ReconcileDecision.Observed.eventsOnly(s.get().status(),
				s.get().epoch(), RecorderExits.Seen.NONE, requestTaken(s.get())));
		if (d.has(ReconcileDecision.Step.STOP_BACKUP)) {
			stops.stopBackup(id);
		}
	}

	/**
	 * Whether a stop of {@code s} was requested of this controller and {@code s} was read STOPPING
	 * or beyond: the request is taken (decided once). A snapshot read before the stop leaves it.
	 */
	boolean requestTaken(Snapshot s) {
		return s.status() != RecordingStatus.RECORDING && requests.take(s.id());
	}

	/** The recordings whose stop was requested and not decided yet. */
	List<RecordingId> requestedNotDecided() {
		return requests.pending();
	}

	/**
	 * Whether {@code s}, STOPPING, is a backup's stop that nobody finished (its controller died):
	 * long after it began, not claimed again since, not handled at its epoch, and not taken up in
	 * the last {@link #UNFINISHED_EVERY}.
	 */
	boolean unfinished(Snapshot s, Instant now) {
		if (s.epoch() == 0 || s.state().pending(s.epoch())
				|| (s.state().stopHandledEpoch() != null && s.state().stopHandledEpoch() == s.epoch())
				|| !stoppedLongAgo(s, now)) {
			return false;
		}
		return backupStops.due(s.id(), now);
	}

	/**
	 * The stop of {@code s}'s backup was decided now by the sweep or a recording's reconciliation
	 * (requested or unfinished; the stop's own reconciliation, {@link #reconcileRequested}, does
	 * not mark it): an unfinished one is not taken up again before {@link #UNFINISHED_EVERY}.
	 */
	void backupStopDecided(Snapshot s, Instant now) {
		backupStops.mark(s.id(), now);
	}

	/**
	 * Whether {@code s}, STOPPING, is OpenVidu's own recorder, silent long after the stop without
	 * asking for its finalization, and asking for that is due (once every {@code GONE_RECORDER_EVERY}).
	 *
	 * @param judgingBase when judging began: the reconciler's start, or Redis's return after an
	 *        outage (a silence is judged from one heartbeat timeout after it)
	 */
	boolean goneRecorderDue(Snapshot s, Instant now, Instant judgingBase) {
		if (s.epoch() != 0) {
			return false;
		}
		Duration quiet = properties.heartbeat().timeout();
		boolean silent = s.heartbeatAt() == null || s.heartbeatAt().plus(quiet).isBefore(now);
		if (!silent || !stoppedLongAgo(s, now) || judgingBase.plus(quiet).isAfter(now)) {
			return false;
		}
		return goneRecorders.due(s.id(), now);
	}

	/** The finalization of a gone recorder's recording is being asked for now. */
	void goneRecorderAsked(Snapshot s, Instant now) {
		goneRecorders.mark(s.id(), now);
	}

	/** Stops the backup of {@code s}, then finalizes the recording (the stop's own executor). */
	void stopBackup(Snapshot s) {
		stops.stopBackup(s.id());
	}

	/** Finalizes the recording of a gone recorder (run on the recording's worker). */
	void finishGoneRecorder(Snapshot s) {
		stops.finishGoneRecorder(s.id());
	}

	void forgetOlderThan(Instant old) {
		requests.forgetOlderThan(old);
		goneRecorders.forgetOlderThan(old);
		backupStops.forgetOlderThan(old);
	}

	private boolean stoppedLongAgo(Snapshot s, Instant now) {
		return s.updatedAt() != null
				&& s.updatedAt().plus(properties.failover().stopTimeout()).plusSeconds(10).isBefore(now);
	}

}
