package io.ov2ha.controller.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.openvidu.OpenViduAnswer;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.support.Throttle;

/**
 * What the OpenVidu checks remember per recording ({@code id:createdAt}), in memory: whether a
 * question before a backup is under way, when a running backup was last checked, when a wait for
 * an answer may ask again, and since when OpenVidu has not answered. {@link OpenViduGate} asks by
 * it, {@link OpenViduVerdicts} decides with it; an ended recording is forgotten at once, the
 * others once they are old.
 */
@Component
public class OpenViduAsks {

	/** While waiting for an answer about a stale death or a removed recorder: asked at most this often. */
	private static final Duration WAIT_ASK_EVERY = Duration.ofSeconds(2);

	/** Recording (id:createdAt) -> first unanswered ask of the current run of them. */
	private final Map<String, Instant> unreachableSince = new ConcurrentHashMap<>();

	/** Recording -> when its running backup was last checked (the period is the caller's: {@link #checkDue}). */
	private final Throttle<String> lastCheck = new Throttle<>(Duration.ZERO);

	/** Recording -> when a wait for an answer about a stale death or a removed recorder may ask again. */
	private final Map<String, Instant> nextWaitAsk = new ConcurrentHashMap<>();

	/**
	 * Recordings whose last ask OpenVidu did not answer at all (unreachable: a restart is under
	 * way, or OpenVidu is down); not a refused secret or a redirect, which asking sooner cannot
	 * change.
	 */
	private final Set<String> silent = ConcurrentHashMap.newKeySet();

	/** Recordings whose question before a backup is not answered yet (no second one meanwhile). */
	private final Set<String> awaiting = ConcurrentHashMap.newKeySet();

	/**
	 * Whether a question before a backup of {@code r} may be asked now, and if so marks it under
	 * way: not while a wait is to ask again later, nor while a question about it is under way.
	 */
	boolean startAsking(Recording r, Instant now) {
		String key = key(r);
		Instant next = nextWaitAsk.get(key);
		if (next != null && next.isAfter(now)) {
			return false;
		}
		return awaiting.add(key);
	}

	/** The question before a backup of {@code r} is answered (or was never asked): another may be asked. */
	void doneAsking(Recording r) {
		awaiting.remove(key(r));
	}

	/** Whether OpenVidu is being asked before a backup of {@code r}. */
	boolean awaiting(Recording r) {
		return awaiting.contains(key(r));
	}

	/**
	 * Whether the running backup of the recording is due for a check: {@code interval} after the
	 * last one, or {@code WAIT_ASK_EVERY} later while OpenVidu does not answer at all: a
	 * restarted OpenVidu knows no session, and the sooner that is known, the less the backup
	 * records after the loss (it is cut from the final, {@code LossCut}).
	 */
	boolean checkDue(Snapshot s, Instant now, Duration interval) {
		String key = s.incarnation();
		Duration every = silent.contains(key) && WAIT_ASK_EVERY.compareTo(interval) < 0 ? WAIT_ASK_EVERY : interval;
		// first sight (e.g. after a controller start): check now
		return lastCheck.due(key, now, every);
	}

	/** The running backup of the recording is checked now: the next check is due from here. */
	void checked(Snapshot s, Instant now) {
		lastCheck.mark(s.incarnation(), now);
	}

	/** When a wait for an answer about {@code r} may ask again; null when none waits. */
	Instant nextWaitAsk(Recording r) {
		return nextWaitAsk.get(key(r));
	}

	/** A wait for an answer about {@code r} asks again {@code WAIT_ASK_EVERY} after {@code now}. */
	void waitToAskAgain(Recording r, Instant now) {
		nextWaitAsk.put(key(r), now.plus(WAIT_ASK_EVERY));
	}

	/** No wait for an answer about {@code r} any more. */
	void stopWaiting(Recording r) {
		nextWaitAsk.remove(key(r));
	}

	/**
	 * Notes OpenVidu's answer about {@code r}: no (usable) answer starts a run of unanswered asks or
	 * goes on with it, any other answer ends it.
	 */
	void noteAnswer(Recording r, OpenViduAnswer answer, Instant now) {
		String key = key(r);
		if (answer == OpenViduAnswer.UNREACHABLE || answer == OpenViduAnswer.MISCONFIGURED) {
			unreachableSince.putIfAbsent(key, now);
		}
		else {
			unreachableSince.remove(key);
		}
		if (answer == OpenViduAnswer.UNREACHABLE) {
			silent.add(key);
		}
		else {
			silent.remove(key);
		}
	}

	/** The first unanswered ask of the current run of them about {@code r}; null when OpenVidu answered last. */
	Instant unreachableSince(Recording r) {
		return unreachableSince.get(key(r));
	}

	/** Forgets what it knows of {@code r} (it was ended). */
	void forget(Recording r) {
		String key = key(r);
		unreachableSince.remove(key);
		silent.remove(key);
		lastCheck.forget(key);
		nextWaitAsk.remove(key);
	}

	/** Forgets what it knows of recordings gone from the registry (called now and then). */
	void forgetOlderThan(Instant cutoff) {
		lastCheck.forgetOlderThan(cutoff);
		silent.removeIf(k -> !lastCheck.marked(k));
		nextWaitAsk.values().removeIf(t -> t.isBefore(cutoff));
		unreachableSince.values().removeIf(t -> t.isBefore(cutoff.minus(Duration.ofHours(1))));
	}

	private static String key(Recording r) {
		return r.id().value() + ":" + r.createdAt();
	}

}
