package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Real chunks made by ffmpeg the way the recorder makes them (lavfi test video and tone, MPEG-TS
 * segments with forced keyframes and flushed packets, ffmpeg's CSV segment list), generated
 * once per JVM and kept under {@code target/test-media}.
 */
final class TestMedia {

	static final Path ROOT = Path.of("target", "test-media");

	static final int CHUNK_SECONDS = 2;

	private static final Map<String, List<Chunk>> CACHE = new ConcurrentHashMap<>();

	private TestMedia() {
	}

	/** A chunk file and its duration from the segment list (end - start). */
	record Chunk(Path file, double duration) {
	}

	/** {@code count} chunks of 2 s: 320x180 25 fps H.264 with AAC audio. */
	static List<Chunk> audioVideo(int count) {
		return generate("av-" + count, count, true, true);
	}

	/** {@code count} chunks of 2 s with audio only (no video: OpenVidu could not use the result). */
	static List<Chunk> audioOnly(int count) {
		return generate("a-" + count, count, true, false);
	}

	private static synchronized List<Chunk> generate(String name, int count, boolean audio, boolean video) {
		return CACHE.computeIfAbsent(name, n -> {
			try {
				Path dir = ROOT.resolve(n);
				if (Files.exists(dir)) {
					try (var files = Files.walk(dir)) {
						files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
					}
				}
				Files.createDirectories(dir);
				List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error"));
				if (video) {
					cmd.addAll(List.of("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25"));
				}
				if (audio) {
					cmd.addAll(List.of("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"));
				}
				cmd.addAll(List.of("-t", Integer.toString(count * CHUNK_SECONDS)));
				if (video) {
					cmd.addAll(List.of("-map", "0:v", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
							"-force_key_frames", "expr:gte(t,n_forced*" + CHUNK_SECONDS + ")"));
				}
				if (audio) {
					cmd.addAll(List.of("-map", video ? "1:a" : "0:a", "-c:a", "aac", "-b:a", "64k", "-ar", "48000", "-ac",
							"2"));
				}
				cmd.addAll(List.of("-f", "segment", "-segment_time", Integer.toString(CHUNK_SECONDS),
						"-reset_timestamps", "1", "-segment_format", "mpegts", "-segment_format_options",
						"flush_packets=1", "-segment_list", dir.resolve("segments.csv").toString(),
						"-segment_list_type", "csv", dir.resolve("%06d.ts").toString()));
				Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
					.redirectOutput(dir.resolve("ffmpeg.log").toFile())
					.start();
				if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
					throw new IllegalStateException("ffmpeg failed: " + Files.readString(dir.resolve("ffmpeg.log")));
				}
				List<Chunk> chunks = new ArrayList<>();
				for (String line : Files.readAllLines(dir.resolve("segments.csv"))) {
					String[] f = line.split(",");
					chunks.add(new Chunk(dir.resolve(f[0]), Double.parseDouble(f[2]) - Double.parseDouble(f[1])));
				}
				if (chunks.size() < count) {
					throw new IllegalStateException("expected " + count + " chunks, got " + chunks.size());
				}
				// audio alone may leave a last sliver (AAC priming): the first count are whole
				return List.copyOf(chunks.subList(0, count));
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		});
	}

	/**
	 * The first part of a chunk cut right before a video PES, as a killed recorder leaves it
	 * (with flush_packets=1 every PES is written whole): about {@code fraction} of the bytes.
	 */
	static byte[] killedAt(Path chunk, double fraction) throws IOException {
		byte[] b = Files.readAllBytes(chunk);
		int target = (int) (b.length * fraction);
		int cut = -1;
		for (int i = 0; i + TsScan.PACKET <= b.length; i += TsScan.PACKET) {
			boolean start = (b[i + 1] & 0x40) != 0;
			int pid = ((b[i + 1] & 0x1F) << 8) | (b[i + 2] & 0xFF);
			if (start && pid == 0x100 && i >= target) {
				cut = i;
				break;
			}
		}
		if (cut < 0) {
			throw new IllegalStateException("no video PES after the cut point");
		}
		return java.util.Arrays.copyOf(b, cut);
	}

	static String sha256(byte[] bytes) {
		try {
			return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
