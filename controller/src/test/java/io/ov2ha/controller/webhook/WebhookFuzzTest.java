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

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.storage.ChunkKeys;
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

	/**
	 * Hostile API requests: with the webhooks at least 2,000 in all (issue 15, "Done when");
	 * -Dfuzz.api.cases=N for more.
	 */
	private static final int API_CASES = Integer.getInteger("fuzz.api.cases", 800);

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
			Api.Response response = Webhooks.post(port, body,
					Map.of("Content-Type", contentType, "Authorization", "Bearer " + TestSecrets.WEBHOOK_TOKEN));
			statuses.merge(response.status(), 1, Integer::sum);
			if (response.status() >= 500 || (response.status() != 200 && response.status() < 400)) {
				failures.add("case " + i + " kind " + kind + " -> " + response.status() + ": "
						+ new String(body, 0, Math.min(body.length, 200), StandardCharsets.ISO_8859_1));
			}
		}
		System.out.println("event=fuzz.webhook cases=" + CASES + " seed=" + seed + " statuses=" + statuses);
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

	/**
	 * Hostile API requests of the kinds issue 15 found (items 7 to 11): numbers beyond a long in
	 * a registration, reserved or unsafe VIDEO_NAMEs, state-changing admin calls without
	 * X-Requested-By, relay loops without the token, unknown methods, /error asked for directly;
	 * and of item 4 and the read-only metrics user: chunk and heartbeat numbers beyond their
	 * bounds, the metrics user on admin and recorder operations. Each gets the documented 4xx
	 * problem, never a 5xx; nothing is registered, stored or stopped.
	 */
	@Test
	void hostileApiRequestsGetTheirDocumented4xx() throws java.io.IOException {
		long seed = Long.getLong("fuzz.seed", System.nanoTime());
		Random random = new Random(seed);
		Api recorder = Api.at(port).asRecorder();
		Api admin = Api.at(port).asAdmin();
		String victim = Recordings.newId("fuzzv");
		assertThat(recorder.post("/api/recordings", Recordings.registration(victim, 1700000005000L, 0, "aa")).status())
			.isEqualTo(201);
		String[] numbers = { "1180000000000000000000", "9223372036854775808", "-9223372036854775809", "1.18e21", "1e400",
				"-1", "0", "1" + "0".repeat(400), "17000000050.5" };
		String[] names = { ".ov2ha-final-1.mp4", ".ov2ha-final-", ".ov2ha-x", ".recording.x", "a/b", "..", ".",
				"a\\b", "x".repeat(201), "\u0000", "a\nb" };
		String[] methods = { "CONNECT", "PROPFIND", "MKCOL", "FOO", "LOCK" };
		List<String> failures = new ArrayList<>();
		Map<Integer, Integer> statuses = new LinkedHashMap<>();
		Api metrics = Api.at(port).asMetrics();
		String[] chunkFields = { "\"seq\":10000001", "\"seq\":9223372036854775807", "\"seq\":-1",
				"\"durationSeconds\":3600.5", "\"durationSeconds\":1e400", "\"durationSeconds\":-0.5",
				"\"sizeBytes\":68719476737", "\"sizeBytes\":9223372036854775808", "\"epoch\":1000001" };
		String[] heartbeatFields = { "\"uploadBacklog\":100001", "\"freeDiskBytes\":1125899906842625",
				"\"freeDiskBytes\":1e30", "\"lastChunkSeq\":10000001", "\"uploadBacklog\":-1" };
		String[][] metricsCalls = { { "GET", "/api/recordings" }, { "GET", "/api/recordings/" + victim },
				{ "GET", "/api/recordings/" + victim + "/chunks" }, { "GET", "/api/failover/status" },
				{ "GET", "/api/webhooks/status" }, { "POST", "/api/recordings/" + victim + "/stop" },
				{ "DELETE", "/api/recordings/" + victim + "?force=true" },
				{ "PUT", "/api/recordings/" + victim + "/heartbeat" }, { "POST", "/actuator/prometheus" } };
		for (int i = 0; i < API_CASES; i++) {
			int kind = random.nextInt(8);
			String id = Recordings.newId("fuzzh");
			String what;
			int status;
			String problem = "";
			switch (kind) {
				case 0 -> {
					String number = numbers[random.nextInt(numbers.length)];
					String body = Api.JSON.writeValueAsString(Recordings.registration(id, 1700000005000L, 0, "aa"))
						.replace("\"createdAt\":1700000005000", "\"createdAt\":" + number);
					what = "createdAt " + number;
					Api.Response r = recorder.post("/api/recordings", body);
					status = r.status();
					problem = r.isProblem() ? r.problem() : "";
					expect(failures, what, status, 400, problem, "invalid-request");
				}
				case 1 -> {
					String name = names[random.nextInt(names.length)];
					Map<String, Object> body = Recordings.registration(id, 1700000005000L, 0, "aa");
					@SuppressWarnings("unchecked")
					Map<String, Object> env = (Map<String, Object>) body.get("env");
					env.put("VIDEO_NAME", name);
					what = "VIDEO_NAME " + name;
					Api.Response r = recorder.post("/api/recordings", body);
					status = r.status();
					problem = r.isProblem() ? r.problem() : "";
					// the environment check (unsafe characters) or the final-name rule (reserved
					// prefixes, the name from recordingJson) refuses it, whichever comes first
					expect(failures, what, status, 400, problem,
							problem.equals("invalid-recorder-environment") ? problem : "invalid-request");
				}
				case 2 -> {
					String[][] calls = { { "POST", "/api/recordings/" + victim + "/stop" },
							{ "POST", "/api/recordings/" + victim + "/failover" },
							{ "DELETE", "/api/recordings/" + victim + "?force=true" },
							{ "POST", "/api/recordings/" + victim + "/finalize?force=true" },
							{ "POST", "/api/webhooks/dead-letters/1-0/retry" } };
					String[] call = calls[random.nextInt(calls.length)];
					String type = random.nextBoolean() ? "application/x-www-form-urlencoded" : "text/plain";
					what = call[0] + " " + call[1] + " without X-Requested-By";
					Api.Response r = admin.withoutRequestedBy().sendWithContentType(call[0], call[1], type, "a=1");
					status = r.status();
					problem = r.isProblem() ? r.problem() : "";
					expect(failures, what, status, 403, problem, "requested-by-required");
				}
				case 3 -> {
					what = "relay loop without the token";
					Api.Response r = Webhooks.post(port, Webhooks.started(id, 1700000005000L).getBytes(StandardCharsets.UTF_8),
							random.nextBoolean()
									? Map.of("Content-Type", "application/json", RelayClient.ORIGIN,
											TestSecrets.UNAUTHENTICATED_ORIGIN + i)
									: Map.of("Content-Type", "application/json", RelayClient.ORIGIN,
											TestSecrets.UNAUTHENTICATED_ORIGIN + i, "Authorization",
											"Bearer " + TestSecrets.FORGED_WEBHOOK_TOKEN));
					status = r.status();
					expect(failures, what, status, 401, "", "");
				}
				case 4 -> {
					String method = methods[random.nextInt(methods.length)];
					String target = method.equals("CONNECT") ? "127.0.0.1:" + port : "/api/recordings/" + victim;
					what = method + " " + target;
					status = rawStatus(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
					if (status < 400 || status > 499) {
						failures.add(what + " -> " + status);
					}
				}
				case 6 -> {
					if (random.nextBoolean()) {
						String field = chunkFields[random.nextInt(chunkFields.length)];
						Map<String, Object> chunk = Recordings.chunk(ChunkKeys.localPath(RecordingId.of(victim), 1, 0), 1, 0,
								10.0, Recordings.hex('a'));
						String key = field.substring(1, field.indexOf('"', 1));
						chunk.remove(key);
						String body = Api.JSON.writeValueAsString(chunk).replaceFirst("\\{", "{" + field + ",");
						what = "chunk " + field;
						Api.Response r = recorder.post("/api/recordings/" + victim + "/chunks", body);
						status = r.status();
						problem = r.isProblem() ? r.problem() : "";
					}
					else {
						String field = heartbeatFields[random.nextInt(heartbeatFields.length)];
						what = "heartbeat " + field;
						Api.Response r = recorder.put("/api/recordings/" + victim + "/heartbeat", "{\"epoch\":0," + field + "}");
						status = r.status();
						problem = r.isProblem() ? r.problem() : "";
					}
					expect(failures, what, status, 400, problem, "invalid-request");
				}
				case 7 -> {
					String[] call = metricsCalls[random.nextInt(metricsCalls.length)];
					what = "metrics user " + call[0] + " " + call[1];
					Api.Response r = metrics.send(call[0], call[1], call[0].equals("GET") ? null : "{}");
					status = r.status();
					problem = r.isProblem() ? r.problem() : "";
					expect(failures, what, status, 403, problem, "forbidden");
				}
				default -> {
					Api who = random.nextBoolean() ? Api.at(port).anonymous() : admin;
					String method = random.nextBoolean() ? "GET" : "POST";
					what = method + " /error";
					Api.Response r = who.send(method, "/error", null);
					status = r.status();
					problem = r.isProblem() ? r.problem() : "";
					expect(failures, what, status, 404, problem, "not-found");
				}
			}
			statuses.merge(status, 1, Integer::sum);
		}
		System.out.println("event=fuzz.api cases=" + API_CASES + " seed=" + seed + " statuses=" + statuses);
		assertThat(failures).as("seed " + seed + ", statuses " + statuses).isEmpty();
		assertThat(admin.get("/api/recordings/" + victim).json().path("status").asString()).isEqualTo("RECORDING");
		assertThat(admin.get("/api/recordings/" + victim + "/chunks").json().path("count").asLong()).as("no chunk stored").isZero();
	}

	private static void expect(List<String> failures, String what, int status, int expected, String problem,
			String expectedProblem) {
		if (status != expected || !problem.equals(expectedProblem)) {
			failures.add(what + " -> " + status + " " + problem);
		}
	}

	private int rawStatus(String request) throws java.io.IOException {
		try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
			String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
			return Integer.parseInt(answer.split(" ", 3)[1]);
		}
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
