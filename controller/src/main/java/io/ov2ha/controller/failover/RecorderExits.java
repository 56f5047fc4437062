package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recorder exits this controller has seen and not handled yet, by container: what the
 * Docker event source writes before it only enqueues the recording's id (as a Kubernetes
 * informer's cache), and what the reconciler reads when it observes a recording
 * ({@link RecordingSweep}). An exit is handled once ({@link #take}); one refused only for the
 * failover back-off is put back to be handled again once it ends ({@link #later}), so the sweep
 * decides it again then (a dead recorder sends no second event).
 */
final class RecorderExits {

	/** A refused exit is handled again this long after its back-off's end. */
	static final Duration RETRY_MARGIN = Duration.ofMillis(50);

	/** An exit not handled by then is forgotten: its container is no recording's current one. */
	static final Duration KEPT_FOR = Duration.ofMinutes(15);

	/**
	 * One exit.
	 *
	 * @param containerId the exact container id
	 * @param exitCode its exit code; null when gone and none is known
	 * @param at when it exited
	 * @param source where it was seen ("docker-event", ...), for the failover record
	 * @param oom whether the OOM killer hit it
	 * @param notBefore not handled before this (a back-off), or null
	 */
	record Exit(String containerId, Long exitCode, Instant at, String source, boolean oom,
			Instant notBefore) {

		Exit later(Instant retryAt) {
			return new Exit(containerId, exitCode, at, source, oom, retryAt);
		}

		boolean due(Instant now) {
			return notBefore == null || !notBefore.isAfter(now);
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

	private final Map<String, Exit> byContainer = new ConcurrentHashMap<>();

	private final Clock clock;

	RecorderExits(Clock clock) {
		this.clock = clock;
	}

	/** An exit seen (the first report of a container's exit is kept). */
	void seen(Exit exit) {
		forgetOld();
		byContainer.putIfAbsent(exit.containerId(), exit);
	}

	/** What is known of the exit of {@code containerId} at {@code now}. */
	Seen of(String containerId, Instant now) {
		Exit e = containerId == null ? null : byContainer.get(containerId);
		if (e == null) {
			return Seen.NONE;
		}
		return e.due(now) ? Seen.DUE : Seen.WAITING;
	}

	/** The exit of {@code containerId}, if due, taken to be handled: nobody else gets it. */
	Optional<Exit> take(String containerId, Instant now) {
		Exit e = byContainer.get(containerId);
		if (e == null || !e.due(now) || !byContainer.remove(containerId, e)) {
			return Optional.empty();
		}
		return Optional.of(e);
	}

	/** An exit whose backup was refused for the back-off: handled again after {@code retryAt}. */
	void later(Exit exit, Instant retryAt) {
		forgetOld();
		byContainer.put(exit.containerId(), exit.later(retryAt.plus(RETRY_MARGIN)));
	}

	int size() {
		return byContainer.size();
	}

	private void forgetOld() {
		Instant old = clock.instant().minus(KEPT_FOR);
		byContainer.values().removeIf(e -> {
			Instant last = e.notBefore() != null ? e.notBefore() : e.at();
			return last == null || last.isBefore(old);
		});
	}

}
