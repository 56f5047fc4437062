package io.ov2ha.controller.reconcile;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.ov2ha.controller.kernel.RecordingId;

/**
 * The stops this controller was asked for and has not decided yet (the recording moved to
 * STOPPING: OpenVidu's {@code stopped}, an admin stop): what the stop's event source writes down
 * before the recording is reconciled ({@link UnfinishedStops#onStopRequested}), as
 * {@link RecorderExits} for a recorder's exit. A request is read once, when the recording is
 * observed STOPPING or beyond ({@link #take}), by that reconciliation or by the lease holder's
 * sweep if it reads it first: a backup's stop is then the decision
 * ({@link ReconcileDecision.Step#STOP_BACKUP}); a primary's is OpenVidu's. A snapshot read before
 * the stop (still RECORDING) leaves the request.
 */
final class StopRequests {

	private final Map<RecordingId, Instant> byRecording = new ConcurrentHashMap<>();

	private final Clock clock;

	StopRequests(Clock clock) {
		this.clock = clock;
	}

	/** The recording {@code id} moved to STOPPING: its stop is to be decided. */
	void requested(RecordingId id) {
		byRecording.put(id, clock.instant());
	}

	/** Whether a stop of {@code id} was requested, the request taken: it is decided once. */
	boolean take(RecordingId id) {
		return byRecording.remove(id) != null;
	}

	/** The recordings with a request not taken yet. */
	List<RecordingId> pending() {
		return List.copyOf(byRecording.keySet());
	}

	/** Forgets requests written down before {@code old} (the tick's cleanup): nobody decided them. */
	void forgetOlderThan(Instant old) {
		byRecording.values().removeIf(t -> t.isBefore(old));
	}

}
