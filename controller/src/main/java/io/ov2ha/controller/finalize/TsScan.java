package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * A fast structural probe of an MPEG-TS chunk in one read: packet sync, program tables,
 * elementary streams and the PTS range of each kind, plus the SHA-256 of the bytes. It costs
 * about as much as reading the file, so every chunk is checked without starting a process;
 * ffprobe/ffmpeg are used where a chunk needs a deeper look (no report, odd duration).
 */
final class TsScan {

	static final int PACKET = 188;

	private static final int BUFFER_PACKETS = 4096;

	private static final double PTS_HZ = 90_000.0;

	private TsScan() {
	}

	/**
	 * What the scan found. Durations are PTS spans (first to last frame start) in seconds;
	 * {@code startSeconds} is the lowest PTS of its audio and video, in seconds (the file's own
	 * timestamps, as a concat list's {@code outpoint} takes them), NaN when it has none.
	 */
	record Info(long sizeBytes, boolean programTables, long packets, long syncErrors, long trailingBytes,
			long videoPes, long audioPes, double videoSpan, double audioSpan, String sha256, double startSeconds) {

		boolean hasVideo() {
			return videoPes > 0;
		}

		boolean hasAudio() {
			return audioPes > 0;
		}

		double span() {
			return Math.max(videoSpan, audioSpan);
		}

		/** Why the chunk cannot be joined, or null when it looks usable. */
		String problem() {
			if (sizeBytes == 0) {
				return "empty (0 bytes)";
			}
			if (packets == 0 || syncErrors * 10 > packets || !programTables && videoPes + audioPes == 0) {
				return "not an MPEG-TS chunk";
			}
			if (syncErrors > 0) {
				return "corrupt MPEG-TS (" + syncErrors + " packets without sync byte)";
			}
			if (videoPes + audioPes == 0) {
				return "header only (no audio or video data)";
			}
			return null;
		}

	}

