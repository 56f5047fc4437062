package io.ov2ha.controller.webhook;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.TestControllers;
import io.ov2ha.controller.support.TestDatabase;
import io.ov2ha.controller.support.TestRedis;
import io.ov2ha.controller.support.TestSecrets;

/** Test helpers: OpenVidu-shaped events, posting them, controllers on their own Redis database. */
public final class Webhooks {

	private Webhooks() {
	}

	/** Posts raw bytes to the intake with exactly these headers (no credentials, as OpenVidu or a stranger). */
	static Api.Response post(int port, byte[] body, Map<String, String> headers) {
		return Api.at(port).anonymous().withoutRequestedBy().sendBytes("POST", "/openvidu/webhook", body, headers);
	}

	/** As OpenVidu sends it: the token as a Bearer header, Content-Type application/json. */
	public static Api.Response post(int port, String body) {
		return post(port, body.getBytes(StandardCharsets.UTF_8), Map.of("Authorization",
				"Bearer " + TestSecrets.WEBHOOK_TOKEN, "Content-Type", "application/json"));
	}

	/** Posts a webhook as OpenVidu does and checks that the controller took it (200). */
	public static void send(int port, String body) {
		Api.Response response = post(port, body);
		if (response.status() != 200) {
			throw new AssertionError("webhook refused: " + response.status() + " " + response.body());
		}
	}

	/** recordingStatusChanged in OpenVidu 2.32's field order. */
	public static String recording(String id, long createdAt, String status, String reason, long timestamp) {
		String sessionId = id.replaceAll("~.*", "");
		boolean end = status.equals("ready") || status.equals("failed");
		return "{\"sessionId\":\"" + sessionId + "\",\"uniqueSessionId\":\"" + sessionId + "_1700000000000\","
				+ "\"timestamp\":" + timestamp + ",\"startTime\":" + createdAt + ",\"duration\":"
				+ (end ? "14.52" : "0.0") + (reason == null ? "" : ",\"reason\":\"" + reason + "\"") + ",\"id\":\"" + id
				+ "\",\"name\":\"" + id + "\",\"outputMode\":\"COMPOSED\",\"resolution\":\"1280x720\",\"frameRate\":25,"
				+ "\"recordingLayout\":\"BEST_FIT\",\"hasAudio\":true,\"hasVideo\":true,\"size\":" + (end ? 1973428 : 0)
				+ ",\"status\":\"" + status + "\",\"event\":\"recordingStatusChanged\"}";
	}

	public static String started(String id, long createdAt) {
		return recording(id, createdAt, "started", null, createdAt);
	}

	static String sessionDestroyed(String sessionId, String reason, long timestamp) {
		return "{\"sessionId\":\"" + sessionId + "\",\"uniqueSessionId\":\"" + sessionId + "_1700000000000\","
				+ "\"timestamp\":" + timestamp + ",\"startTime\":1700000000000,\"duration\":60,\"reason\":\"" + reason
				+ "\",\"event\":\"sessionDestroyed\"}";
	}

	static String participantJoined(String sessionId, int n) {
		return "{\"sessionId\":\"" + sessionId + "\",\"uniqueSessionId\":\"" + sessionId + "_1700000000000\","
				+ "\"timestamp\":" + (1700000000000L + n) + ",\"participantId\":\"con_" + n + "\",\"connectionId\":\"con_"
				+ n + "\",\"location\":\"unknown\",\"ip\":\"10.0.0." + (n % 250) + "\",\"platform\":\"Chrome 120\","
				+ "\"clientData\":\"n=" + n + "\",\"serverData\":\"\",\"event\":\"participantJoined\"}";
	}

	/**
	 * A controller on a Redis database ({@link TestRedis#database()}: isolated from every other
	 * test), closed by the caller.
	 */
	static ConfigurableApplicationContext start(TestDatabase database, String... extra) {
		return TestControllers.run(null,
				Stream.concat(Stream.of("--ha.redis.url=" + database.url()), Stream.of(extra)).toArray(String[]::new));
	}

	static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

}
