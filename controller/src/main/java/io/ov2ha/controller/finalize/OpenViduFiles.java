package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The files OpenVidu reads in a recording folder, written the way OpenVidu's own recorder
 * writes them (see openvidu2-recording-facts §3, §6, §7): here {@code .recording.<id>} (Gson
 * JSON, sealed {@code ready} or {@code failed}) and how every file gets into the folder;
 * {@code <id>.info} (ffprobe JSON) and {@code <id>.jpg} (thumbnail) come from {@link MediaInfo}.
 * Each is written under a temporary name (never starting with {@code .recording.}, which
 * OpenVidu parses) and renamed into place, readable by everyone (0644) and owned like the
 * recordings folder ({@link RecordingsOwner}). Recorders write into the
 * same folder as root, so no name there is trusted: temporary files get random names and are
 * created exclusively, and links are never followed (read, chmod).
 */
@Component
class OpenViduFiles {

	static final String RECORDING_FILE_PREFIX = ".recording.";

	/** More than any {@code .recording.<id>} OpenVidu writes; the rest of a bigger file is not read. */
	static final int MAX_RECORDING_FILE = 1024 * 1024;

	private final JsonMapper json;

	private final String openviduUrl;

	private final RecordingsOwner owner;

	OpenViduFiles(JsonMapper json, HaProperties properties, RecordingsOwner owner) {
		this.json = json;
		this.owner = owner;
		String url = properties.storage().finalizer().openviduUrl();
		this.openviduUrl = StringUtils.hasText(url) ? url.trim().replaceAll("/+$", "") : null;
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
	String sealReady(Path dir, RecordingId id, String storedRecordingJson, String fileName, MediaInfo.Facts facts)
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
		writeRecordingFile(dir, file, doc);
		JsonNode written = doc.get("url");
		return written == null || written.isNull() ? null : written.asString();
	}

	/**
	 * Seals {@code .recording.<id>} {@code failed}, as OpenVidu's {@code failRecordingCompletion}
	 * does: only the status changes, every other field stays. A file already final (ready or
	 * failed: OpenVidu's own stop, or an earlier finalization), or of another incarnation of the
	 * id (another createdAt), is left alone; a missing or unreadable one is created from the
	 * RECORDING_JSON the controller stored, if any.
	 *
	 * @return whether the file was written
	 */
	boolean sealFailed(Path dir, RecordingId id, long createdAt, String storedRecordingJson) throws IOException {
		Path file = dir.resolve(RECORDING_FILE_PREFIX + id.value());
		ObjectNode doc = read(file);
		if (doc == null) {
			doc = parse(storedRecordingJson);
		}
		if (doc == null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
			return false;
		}
		String status = doc.path("status").asString("");
		if (status.equals("ready") || status.equals("failed")) {
			return false;
		}
		if (doc.path("createdAt").isIntegralNumber() && doc.path("createdAt").asLong() != createdAt) {
			return false; // another incarnation of the id (OpenVidu reuses ids): not this one's to seal
		}
		doc.put("status", "failed");
		writeRecordingFile(dir, file, doc);
		return true;
	}

	/** Replaces {@code .recording.<id>} with {@code doc}: written to a temporary file, then renamed into place. */
	private void writeRecordingFile(Path dir, Path file, ObjectNode doc) throws IOException {
		Path tmp = createTemp(dir, ".ov2ha-recording-", ".tmp");
		try {
			Files.writeString(tmp, json.writeValueAsString(doc), StandardCharsets.UTF_8, StandardOpenOption.WRITE,
					LinkOption.NOFOLLOW_LINKS);
			publish(tmp, file);
		}
		finally {
			Files.deleteIfExists(tmp);
		}
	}

	/** The file's JSON object; null if it is missing, not a regular file (a link, a FIFO) or not an object. */
	private ObjectNode read(Path file) throws IOException {
		if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
			return null;
		}
		try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
			return parse(new String(in.readNBytes(MAX_RECORDING_FILE), StandardCharsets.UTF_8));
		}
		catch (FileSystemException ex) {
			return null; // gone, replaced by a link meanwhile, or not readable: written anew
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

	/**
	 * A new, empty file with a random name in {@code dir}, created exclusively (it fails rather
	 * than open anything already there, a planted link included), readable by the controller only
	 * until {@link #publish} renames it into place.
	 */
	static Path createTemp(Path dir, String prefix, String suffix) throws IOException {
		return Files.createTempFile(dir, prefix, suffix);
	}

	/**
	 * Makes a finished temporary file readable by everyone, gives it the recordings' owner and
	 * renames it into place (replacing a link, never following one).
	 */
	void publish(Path tmp, Path target) throws IOException {
		own(tmp);
		Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	/** Mode 0644 and the recordings' owner ({@link RecordingsOwner}) on a file about to be published. */
	void own(Path file) {
		readable(file);
		owner.apply(file);
	}

	/** Mode 0644 on the file itself; a symbolic link is left alone (never the file it points to). */
	static void readable(Path file) {
		try {
			PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class,
					LinkOption.NOFOLLOW_LINKS);
			if (view != null && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
				view.setPermissions(PosixFilePermissions.fromString("rw-r--r--"));
			}
		}
		catch (IOException | UnsupportedOperationException ex) {
			// not a POSIX file system, or not ours to change: the default mode stays
		}
	}

}
