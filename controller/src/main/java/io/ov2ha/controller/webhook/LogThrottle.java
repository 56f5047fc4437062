package io.ov2ha.controller.webhook;

import java.time.Duration;

/**
 * Lets one log line of a kind through per interval and counts the events held back, so that
 * requests anyone can send cannot flood the log.
 */
final class LogThrottle {

	private final long intervalNanos;

	private long lastLogged;

	private boolean logged;

	private long events;

	LogThrottle(Duration interval) {
		this.intervalNanos = interval.toNanos();
	}

	/**
	 * Records one event. Answers how many events (this one included) the line to log now stands
	 * for, or 0 when this one is held back.
	 */
	synchronized long event() {
		events++;
		long now = System.nanoTime();
		if (logged && now - lastLogged < intervalNanos) {
			return 0;
		}
		logged = true;
		lastLogged = now;
		long count = events;
		events = 0;
		return count;
	}

}
