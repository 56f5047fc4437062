package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;

/**
 * Warnings that repeat on every sweep (a saturated host, a backoff, a recorder still silent):
 * one line per key and minute, so a long condition stays visible without flooding the log.
 */
final class ThrottledWarnings {

	private static final Duration EVERY = Duration.ofMinutes(1);

	private final Clock clock;

	private final Map<String, Instant> warned = new ConcurrentHashMap<>();

	ThrottledWarnings(Clock clock) {
		this.clock = clock;
	}

	/** Logs {@code line} on the caller's logger, unless the same key was logged less than a minute ago. */
	void warn(Log log, String key, String line) {
		Instant now = clock.instant();
		Instant last = warned.get(key);
		if (last == null || last.plus(EVERY).isBefore(now)) {
			warned.put(key, now);
			log.warn(line);
		}
	}

	void forgetOlderThan(Instant old) {
		warned.values().removeIf(t -> t.isBefore(old));
	}

}
