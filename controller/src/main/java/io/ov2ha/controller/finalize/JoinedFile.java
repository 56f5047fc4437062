package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.finalize.JoinPlan.Kept;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.LogValues;
import tools.jackson.databind.JsonNode;

/**
 * The join of a finalization attempt: the kept chunks in order with stream copy and their
 * per-chunk durations (an ffconcat list; a chunk cut at a loss ends at its outpoint), then the
 * verification of the joined file against the plan (duration within {@link #tolerance}, audio
 * kept, audio and video of one length).
 */
@Component
class JoinedFile {

	private static final Log LOG = LogFactory.getLog(JoinedFile.class);

	private final HaProperties properties;

	private final Media media;

	JoinedFile(HaProperties properties, Media media) {
		this.properties = properties;
		this.media = media;
	}

	void join(RecordingId id, JoinPlan plan, Path work, Path temp) throws IOException {
		Path list = work.resolve("join.ffconcat");
		StringBuilder concat = new StringBuilder("ffconcat version 1.0\n");
		for (Kept k : plan.kept()) {
			concat.append("file '")
				.append(k.file().toAbsolutePath().toString().replace("'", "'\\''"))
				.append("'\nduration ")
				.append(String.format(Locale.ROOT, "%.6f", k.duration()))
				.append('\n');
			if (k.outpoint() != null) {
				// cut at a loss: the demuxer ends the file at this timestamp of its own
				concat.append(String.format(Locale.ROOT, "outpoint %.6f\n", k.outpoint()));
			}
		}
		Files.writeString(list, concat, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
		// ffmpeg -y writes through whatever is at the output name: it must be our own new file
		Files.deleteIfExists(temp);
		Files.createFile(temp);
		long started = System.nanoTime();
		Media.Result r = media.join(list, temp, properties.storage().finalizer().timeout());
		if (!r.ok()) {
			Files.deleteIfExists(temp);
			throw FinalizeFailure.permanent("ffmpeg join failed: " + r.lastError());
		}
		if (!r.errors().isBlank()) {
			LOG.warn("event=finalize.join_messages recordingId=" + id + " last=" + LogValues.quote(r.lastError()));
		}
		LOG.info("event=finalize.joined recordingId=" + id + " chunks=" + plan.kept().size() + " seconds="
				+ LogValues.seconds((System.nanoTime() - started) / 1e9));
	}

	Finalization.Output verify(RecordingId id, Path temp, JoinPlan plan, String fileName)
			throws IOException {
		JsonNode probe;
		try {
			probe = media.probe(temp);
		}
		catch (IOException ex) {
			throw verificationFailed(temp, "the joined file cannot be read: " + ex.getMessage());
		}
		MediaInfo.Facts facts;
		try {
			facts = MediaInfo.facts(probe);
		}
		catch (IOException ex) {
			throw verificationFailed(temp, "the joined file is not usable: " + ex.getMessage());
		}
		double expected = plan.expectedSeconds();
		double tolerance = tolerance(expected);
		if (Math.abs(facts.durationSeconds() - expected) > tolerance) {
			throw verificationFailed(temp, String.format(Locale.ROOT,
					"the joined file lasts %.3f s, its %d chunks %.3f s (tolerance %.3f s)", facts.durationSeconds(),
					plan.kept().size(), expected, tolerance));
		}
		if (plan.hasAudio() && !facts.hasAudio()) {
			throw verificationFailed(temp, "the joined file has no audio stream, its chunks have");
		}
		double video = streamDuration(probe, "video");
		double audio = streamDuration(probe, "audio");
		if (video > 0 && audio > 0 && Math.abs(video - audio) > 1.0 + 0.001 * expected) {
			throw verificationFailed(temp, String.format(Locale.ROOT,
					"audio (%.3f s) and video (%.3f s) of the joined file differ too much", audio, video));
		}
		LOG.info("event=finalize.verified recordingId=" + id + " durationSeconds=" + LogValues.seconds(facts.durationSeconds())
				+ " expectedSeconds=" + LogValues.seconds(expected) + " hasAudio=" + facts.hasAudio() + " chunks="
				+ plan.kept().size() + " dropped=" + plan.dropped().size());
		return new Finalization.Output(fileName, Files.size(temp), facts.durationSeconds(), expected,
				facts.hasAudio(), facts.hasVideo(), facts.resolution(), facts.frameRate(), null);
	}

	/** How far the joined duration may be from the sum of the chunks: 0.5 s plus 0.05 %. */
	static double tolerance(double expectedSeconds) {
		return 0.5 + 0.0005 * expectedSeconds;
	}

	private static FinalizeFailure verificationFailed(Path temp, String reason) {
		try {
			Files.deleteIfExists(temp);
		}
		catch (IOException ignored) {
			// the next attempt replaces it
		}
		return FinalizeFailure.permanent("verification failed: " + reason);
	}

	/** Whether a verified join left by an earlier attempt is still the same file. */
	boolean stillVerifies(Path temp, Finalization.Output output) {
		try {
			MediaInfo.Facts facts = MediaInfo.facts(media.probe(temp));
			return Math.abs(facts.durationSeconds() - output.durationSeconds()) < 0.001;
		}
		catch (IOException | RuntimeException ex) {
			return false;
		}
	}

	private static double streamDuration(JsonNode probe, String type) {
		for (JsonNode stream : probe.path("streams")) {
			if (type.equals(stream.path("codec_type").asString(""))) {
				try {
					return Double.parseDouble(stream.path("duration").asString("0"));
				}
				catch (NumberFormatException ex) {
					return 0;
				}
			}
		}
		return 0;
	}

}