	static Info scan(Path file, boolean digest) throws IOException {
		MessageDigest sha = digest ? sha256() : null;
		Parser parser = new Parser();
		long size = 0;
		ByteBuffer buffer = ByteBuffer.allocate(PACKET * BUFFER_PACKETS);
		byte[] b = buffer.array();
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
			while (true) {
				buffer.clear();
				while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
					// fill the buffer completely, so packets stay aligned across reads
				}
				int n = buffer.position();
				if (n == 0) {
					break;
				}
				size += n;
				if (sha != null) {
					sha.update(b, 0, n);
				}
				int whole = n - n % PACKET;
				for (int i = 0; i < whole; i += PACKET) {
					parser.packet(b, i);
				}
				if (whole < n) {
					parser.trailing = n - whole;
					break;
				}
				if (n < b.length) {
					break;
				}
			}
		}
		return new Info(size, parser.pat, parser.packets, parser.syncErrors, parser.trailing, parser.videoPes,
				parser.audioPes, parser.span(parser.videoMin, parser.videoMax),
				parser.span(parser.audioMin, parser.audioMax),
				sha == null ? null : "sha256:" + HexFormat.of().formatHex(sha.digest()), parser.startSeconds());
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private enum Kind {

		VIDEO, AUDIO, OTHER

	}

	private static final class Parser {

		final Set<Integer> pmtPids = new HashSet<>();

		final Map<Integer, Kind> streams = new HashMap<>();

		boolean pat;

		long packets;

		long syncErrors;

		long trailing;

		long videoPes;

		long audioPes;

		long videoMin = Long.MAX_VALUE;

		long videoMax = Long.MIN_VALUE;

		long audioMin = Long.MAX_VALUE;

		long audioMax = Long.MIN_VALUE;

		void packet(byte[] b, int i) {
			packets++;
			if (b[i] != 0x47) {
				syncErrors++;
				return;
			}
			boolean start = (b[i + 1] & 0x40) != 0;
			int pid = ((b[i + 1] & 0x1F) << 8) | (b[i + 2] & 0xFF);
			int adaptation = (b[i + 3] >> 4) & 0x3;
			if (adaptation == 0 || adaptation == 2 || !start) {
				return;
			}
			int p = i + 4;
			if (adaptation == 3) {
				p += 1 + (b[i + 4] & 0xFF);
			}
			int end = i + PACKET;
			if (p >= end) {
				return;
			}
			if (pid == 0) {
				pat(b, p, end);
			}
			else if (pmtPids.contains(pid)) {
				pmt(b, p, end);
			}
			else {
				Kind kind = streams.get(pid);
				if (kind != null && kind != Kind.OTHER) {
					pes(b, p, end, kind);
				}
			}
		}

		private void pat(byte[] b, int p, int end) {
			int section = p + 1 + (b[p] & 0xFF);
			if (section + 8 > end || b[section] != 0x00) {
				return;
			}
			int length = ((b[section + 1] & 0x0F) << 8) | (b[section + 2] & 0xFF);
			int last = Math.min(end, section + 3 + length - 4);
			for (int e = section + 8; e + 4 <= last; e += 4) {
				int program = ((b[e] & 0xFF) << 8) | (b[e + 1] & 0xFF);
				if (program != 0) {
					pmtPids.add(((b[e + 2] & 0x1F) << 8) | (b[e + 3] & 0xFF));
				}
			}
			pat = true;
		}

		private void pmt(byte[] b, int p, int end) {
			int section = p + 1 + (b[p] & 0xFF);
			if (section + 12 > end || b[section] != 0x02) {
				return;
			}
			int length = ((b[section + 1] & 0x0F) << 8) | (b[section + 2] & 0xFF);
			int infoLength = ((b[section + 10] & 0x0F) << 8) | (b[section + 11] & 0xFF);
			int last = Math.min(end, section + 3 + length - 4);
			for (int e = section + 12 + infoLength; e + 5 <= last;) {
				int type = b[e] & 0xFF;
				int pid = ((b[e + 1] & 0x1F) << 8) | (b[e + 2] & 0xFF);
				streams.put(pid, kind(type));
				e += 5 + (((b[e + 3] & 0x0F) << 8) | (b[e + 4] & 0xFF));
			}
		}

		private void pes(byte[] b, int p, int end, Kind kind) {
			if (p + 14 > end || b[p] != 0 || b[p + 1] != 0 || b[p + 2] != 1) {
				return;
			}
			if (kind == Kind.VIDEO) {
				videoPes++;
			}
			else {
				audioPes++;
			}
			if (((b[p + 7] >> 6) & 0x3) < 2) {
				return;
			}
			long pts = ((long) (b[p + 9] >> 1) & 0x07) << 30 | ((long) b[p + 10] & 0xFF) << 22
					| ((long) (b[p + 11] >> 1) & 0x7F) << 15 | ((long) b[p + 12] & 0xFF) << 7
					| ((long) (b[p + 13] >> 1) & 0x7F);
			if (kind == Kind.VIDEO) {
				videoMin = Math.min(videoMin, pts);
				videoMax = Math.max(videoMax, pts);
			}
			else {
				audioMin = Math.min(audioMin, pts);
				audioMax = Math.max(audioMax, pts);
			}
		}

		double startSeconds() {
			long min = Math.min(videoMin, audioMin);
			return min == Long.MAX_VALUE ? Double.NaN : min / PTS_HZ;
		}

		double span(long min, long max) {
			return max < min ? 0 : (max - min) / PTS_HZ;
		}

		private static Kind kind(int streamType) {
			return switch (streamType) {
				case 0x01, 0x02, 0x10, 0x1B, 0x24, 0x42, 0xD1, 0xEA -> Kind.VIDEO;
				case 0x03, 0x04, 0x0F, 0x11, 0x81, 0x87 -> Kind.AUDIO;
				default -> Kind.OTHER;
			};
		}

	}

}
