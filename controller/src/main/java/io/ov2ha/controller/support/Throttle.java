package io.ov2ha.controller.support;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one "at most once per period and key" of the controller: a repeated check, question or
 * warning is due when nothing was marked for its key, or when its period has passed since the
 * last mark (a mark exactly one period ago is due). Keys marked long ago are forgotten by the
 * periodic {@link #forgetOlderThan}, so recordings that ended leave nothing behind. Thread-safe.
 *
 * @param <K> what is throttled (a recording id, a recording id and its start, a warning's key)
 */
public final class Throttle<K> {

	private final Duration period;

	private final Map<K, Instant> marked = new ConcurrentHashMap<>();

	public Throttle(Duration period) {
		if (period.isNegative()) {
			throw new IllegalArgumentException("a throttle's period cannot be negative: " + period);
		}
		this.period = period;
	}

	/** Whether {@code key} is due at {@code now}: never marked, or marked at least a period ago. */
	public boolean due(K key, Instant now) {
		return due(key, now, period);
	}

	/** Whether {@code key} is due at {@code now} with another period than this throttle's (a shorter one while a condition lasts). */
	public boolean due(K key, Instant now, Duration every) {
		return elapsed(marked.get(key), now, every);
	}

	/** {@code key} was acted on at {@code now}: due again one period later. */
	public void mark(K key, Instant now) {
		marked.put(key, now);
	}

	/**
	 * Marks {@code key} at {@code now} if it is due, atomically (two threads never both get
	 * true for one period).
	 *
	 * @return whether it was due (and is now marked)
	 */
	public boolean tryMark(K key, Instant now) {
		boolean[] due = { false };
		marked.compute(key, (k, last) -> {
			if (elapsed(last, now, period)) {
				due[0] = true;
				return now;
			}
			return last;
		});
		return due[0];
	}

	/** The one due test: never marked, or {@code every} has passed since the mark (exactly is enough). */
	private static boolean elapsed(Instant last, Instant now, Duration every) {
		return last == null || !last.plus(every).isAfter(now);
	}

	/** Whether {@code key} was marked and not forgotten since. */
	public boolean marked(K key) {
		return marked.containsKey(key);
	}

	/** Forgets {@code key}: it is due at once. */
	public void forget(K key) {
		marked.remove(key);
	}

	/** Forgets the keys last marked before {@code old}. */
	public void forgetOlderThan(Instant old) {
		marked.values().removeIf(t -> t.isBefore(old));
	}

	/** The keys marked and not forgotten (for tests and views). */
	public int size() {
		return marked.size();
	}

}
