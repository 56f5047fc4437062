package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.recording.RecordingId;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The files OpenVidu reads in a recording folder, written the way OpenVidu's own recorder
 * writes them (see openvidu2-recording-facts §3, §6, §7): {@code <id>.info} (ffprobe JSON),
 * {@code <id>.jpg} (thumbnail) and {@code .recording.<id>} (Gson JSON, sealed {@code ready}).
 * Each is written under a temporary name (never starting with {@code .recording.}, which
 * OpenVidu parses) and renamed into place, readable by everyone (0644).
 */
@Component
class OpenViduFiles {

	static final String RECORDING_FILE_PREFIX = ".recording.";

	static final int THUMBNAIL_WIDTH = 480;

	private final Media media;

	private final JsonMapper json;

	private final String openviduUrl;

	OpenViduFiles(Media media, JsonMapper json, HaProperties properties) {
		this.media = media;
		this.json = json;
		String url = properties.storage().finalizer().openviduUrl();
		this.openviduUrl = StringUtils.hasText(url) ? url.trim().replaceAll("/+$", "") : null;
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
		Path tmp = dir.resolve(".ov2ha-info.tmp");
		Media.Result r = media.info(mp4, tmp, dir.resolve(".ov2ha-info.err"));
		if (!r.ok()) {
			Files.deleteIfExists(tmp);
			throw new IOException("ffprobe of the final file failed: " + r.lastError());
		}
		Facts facts;
		try {
			facts = facts(json.readTree(Files.readString(tmp, StandardCharsets.UTF_8)));
		}
		catch (JacksonException ex) {
			Files.deleteIfExists(tmp);
			throw new IOException("ffprobe of the final file printed no JSON");
		}
		publish(tmp, dir.resolve(id.value() + ".info"));
		return facts;
	}

	/** {@code <id>.jpg}: one frame from the middle, 480 px wide, even height as OpenVidu's recorder does. */
	void writeThumbnail(Path dir, RecordingId id, Path mp4, Facts facts) throws IOException {
		int height = thumbnailHeight(facts.width(), facts.height());
		Path tmp = dir.resolve(".ov2ha-thumb.tmp.jpg");
		Media.Result r = media.thumbnail(mp4, facts.durationSeconds() / 2, THUMBNAIL_WIDTH, height, tmp,
				dir.resolve(".ov2ha-thumb.err"));
		if (!r.ok() || !Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
			Files.deleteIfExists(tmp);
			throw new IOException("thumbnail failed: " + r.lastError());
		}
		publish(tmp, dir.resolve(id.value() + ".jpg"));
	}

	static int thumbnailHeight(int width, int height) {
		if (width <= 0 || height <= 0) {
			return 270;
		}
		int h = THUMBNAIL_WIDTH * height / width;
		h -= h % 2;
		return Math.max(2, h);
	}

	/** The url OpenVidu gives a ready recording, from {@code HA_OPENVIDU_URL}; null if that is unset. */
	String url(RecordingId id, String fileName) {
		return openviduUrl == null ? null : openviduUrl + "/openvidu/recordings/" + id.value() + "/" + fileName;
	}

	/**
	 * Rewrites {@code .recording.<id>} sealed {@code ready}: every existing field is kept in its
	 * place; status, size, duration, hasAudio, hasVideo, resolution, frameRate and url are set.
	 * A missing (or unreadable) file is created from the RECORDING_JSON the controller stored.
	 *
	 * @return the url written
	 */
	String sealReady(Path dir, RecordingId id, String storedRecordingJson, String fileName, Facts facts)
			throws IOException {
		Path file = dir.resolve(RECORDING_FILE_PREFIX + id.value());
		ObjectNode doc = read(file);
		if (doc == null) {
			doc = parse(storedRecordingJson);
		}
		if (doc == null) {
			doc = json.createObjectNode();
			doc.put("id", id.value());
			doc.put("object", "recording");
			doc.put("name", fileName.substring(0, fileName.length() - 4));
			doc.put("outputMode", "COMPOSED");
			doc.put("sessionId", id.value().replaceAll("~.*", ""));
			doc.put("createdAt", 0L);
		}
		doc.put("size", facts.sizeBytes());
		doc.put("duration", facts.durationSeconds());
		String url = url(id, fileName);
		if (url != null) {
			doc.put("url", url);
		}
		else if (!doc.has("url")) {
			doc.putNull("url");
		}
		doc.put("hasAudio", facts.hasAudio());
		doc.put("hasVideo", facts.hasVideo());
		if (facts.hasVideo()) {
			doc.put("resolution", facts.resolution());
			doc.put("frameRate", facts.frameRate());
		}
		doc.put("status", "ready");
		Path tmp = dir.resolve(".ov2ha-recording-" + id.value() + ".tmp");
		Files.writeString(tmp, json.writeValueAsString(doc), StandardCharsets.UTF_8);
		publish(tmp, file);
		JsonNode written = doc.get("url");
		return written == null || written.isNull() ? null : written.asString();
	}

	private ObjectNode read(Path file) throws IOException {
		try {
			return parse(Files.readString(file, StandardCharsets.UTF_8));
		}
		catch (NoSuchFileException ex) {
			return null;
		}
	}

	private ObjectNode parse(String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		try {
			JsonNode node = json.readTree(value);
			return node instanceof ObjectNode object && object.has("id") ? object : null;
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	/** Makes a finished temporary file readable by everyone and renames it into place. */
	static void publish(Path tmp, Path target) throws IOException {
		readable(tmp);
		Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	static void readable(Path file) {
		try {
			Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
		}
		catch (IOException | UnsupportedOperationException ex) {
			// not a POSIX file system, or not ours to change: the default mode stays
		}
	}

}
