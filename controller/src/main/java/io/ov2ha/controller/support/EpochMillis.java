package io.ov2ha.controller.support;

import java.time.Instant;

/**
 * The one parser of numbers and epoch-millisecond times stored as strings (Redis hash fields,
 * container labels). Lenient by design: a missing, empty or malformed value is null, so one
 * corrupt field never stops a sweep over many recordings.
 */
public final class EpochMillis {

	private EpochMillis() {
	}

	/** The decimal long in {@code s}, or null when missing, empty or not a long. */
	public static Long longOrNull(String s) {
		if (s == null || s.isEmpty()) {
			return null;
		}
		try {
			return Long.valueOf(s);
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/** The decimal long in {@code s}, or {@code fallback} when missing, empty or not a long. */
	public static long longOr(String s, long fallback) {
		Long n = longOrNull(s);
		return n == null ? fallback : n;
	}

	/** The instant {@code s} milliseconds after the epoch, or null when not a long. */
	public static Instant instantOrNull(String s) {
		Long ms = longOrNull(s);
		return ms == null ? null : Instant.ofEpochMilli(ms);
	}

}
