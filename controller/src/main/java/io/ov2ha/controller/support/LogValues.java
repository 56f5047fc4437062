package io.ov2ha.controller.support;

import java.util.Locale;

/** Values for a one-line key=value log entry: untrusted text made safe, seconds written alike. */
public final class LogValues {

	private static final int MAX = 200;

	private LogValues() {
	}

	/**
	 * The value quoted, with control characters, quotes and backslashes escaped and the length
	 * capped, so that it can neither break the line nor forge another key.
	 */
	public static String quote(String value) {
		if (value == null) {
			return "\"\"";
		}
		StringBuilder out = new StringBuilder(Math.min(value.length(), MAX) + 2).append('"');
		for (int i = 0; i < value.length() && i < MAX; i++) {
			char c = value.charAt(i);
			if (c == '"' || c == '\\') {
				out.append('\\').append(c);
			}
			else if (c < 0x20 || c == 0x7f || (c >= 0x80 && Character.isISOControl(c))) {
				out.append(String.format("\\u%04x", (int) c));
			}
			else {
				out.append(c);
			}
		}
		if (value.length() > MAX) {
			out.append("...");
		}
		return out.append('"').toString();
	}

	/** Seconds with three decimals, whatever the locale ({@code 12.345}). */
	public static String seconds(double seconds) {
		return String.format(Locale.ROOT, "%.3f", seconds);
	}

}
