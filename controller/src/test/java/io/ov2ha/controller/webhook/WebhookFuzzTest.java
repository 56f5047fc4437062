package io.ov2ha.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestSecrets;

/**
 * Random and mutated payloads with a valid token: the answer is always 200 or 4xx, never 5xx, and
 * the controller keeps working afterwards.
 */
@ControllerTest
class WebhookFuzzTest {

	/** At least 1,000; -Dfuzz.cases=N for a longer soak, -Dfuzz.seed=S to replay a failure. */
	private static final int CASES = Integer.getInteger("fuzz.cases", 1_200);

	private static final String[] CONTENT_TYPES = { "application/json", "application/json; charset=UTF-8", "text/plain",
			"application/octet-stream", "garbage", "application/", "*/*", "application/json; charset=latin1" };

	private static final String[] FIELDS = { "event", "status", "id", "name", "sessionId", "uniqueSessionId",
			"startTime", "timestamp", "duration", "reason", "size", "outputMode", "hasVideo", "hasAudio", "frameRate",
			"resolution", "recordingLayout", "connectionId", "participantId" };

	private static final String[] EVENTS = { "recordingStatusChanged", "sessionCreated", "sessionDestroyed",
			"participantJoined", "participantLeft", "webrtcConnectionCreated", "webrtcConnectionDestroyed", "signalSent",
			"", "RECORDINGSTATUSCHANGED", "unknown\u0000event" };

	private static final String[] STATUSES = { "started", "stopped", "ready", "failed", "STARTED", "", "starting" };

	@LocalServerPort
	int port;

	@Test
	void noPayloadEverGetsA5xx() {
		long seed = Long.getLong("fuzz.seed", System.nanoTime());
		Random random = new Random(seed);
		Map<Integer, Integer> statuses = new LinkedHashMap<>();
		List<String> failures = new ArrayList<>();
		for (int i = 0; i < CASES; i++) {
			int kind = random.nextInt(9);
			byte[] body = payload(kind, random);
			String contentType = random.nextInt(4) == 0 ? CONTENT_TYPES[random.nextInt(CONTENT_TYPES.length)]
					: "application/json";
			Webhooks.Response response = Webhooks.post(port, body,
					Map.of("Content-Type", contentType, "Authorization", "Bearer " + TestSecrets.WEBHOOK_TOKEN));
			statuses.merge(response.status(), 1, Integer::sum);
			if (response.status() >= 500 || (response.status() != 200 && response.status() < 400)) {
				failures.add("case " + i + " kind " + kind + " -> " + response.status() + ": "
						+ new String(body, 0, Math.min(body.length, 200), StandardCharsets.ISO_8859_1));
			}
		}
		assertThat(failures).as("seed " + seed + ", statuses " + statuses).isEmpty();
		assertThat(statuses.get(200)).as("some payloads were accepted").isPositive();
		assertThat(statuses.get(400)).as("some payloads were refused").isPositive();

		// and it still works
		String id = Recordings.newId("afterfuzz");
		assertThat(Webhooks.post(port, Webhooks.started(id, 1700000005000L)).status()).isEqualTo(200);
		assertThat(Api.at(port).asAdmin().get("/api/recordings/" + id).json().path("status").asString())
			.isEqualTo("RECORDING");
		assertThat(Api.at(port).asAdmin().get("/api/webhooks/status").status()).isEqualTo(200);
		assertThat(Api.at(port).anonymous().get("/actuator/health").status()).isEqualTo(200);
	}

	private static byte[] payload(int kind, Random random) {
		return switch (kind) {
			case 0 -> randomBytes(random, random.nextInt(600));
			case 1 -> truncate(valid(random), random);
			case 2 -> mutate(valid(random), random);
			case 3 -> utf8(randomObject(random));
			case 4 -> utf8(hugeNumbers(random));
			case 5 -> utf8(deep(random));
			case 6 -> utf8(unicode(random));
			case 7 -> utf8(nulls(random));
			default -> utf8(valid(random));
		};
	}

	private static byte[] utf8(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] randomBytes(Random random, int n) {
		byte[] b = new byte[n];
		random.nextBytes(b);
		if (n > 0 && random.nextBoolean()) {
			b[0] = '{';
		}
		return b;
	}

	private static String id(Random random) {
		return RecordingId.of("ses_fz" + Integer.toString(random.nextInt(1_000_000), 36)).value()
				+ (random.nextInt(4) == 0 ? "~" + random.nextInt(3) : "");
	}

	private static String valid(Random random) {
		String id = id(random);
		long createdAt = 1_700_000_000_000L + random.nextInt(1_000_000);
		return switch (random.nextInt(4)) {
			case 0 -> Webhooks.recording(id, createdAt, STATUSES[random.nextInt(4)],
					random.nextBoolean() ? null : "lastParticipantLeft", createdAt + random.nextInt(100_000));
			case 1 -> Webhooks.sessionDestroyed(id.replaceAll("~.*", ""), "sessionClosedByServer", createdAt);
			case 2 -> Webhooks.participantJoined(id.replaceAll("~.*", ""), random.nextInt(1000));
			default -> Webhooks.started(id, createdAt);
		};
	}

