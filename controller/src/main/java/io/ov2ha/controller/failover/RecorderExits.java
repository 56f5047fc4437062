package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.ov2ha.controller.recording.RecordingId;

/**
 * The recorder exits this controller has seen and not handled yet, by container: what the
 * Docker event source writes down before it only queues the recording's id (as a Kubernetes
 * informer's cache), and what the reconciler reads when it observes a recording
 * ({@link RecordingSweep}). An exit is handled once ({@link #take}). One refused only for the
 * failover back-off is written down again ({@link #later}) and its recording queued again once
 * the back-off ends ({@link #dueRetries}, at a tick of every controller: client-go's
 * {@code AddAfter}), since a dead recorder sends no second event. Times are this controller's
 * clock; an event's own time is only carried as evidence.
 */
final class RecorderExits {

	/** A refused exit is handled again this long after its back-off's end. */
	static final Duration RETRY_MARGIN = Duration.ofMillis(50);

	/**
	 * One exit, as seen.
	 *
	 * @param containerId the exact container id
	 * @param exitCode its exit code; null when gone and none is known
	 * @param at when it exited (the engine's time; null when unknown), for the failover record
	 * @param source where it was seen ("docker-event", ...), for the failover record
	 * @param oom whether the OOM killer hit it
	 * @param removed whether somebody else removed the container, once asked (null: not asked yet);
	 *        kept for a retry, so that it is judged on the evidence first found
	 */
	record Exit(String containerId, Long exitCode, Instant at, String source, boolean oom, Boolean removed) {

		Exit withRemoved(boolean removedBySomebodyElse) {
			return new Exit(containerId, exitCode, at, source, oom, removedBySomebodyElse);
		}

	}

	/** What the reconciler knows of the exit of a recording's current recorder. */
	enum Seen {

		/** No exit known. */
		NONE,
		/** It exited; the backup waits for the failover back-off. */
		WAITING,
		/** It exited; the exit is to be handled. */
		DUE

	}

	/**
	 * @param since when this controller wrote it down
	 * @param notBefore not handled before this (a back-off), or null
	 * @param requeued its recording was queued again once due ({@link #dueRetries})
	 */
	private record Held(RecordingId id, Exit exit, Instant since, Instant notBefore, boolean requeued) {

		boolean due(Instant now) {
			return notBefore == null || !notBefore.isAfter(now);
		}

	}

	private final Map<String, Held> byContainer = new ConcurrentHashMap<>();

	/** Containers the OOM killer hit (Docker sends oom before die), so the die needs no inspect. */
	private final Map<String, Instant> oomKilled = new ConcurrentHashMap<>();

	private final Clock clock;

	RecorderExits(Clock clock) {
		this.clock = clock;
	}

	/** The OOM killer hit the container: its exit, seen next, carries it. */
	void oomKilled(String containerId) {
		oomKilled.put(containerId, clock.instant());
	}

	/** An exit seen (the first report of a container's exit is kept), with the OOM killer's mark. */
	void seen(RecordingId id, String containerId, Long exitCode, Instant at, String source) {
		boolean oom = oomKilled.remove(containerId) != null;
		byContainer.putIfAbsent(containerId,
				new Held(id, new Exit(containerId, exitCode, at, source, oom, null), clock.instant(), null, false));
	}

	/** What is known of the exit of {@code containerId} at {@code now}. */
	Seen of(String containerId, Instant now) {
		Held h = containerId == null ? null : byContainer.get(containerId);
		if (h == null) {
			return Seen.NONE;
		}
		return h.due(now) ? Seen.DUE : Seen.WAITING;
	}

	/** The exit of {@code containerId}, if due, taken to be handled: nobody else gets it. */
	Optional<Exit> take(String containerId, Instant now) {
		Held h = byContainer.get(containerId);
		if (h == null || !h.due(now) || !byContainer.remove(containerId, h)) {
			return Optional.empty();
		}
		return Optional.of(h.exit());
	}

	/** A taken exit that could not be handled (an error): due again. */
	void putBack(RecordingId id, Exit exit) {
		byContainer.putIfAbsent(exit.containerId(), new Held(id, exit, clock.instant(), null, false));
	}

	/** An exit whose backup was refused for the back-off: due again after {@code retryAt}. */
	void later(RecordingId id, Exit exit, Instant retryAt) {
		byContainer.put(exit.containerId(),
				new Held(id, exit, clock.instant(), retryAt.plus(RETRY_MARGIN), false));
	}

	/** The recordings of exits refused for the back-off that are due now, each told once. */
	List<RecordingId> dueRetries(Instant now) {
		List<RecordingId> due = new ArrayList<>();
		for (Map.Entry<String, Held> e : byContainer.entrySet()) {
			Held h = e.getValue();
			if (h.notBefore() != null && !h.requeued() && h.due(now) && byContainer.replace(e.getKey(), h,
					new Held(h.id(), h.exit(), h.since(), h.notBefore(), true))) {
				due.add(h.id());
			}
		}
		return due;
	}

	/**
	 * Forgets what was written down before {@code old} and is not due later: its container is no
	 * recording's current one.
	 */
	void forgetOlderThan(Instant old) {
		byContainer.values()
			.removeIf(h -> h.since().isBefore(old) && (h.notBefore() == null || h.notBefore().isBefore(old)));
		oomKilled.values().removeIf(t -> t.isBefore(old));
	}

	int size() {
		return byContainer.size();
	}

}
