package io.ov2ha.controller.docker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * A tar archive (POSIX ustar) of plain files, in memory: what Docker's archive API extracts
 * into a container. Files only (no folders, no links), each owned by root with mode 600, in the
 * map's order (Docker extracts them in that order).
 */
final class TarFiles {

	private static final int BLOCK = 512;

	private TarFiles() {
	}

	/**
	 * @param files file name (plain, at most 100 ASCII characters, no '/') to content
	 * @param mtime the files' modification time
	 */
	static byte[] of(Map<String, byte[]> files, Instant mtime) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		files.forEach((name, content) -> {
			out.writeBytes(header(name, content.length, mtime.getEpochSecond()));
			out.writeBytes(content);
			out.writeBytes(new byte[(BLOCK - content.length % BLOCK) % BLOCK]);
		});
		out.writeBytes(new byte[2 * BLOCK]);
		return out.toByteArray();
	}

	private static byte[] header(String name, long size, long mtime) {
		if (!name.matches("[A-Za-z0-9._-]{1,100}") || name.equals(".") || name.equals("..")) {
			throw new IllegalArgumentException("not a plain file name");
		}
		byte[] h = new byte[BLOCK];
		put(h, 0, name);
		put(h, 100, "0000600\0");
		put(h, 108, "0000000\0");
		put(h, 116, "0000000\0");
		put(h, 124, String.format("%011o\0", size));
		put(h, 136, String.format("%011o\0", mtime));
		put(h, 148, "        ");
		h[156] = '0';
		put(h, 257, "ustar\0");
		put(h, 263, "00");
		put(h, 265, "root");
		put(h, 297, "root");
		long sum = 0;
		for (byte b : h) {
			sum += b & 0xff;
		}
		put(h, 148, String.format("%06o\0 ", sum));
		return h;
	}

	private static void put(byte[] h, int at, String value) {
		byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
		System.arraycopy(bytes, 0, h, at, bytes.length);
	}

}
