package io.ov2ha.controller.finalize;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.stereotype.Component;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.ov2ha.controller.support.DaemonThreads;

/**
 * ffmpeg and ffprobe (Debian's, from the PATH), always started with an argument list (never a
 * shell), with a timeout and stdin closed. Their standard output and error are read through
 * pipes, never through files: recorders write into the recording folders as root, and a file
 * name there is one a planted symbolic link could redirect. The exit code is checked, and
 * callers verify results as well: ffmpeg's concat exits 0 after a silent truncation.
 */
@Component
class Media {

	static final Duration PROBE_TIMEOUT = Duration.ofSeconds(60);

	static final Duration CHECK_TIMEOUT = Duration.ofSeconds(120);

	private static final int ERROR_TAIL = 600;

	/** More standard output than any ffprobe document of a recording (its streams and format). */
	static final int MAX_OUTPUT = 8 * 1024 * 1024;

	private final JsonMapper json;

	Media(JsonMapper json) {
		this.json = json;
	}

	/**
	 * A finished process. {@code errors} is the end of its stderr (paths only, no secrets),
	 * {@code output} its standard output when asked for (else empty).
	 */
	record Result(int exitCode, String errors, byte[] output) {

		Result(int exitCode, String errors) {
			this(exitCode, errors, new byte[0]);
		}

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
	 * @param captureOutput keep its standard output (at most {@link #MAX_OUTPUT} bytes), else discard it
	 * @throws IOException if it cannot start, does not finish within the timeout (it is killed) or
	 * prints more than {@link #MAX_OUTPUT}
	 */
	Result run(List<String> command, Duration timeout, boolean captureOutput) throws IOException {
		ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(devNull()))
			.redirectError(ProcessBuilder.Redirect.PIPE)
			.redirectOutput(captureOutput ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.DISCARD);
		Process process = builder.start();
		CompletableFuture<byte[]> errors = drain(process.getErrorStream(), ERROR_TAIL, true);
		CompletableFuture<byte[]> output = captureOutput ? drain(process.getInputStream(), MAX_OUTPUT, false)
				: CompletableFuture.completedFuture(new byte[0]);
		try {
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly();
				process.waitFor(5, TimeUnit.SECONDS);
				throw new IOException(command.get(0) + " did not finish within " + timeout.toSeconds() + " s");
			}
			byte[] out = output.get(5, TimeUnit.SECONDS);
			if (out == null) {
				throw new IOException(command.get(0) + " printed more than " + MAX_OUTPUT + " bytes");
			}
			return new Result(process.exitValue(), new String(errors.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8),
					out);
		}
		catch (InterruptedException ex) {
			process.destroyForcibly();
			Thread.currentThread().interrupt();
			throw new Interrupted();
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IOException(command.get(0) + ": its output could not be read", ex);
		}
	}

	/**
	 * Reads a stream to its end on its own thread (so that a full pipe never blocks the tool):
	 * the last {@code limit} bytes ({@code tail}), or all bytes, or null beyond {@code limit}.
	 */
	private static CompletableFuture<byte[]> drain(InputStream in, int limit, boolean tail) {
		CompletableFuture<byte[]> result = new CompletableFuture<>();
		Thread reader = DaemonThreads.thread("media-pipe", () -> {
			try (in) {
				ByteArrayOutputStream kept = new ByteArrayOutputStream();
				byte[] buffer = new byte[8192];
				boolean overflow = false;
				for (int n; (n = in.read(buffer)) >= 0;) {
					if (overflow) {
						continue;
					}
					kept.write(buffer, 0, n);
					if (kept.size() > limit) {
						if (tail) {
							byte[] all = kept.toByteArray();
							kept.reset();
							kept.write(all, all.length - limit, limit);
						}
						else {
							overflow = true;
						}
					}
				}
				result.complete(overflow ? null : kept.toByteArray());
			}
			catch (IOException ex) {
				result.completeExceptionally(ex);
			}
		});
		reader.start();
		return result;
	}

	/** {@code ffprobe -show_format -show_streams} as JSON. */
	JsonNode probe(Path file) throws IOException {
		Result r = run(List.of("ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
				file.toString()), PROBE_TIMEOUT, true);
		if (!r.ok()) {
			throw new IOException("ffprobe failed: " + r.lastError());
		}
		try {
			return json.readTree(r.output());
		}
		catch (JacksonException ex) {
			throw new IOException("ffprobe printed no JSON", ex);
		}
	}

	/**
	 * OpenVidu's own command: {@code ffprobe -v quiet -print_format json -show_format -show_streams <mp4>};
	 * its document is the result's {@code output}.
	 */
	Result info(Path mp4) throws IOException {
		return run(List.of("ffprobe", "-v", "quiet", "-print_format", "json", "-show_format", "-show_streams",
				mp4.toString()), PROBE_TIMEOUT, true);
	}

	/** Decodes every stream of a file; passes only if ffmpeg reports no error at all. */
	Result decodeCheck(Path file) throws IOException {
		Result r = run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-xerror", "-i",
				file.toString(), "-map", "0:v?", "-map", "0:a?", "-f", "null", "-"), CHECK_TIMEOUT, false);
		return r.ok() && !r.errors().isBlank() ? new Result(1, r.errors()) : r;
	}

	/**
	 * Joins the files of an ffconcat list with stream copy into an MP4 with the index in front.
	 * {@code output} must be a file the caller has just created exclusively ({@code -y} writes
	 * through whatever is at that name).
	 */
	Result join(Path ffconcat, Path output, Duration timeout) throws IOException {
		return run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe",
				"0", "-i", ffconcat.toString(), "-map", "0:v?", "-map", "0:a?", "-c", "copy", "-movflags", "+faststart",
				"-f", "mp4", output.toString()), timeout, false);
	}

	/**
	 * One JPEG frame at {@code atSeconds}, scaled to width x height, into {@code output}, a file
	 * the caller has just created exclusively.
	 */
	Result thumbnail(Path mp4, double atSeconds, int width, int height, Path output) throws IOException {
		return run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss",
				String.format(Locale.ROOT, "%.3f", atSeconds), "-i", mp4.toString(), "-frames:v", "1", "-vf",
				"scale=" + width + ":" + height, "-f", "image2", "-update", "1", "-c:v", "mjpeg", output.toString()),
				PROBE_TIMEOUT, false);
	}

	private static java.io.File devNull() {
		return new java.io.File("/dev/null");
	}

}