	private static byte[] truncate(String json, Random random) {
		byte[] b = utf8(json);
		int n = random.nextInt(b.length);
		byte[] out = new byte[n];
		System.arraycopy(b, 0, out, 0, n);
		return out;
	}

	private static byte[] mutate(String json, Random random) {
		byte[] b = utf8(json);
		int changes = 1 + random.nextInt(5);
		for (int i = 0; i < changes; i++) {
			b[random.nextInt(b.length)] = (byte) random.nextInt(256);
		}
		return b;
	}

	private static String randomValue(Random random, int depth) {
		return switch (random.nextInt(depth > 2 ? 6 : 8)) {
			case 0 -> "null";
			case 1 -> Boolean.toString(random.nextBoolean());
			case 2 -> Long.toString(random.nextLong());
			case 3 -> Double.toString(random.nextDouble() * Math.pow(10, random.nextInt(300)));
			case 4 -> "\"" + STATUSES[random.nextInt(STATUSES.length)] + "\"";
			case 5 -> "\"" + id(random) + "\"";
			case 6 -> "[" + randomValue(random, depth + 1) + "," + randomValue(random, depth + 1) + "]";
			default -> "{\"k\":" + randomValue(random, depth + 1) + "}";
		};
	}

	/** Known field names with values of random types. */
	private static String randomObject(Random random) {
		StringBuilder s = new StringBuilder("{\"event\":\"" + EVENTS[random.nextInt(EVENTS.length)].replace("\u0000", "\\u0000") + "\"");
		int n = random.nextInt(FIELDS.length);
		for (int i = 0; i < n; i++) {
			s.append(",\"").append(FIELDS[random.nextInt(FIELDS.length)]).append("\":").append(randomValue(random, 0));
		}
		return s.append('}').toString();
	}

	private static String hugeNumbers(Random random) {
		String[] numbers = { "1e400", "-1e400", "123456789012345678901234567890", "9223372036854775808", "-1", "0",
				"1.5", "1" + "0".repeat(2000), "0.0000000000000000000000000001", "-9223372036854775809", "4.9e-324" };
		return "{\"event\":\"recordingStatusChanged\",\"id\":\"" + id(random) + "\",\"status\":\""
				+ STATUSES[random.nextInt(4)] + "\",\"startTime\":" + numbers[random.nextInt(numbers.length)]
				+ ",\"timestamp\":" + numbers[random.nextInt(numbers.length)] + ",\"size\":"
				+ numbers[random.nextInt(numbers.length)] + ",\"duration\":" + numbers[random.nextInt(numbers.length)]
				+ ",\"frameRate\":" + numbers[random.nextInt(numbers.length)] + ",\"outputMode\":\"COMPOSED\"}";
	}

	private static String deep(Random random) {
		int depth = 1 + random.nextInt(3000);
		boolean arrays = random.nextBoolean();
		StringBuilder s = new StringBuilder("{\"event\":\"signalSent\",\"x\":");
		for (int i = 0; i < depth; i++) {
			s.append(arrays ? "[" : "{\"a\":");
		}
		s.append("1");
		for (int i = 0; i < depth; i++) {
			s.append(arrays ? "]" : "}");
		}
		return s.append('}').toString();
	}

	private static String unicode(Random random) {
		StringBuilder text = new StringBuilder();
		int n = 1 + random.nextInt(40);
		for (int i = 0; i < n; i++) {
			switch (random.nextInt(5)) {
				case 0 -> text.append("\\ud800");
				case 1 -> text.append("\\u0000");
				case 2 -> text.appendCodePoint(0x1F600 + random.nextInt(80));
				case 3 -> text.appendCodePoint(0x4E00 + random.nextInt(2000));
				default -> text.append("\\\"\\n\\\\");
			}
		}
		String t = text.toString();
		return "{\"event\":\"" + (random.nextBoolean() ? "recordingStatusChanged" : t) + "\",\"id\":\""
				+ (random.nextBoolean() ? id(random) : t) + "\",\"sessionId\":\"" + t + "\",\"status\":\""
				+ (random.nextBoolean() ? "stopped" : t) + "\",\"startTime\":1700000005000,\"reason\":\"" + t + "\"}";
	}

	private static String nulls(Random random) {
		StringBuilder s = new StringBuilder("{");
		for (int i = 0; i < FIELDS.length; i++) {
			s.append(i == 0 ? "" : ",").append('"').append(FIELDS[i]).append("\":null");
		}
		if (random.nextBoolean()) {
			s.append(",\"event\":\"recordingStatusChanged\",\"event\":null");
		}
		return s.append('}').toString();
	}

}
