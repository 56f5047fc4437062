package io.ov2ha.controller.support;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Test data: registrations shaped as OpenVidu and the recorder send them. */
public final class Recordings {

	private static final AtomicLong SEQ = new AtomicLong(System.currentTimeMillis() % 1_000_000);

	private Recordings() {
	}

	/** A fresh recording id unique in this JVM: {@code ses_<prefix><n>}. */
	public static String newId(String prefix) {
		return "ses_" + prefix + SEQ.incrementAndGet();
	}

	public static Map<String, Object> registration(String id, long createdAt, long epoch, String containerId) {
		Map<String, Object> recordingJson = new LinkedHashMap<>();
		recordingJson.put("id", id);
		recordingJson.put("object", "recording");
		recordingJson.put("name", id);
		recordingJson.put("outputMode", "COMPOSED");
		recordingJson.put("resolution", "1280x720");
		recordingJson.put("frameRate", 25);
		recordingJson.put("recordingLayout", "BEST_FIT");
		recordingJson.put("sessionId", id.replaceAll("~.*", ""));
		recordingJson.put("uniqueSessionId", id + "_1700000000000");
		recordingJson.put("createdAt", createdAt);
		recordingJson.put("size", 0);
		recordingJson.put("duration", 0.0);
		recordingJson.put("url", null);
		recordingJson.put("hasAudio", true);
		recordingJson.put("hasVideo", true);
		recordingJson.put("status", "started");
		Map<String, String> env = openViduEnv(id, "1280x720", "25", "{\"id\":\"" + id + "\"}");
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("recordingId", id);
		body.put("epoch", epoch);
		body.put("recordingJson", recordingJson);
		body.put("env", env);
		body.put("containerId", containerId);
		body.put("host", "test-host");
		return body;
	}

	/** Exactly the variables OpenVidu sets on its recorder, in its order (the layout URL holds its secret). */
	public static Map<String, String> openViduEnv(String id, String resolution, String framerate, String recordingJson) {
		Map<String, String> env = new LinkedHashMap<>();
		env.put("DEBUG_MODE", "false");
		env.put("CONTAINER_WORKING_MODE", "COMPOSED");
		env.put("URL", "https://OPENVIDUAPP:" + TestSecrets.OPENVIDU_SECRET + "@ov.example.com/dashboard/#/layout-best-fit/"
				+ id + "/" + TestSecrets.OPENVIDU_SECRET + "/443/false");
		env.put("ONLY_VIDEO", "false");
		env.put("RESOLUTION", resolution);
		env.put("FRAMERATE", framerate);
		env.put("VIDEO_ID", id);
		env.put("VIDEO_NAME", id);
		env.put("VIDEO_FORMAT", "mp4");
		env.put("RECORDING_JSON", recordingJson);
		return env;
	}

	public static Map<String, Object> heartbeat(long epoch, Long lastChunkSeq) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("epoch", epoch);
		body.put("lastChunkSeq", lastChunkSeq);
		body.put("uploadBacklog", 0);
		body.put("freeDiskBytes", 10_000_000_000L);
		return body;
	}

	public static Map<String, Object> chunk(String storageKey, long seq, long epoch, double duration, String checksumHex) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("seq", seq);
		body.put("epoch", epoch);
		body.put("durationSeconds", duration);
		body.put("sizeBytes", 1024);
		body.put("checksum", "sha256:" + checksumHex);
		body.put("storageKey", storageKey);
		return body;
	}

	public static String hex(char c) {
		return String.valueOf(c).repeat(64);
	}

}
