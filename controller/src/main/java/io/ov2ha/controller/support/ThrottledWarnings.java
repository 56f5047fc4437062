package io.ov2ha.controller.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.apache.commons.logging.Log;

/**
 * Warnings that repeat on every sweep (a saturated host, a backoff, a recorder still silent):
 * one line per key and minute, so a long condition stays visible without flooding the log.
 */
public final class ThrottledWarnings {

	private final Clock clock;

	private final Throttle<String> warned = new Throttle<>(Duration.ofMinutes(1));

	public ThrottledWarnings(Clock clock) {
		this.clock = clock;
	}

	/** Logs {@code line} on the caller's logger, unless the same key was logged less than a minute ago. */
	public void warn(Log log, String key, String line) {
		if (warned.tryMark(key, clock.instant())) {
			log.warn(line);
		}
	}

	public void forgetOlderThan(Instant old) {
		warned.forgetOlderThan(old);
	}

}
