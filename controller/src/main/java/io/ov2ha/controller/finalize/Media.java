package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.springframework.stereotype.Component;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * ffmpeg and ffprobe (Debian's, from the PATH), always started with an argument list (never a
 * shell), with a timeout, stdin closed and stderr captured to a file. The exit code is checked,
 * and callers verify results as well: ffmpeg's concat exits 0 after a silent truncation.
 */
@Component
class Media {

	static final Duration PROBE_TIMEOUT = Duration.ofSeconds(60);

	static final Duration CHECK_TIMEOUT = Duration.ofSeconds(120);

	private static final int ERROR_TAIL = 600;

	private final JsonMapper json;

	Media(JsonMapper json) {
		this.json = json;
	}

	/** A finished process. {@code errors} is the end of its stderr (paths only, no secrets). */
	record Result(int exitCode, String errors) {

		boolean ok() {
			return exitCode == 0;
		}

		/** The last non-empty stderr line, for a short reason. */
		String lastError() {
			String[] lines = errors.strip().split("\n");
			return lines.length == 0 || lines[lines.length - 1].isBlank() ? "exit code " + exitCode
					: lines[lines.length - 1].strip();
		}

	}

	/** The process was stopped because the calling thread was interrupted (shutdown). */
	static final class Interrupted extends RuntimeException {

		Interrupted() {
			super("interrupted", null, false, false);
		}

	}

	/**
	 * Runs a tool to completion.
	 *
	 * @param stdout file for the standard output, or null to discard it
	 * @param stderr file for the standard error
	 * @throws IOException if it cannot start or does not finish within the timeout (it is killed)
	 */
	Result run(List<String> command, Duration timeout, Path stdout, Path stderr) throws IOException {
		ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(devNull()))
			.redirectError(stderr.toFile())
			.redirectOutput(stdout == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(stdout.toFile()));
		Process process = builder.start();
		try {
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly();
				process.waitFor(5, TimeUnit.SECONDS);
				throw new IOException(command.get(0) + " did not finish within " + timeout.toSeconds() + " s");
			}
		}
		catch (InterruptedException ex) {
			process.destroyForcibly();
			Thread.currentThread().interrupt();
			throw new Interrupted();
		}
		return new Result(process.exitValue(), tail(stderr));
	}

	/** {@code ffprobe -show_format -show_streams} as JSON. */
	JsonNode probe(Path file, Path scratch) throws IOException {
		Path out = scratch.resolveSibling(scratch.getFileName() + ".json");
		try {
			Result r = run(List.of("ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
					file.toString()), PROBE_TIMEOUT, out, scratch);
			if (!r.ok()) {
				throw new IOException("ffprobe failed: " + r.lastError());
			}
			return json.readTree(Files.readString(out, StandardCharsets.UTF_8));
		}
		catch (JacksonException ex) {
			throw new IOException("ffprobe printed no JSON", ex);
		}
		finally {
			Files.deleteIfExists(out);
			Files.deleteIfExists(scratch);
		}
	}

	/** OpenVidu's own command: {@code ffprobe -v quiet -print_format json -show_format -show_streams <mp4>}. */
	Result info(Path mp4, Path out, Path scratch) throws IOException {
		try {
			return run(List.of("ffprobe", "-v", "quiet", "-print_format", "json", "-show_format", "-show_streams",
					mp4.toString()), PROBE_TIMEOUT, out, scratch);
		}
		finally {
			Files.deleteIfExists(scratch);
		}
	}

	/** Decodes every stream of a file; passes only if ffmpeg reports no error at all. */
	Result decodeCheck(Path file, Path scratch) throws IOException {
		try {
			Result r = run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-xerror", "-i",
					file.toString(), "-map", "0:v?", "-map", "0:a?", "-f", "null", "-"), CHECK_TIMEOUT, null, scratch);
			return r.ok() && !r.errors().isBlank() ? new Result(1, r.errors()) : r;
		}
		finally {
			Files.deleteIfExists(scratch);
		}
	}

	/** Joins the files of an ffconcat list with stream copy into an MP4 with the index in front. */
	Result join(Path ffconcat, Path output, Duration timeout, Path log) throws IOException {
		return run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe",
				"0", "-i", ffconcat.toString(), "-map", "0:v?", "-map", "0:a?", "-c", "copy", "-movflags", "+faststart",
				"-f", "mp4", output.toString()), timeout, null, log);
	}

	/** One JPEG frame at {@code atSeconds}, scaled to width x height. */
	Result thumbnail(Path mp4, double atSeconds, int width, int height, Path output, Path scratch) throws IOException {
		try {
			return run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss",
					String.format(Locale.ROOT, "%.3f", atSeconds), "-i", mp4.toString(), "-frames:v", "1", "-vf",
					"scale=" + width + ":" + height, "-f", "image2", "-c:v", "mjpeg", output.toString()), PROBE_TIMEOUT,
					null, scratch);
		}
		finally {
			Files.deleteIfExists(scratch);
		}
	}

	private static java.io.File devNull() {
		return new java.io.File("/dev/null");
	}

	private static String tail(Path file) throws IOException {
		try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
			long length = f.length();
			long from = Math.max(0, length - ERROR_TAIL);
			byte[] bytes = new byte[(int) (length - from)];
			f.seek(from);
			f.readFully(bytes);
			return new String(bytes, StandardCharsets.UTF_8);
		}
		catch (java.io.FileNotFoundException ex) {
			return "";
		}
	}

}
