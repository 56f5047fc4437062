package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.kernel.RecordingId;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A recording's media as OpenVidu sees it, read with ffprobe: the {@link Facts} OpenVidu takes
 * from {@code <id>.info} (which also verify a join, {@link JoinedFile}), and the two files of the
 * final it reads next to the video, written the way OpenVidu's own recorder writes them:
 * {@code <id>.info} (ffprobe JSON, the output of OpenVidu's exact command, which comes through a
 * pipe) and {@code <id>.jpg} (thumbnail). Both are published like every file the controller
 * writes into the recording folder ({@link OpenViduFiles#publish}).
 */
@Component
class MediaInfo {

	static final int THUMBNAIL_WIDTH = 480;

	private final Media media;

	private final JsonMapper json;

	private final OpenViduFiles files;

	MediaInfo(Media media, JsonMapper json, OpenViduFiles files) {
		this.media = media;
		this.json = json;
		this.files = files;
	}

	/** What OpenVidu takes from {@code <id>.info}. */
	record Facts(long sizeBytes, double durationSeconds, boolean hasAudio, boolean hasVideo, int width, int height,
			int frameRate) {

		String resolution() {
			return hasVideo ? width + "x" + height : null;
		}

	}

	/**
	 * Reads an ffprobe JSON document the way OpenVidu does. Throws if OpenVidu could not use it:
	 * no video stream, or an {@code r_frame_rate} it cannot divide by.
	 */
	static Facts facts(JsonNode info) throws IOException {
		JsonNode format = info.path("format");
		JsonNode video = null;
		JsonNode audio = null;
		for (JsonNode stream : info.path("streams")) {
			String type = stream.path("codec_type").asString("");
			if (type.equals("video") && video == null) {
				video = stream;
			}
			else if (type.equals("audio") && audio == null) {
				audio = stream;
			}
		}
		if (video == null) {
			throw new IOException("no video stream");
		}
		String[] rate = video.path("r_frame_rate").asString("").split("/");
		long num;
		long den;
		try {
			num = Long.parseLong(rate[0]);
			den = rate.length > 1 ? Long.parseLong(rate[1]) : 1;
		}
		catch (NumberFormatException ex) {
			throw new IOException("video r_frame_rate is not N/D");
		}
		if (num <= 0 || den <= 0 || num / den <= 0) {
			throw new IOException("video r_frame_rate " + num + "/" + den + " is not usable");
		}
		double duration = Double.parseDouble(format.path("duration").asString("0"));
		long size = Long.parseLong(format.path("size").asString("0"));
		return new Facts(size, duration, audio != null, true, video.path("width").asInt(),
				video.path("height").asInt(), (int) (num / den));
	}

	/** Writes {@code <id>.info} with OpenVidu's exact ffprobe command and answers what it says. */
	Facts writeInfo(Path dir, RecordingId id, Path mp4) throws IOException {
		Media.Result r = media.info(mp4);
		if (!r.ok()) {
			throw new IOException("ffprobe of the final file failed: " + r.lastError());
		}
		Facts facts;
		try {
			facts = facts(json.readTree(r.output()));
		}
		catch (JacksonException ex) {
			throw new IOException("ffprobe of the final file printed no JSON");
		}
		Path tmp = OpenViduFiles.createTemp(dir, ".ov2ha-info-", ".tmp");
		try {
			Files.write(tmp, r.output(), StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
			files.publish(tmp, dir.resolve(id.value() + ".info"));
		}
		finally {
			Files.deleteIfExists(tmp);
		}
		return facts;
	}

	/** {@code <id>.jpg}: one frame from the middle, 480 px wide, even height as OpenVidu's recorder does. */
	void writeThumbnail(Path dir, RecordingId id, Path mp4, Facts facts) throws IOException {
		int height = thumbnailHeight(facts.width(), facts.height());
		Path tmp = OpenViduFiles.createTemp(dir, ".ov2ha-thumb-", ".jpg");
		try {
			Media.Result r = media.thumbnail(mp4, facts.durationSeconds() / 2, THUMBNAIL_WIDTH, height, tmp);
			if (!r.ok() || !Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS) || Files.size(tmp) == 0) {
				throw new IOException("thumbnail failed: " + r.lastError());
			}
			files.publish(tmp, dir.resolve(id.value() + ".jpg"));
		}
		finally {
			Files.deleteIfExists(tmp);
		}
	}

	static int thumbnailHeight(int width, int height) {
		if (width <= 0 || height <= 0) {
			return 270;
		}
		int h = THUMBNAIL_WIDTH * height / width;
		h -= h % 2;
		return Math.max(2, h);
	}

}
