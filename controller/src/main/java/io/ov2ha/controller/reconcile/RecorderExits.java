package io.ov2ha.controller.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.kernel.RecordingId;

/**
 * The recorder exits this controller has seen and not handled yet, by container: what the
 * Docker event source writes down before it only queues the recording's id (as a Kubernetes
 * informer's cache), and what the reconciler reads when it observes a recording
 * ({@link RecordingReconciler}). An exit is handled once ({@link #take}). One refused only for the
 * failover back-off is written down again ({@link #later}), one whose handling failed is put
 * back ({@link #putBack}), and an exit still here a while after its recording was last queued
 * has it queued again ({@link #dueRetries}, at a tick of every controller: client-go's
 * {@code AddAfter}), since a dead recorder sends no second event. An exit of a container that is
 * no longer its recording's current one is dropped when that recording is reconciled
 * ({@link #keepOnly}). Times are this controller's clock; an event's own time is only carried as
 * evidence.
 */
final class RecorderExits {

	/** A refused exit is handled again this long after its back-off's end. */
	static final Duration RETRY_MARGIN = Duration.ofMillis(50);

	/**
	 * An exit still here this long after its recording was queued for it has it queued again; an
	 * exit whose handling failed is due again this long after.
	 */
	static final Duration REQUEUE_AGAIN = Duration.ofSeconds(5);

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
	 * @param seenAt when this controller first wrote it down or handled it (its clock): it is
	 *        forgotten from then, however often it is put back
	 */
	record Exit(String containerId, Long exitCode, Instant at, String source, boolean oom, Boolean removed,
			Instant seenAt) {

		Exit withOom() {
			return new Exit(containerId, exitCode, at, source, true, removed, seenAt);
		}

		Exit withRemoved(boolean removedBySomebodyElse) {
			return new Exit(containerId, exitCode, at, source, oom, removedBySomebodyElse, seenAt);
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
	 * @param id the recording of the container
	 * @param since when this controller first wrote it down ({@link Exit#seenAt})
	 * @param notBefore not handled before this (a back-off, an error), or null
	 * @param queuedAt when its recording was last queued for it (the event does at once), or null
	 */
	private record Held(RecordingId id, Exit exit, Instant since, Instant notBefore, Instant queuedAt) {

		boolean due(Instant now) {
			return notBefore == null || !notBefore.isAfter(now);
		}

		boolean queueAgain(Instant now) {
			return due(now) && (queuedAt == null || !queuedAt.plus(REQUEUE_AGAIN).isAfter(now));
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

	/**
	 * An exit seen, with the OOM killer's mark: the first report of a container's exit is kept
	 * (its back-off too), and a later one only adds the OOM killer's mark it did not have.
	 */
	void seen(RecordingId id, String containerId, Long exitCode, Instant at, String source) {
		boolean oom = oomKilled.remove(containerId) != null;
		Instant now = clock.instant();
		byContainer.merge(containerId,
				new Held(id, new Exit(containerId, exitCode, at, source, oom, null, now), now, null, now),
				RecorderExits::withOomOf);
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

	/**
	 * A taken exit whose handling failed (an error): due again in {@link #REQUEUE_AGAIN}, its
	 * recording queued again then (a report seen since it was taken wins, with this one's OOM
	 * killer's mark).
	 */
	void putBack(RecordingId id, Exit exit) {
		byContainer.merge(exit.containerId(),
				new Held(id, exit, exit.seenAt(), clock.instant().plus(REQUEUE_AGAIN), null),
				RecorderExits::withOomOf);
	}

	/**
	 * An exit whose backup was refused for the back-off: due again after {@code retryAt} (a report
	 * seen since it was taken adds only its OOM killer's mark).
	 */
	void later(RecordingId id, Exit exit, Instant retryAt) {
		byContainer.merge(exit.containerId(),
				new Held(id, exit, exit.seenAt(), retryAt.plus(RETRY_MARGIN), null),
				(between, later) -> withOomOf(later, between));
	}

	/** {@code kept}, with the OOM killer's mark if {@code other} has it. */
	private static Held withOomOf(Held kept, Held other) {
		return other.exit().oom() && !kept.exit().oom()
				? new Held(kept.id(), kept.exit().withOom(), kept.since(), kept.notBefore(), kept.queuedAt())
				: kept;
	}

	/** Handled on another path (a check found the container exited: {@link FailedRecorders#exited}). */
	void forget(String containerId) {
		byContainer.remove(containerId);
	}

	/**
	 * The recording {@code id} was read at {@code readAt} with {@code current} as its recorder's
	 * exact container id (an earlier epoch's recorder is expected to exit), or as gone (null: final,
	 * or no longer known): the exits of its other containers written down before that are dropped.
	 * Nothing is dropped while its recorder is not known exactly (a backup claimed and not started
	 * yet: its own exit may come first).
	 */
	void keepOnly(RecordingId id, Optional<String> current, Instant readAt) {
		if (current.isPresent() && !ContainerLabels.isExactId(current.get())) {
			return;
		}
		byContainer.values()
			.removeIf(h -> h.id().equals(id) && h.since().isBefore(readAt)
					&& !h.exit().containerId().equals(current.orElse(null)));
	}

	/**
	 * The recordings to queue again now: an exit due (its back-off over, or put back after an
	 * error) whose recording was not queued for it lately; each marked as queued now.
	 */
	List<RecordingId> dueRetries(Instant now) {
		List<RecordingId> due = new ArrayList<>();
		for (Map.Entry<String, Held> e : byContainer.entrySet()) {
			Held h = e.getValue();
			if (h.queueAgain(now) && byContainer.replace(e.getKey(), h,
					new Held(h.id(), h.exit(), h.since(), h.notBefore(), now))) {
				due.add(h.id());
			}
		}
		return due;
	}

	/**
	 * Forgets what was first written down before {@code old} (the tick's cleanup: at least ten
	 * minutes ago): a stale entry whose recording was never reconciled again, one nobody could
	 * handle, or one whose back-off ends later than that (the sweep's checks and the full
	 * reconciliation find that recorder dead).
	 */
	void forgetOlderThan(Instant old) {
		byContainer.values().removeIf(h -> h.since().isBefore(old));
		oomKilled.values().removeIf(t -> t.isBefore(old));
	}

	int size() {
		return byContainer.size();
	}

}
