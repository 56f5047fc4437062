package io.ov2ha.controller.recording;

import static io.ov2ha.controller.support.Recordings.heartbeat;
import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;

/** Bad ids and bodies are refused with 400/413 problem+json before they touch Redis. */
@ControllerTest
class RecordingValidationApiTest {

	static final String LONG_ID = "a".repeat(129);

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	Api recorder;

	Api admin;

	@BeforeEach
	void setUp() {
		recorder = Api.at(port).asRecorder();
		admin = Api.at(port).asAdmin();
	}

	@ParameterizedTest
	@ValueSource(strings = { "../etc", "a/b", "ses x", "sés", "日本", "a;b", "a%b", "a\nb", "", "\u0000" })
	void badIdsInTheBodyAre400AndStoreNothing(String id) {
		// what a registration would write (other keys, e.g. the leases of background jobs, come and go)
		Set<String> keysBefore = recordingState();
		Map<String, Object> body = registration("ses_ok", 1700000005000L, 0, "aa");
		body.put("recordingId", id);

		Api.Response response = recorder.post("/api/recordings", body);

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.isProblem()).isTrue();
		assertThat(response.body()).doesNotContain("Exception").doesNotContain("at io.");
		assertThat(recordingState()).isSubsetOf(keysBefore);
	}

	/** The recordings' keys and the ids in the registry. */
	private Set<String> recordingState() {
		Set<String> state = new HashSet<>(redis.keys(RedisKeys.RECORDING_KEY_PREFIX + "*"));
		redis.opsForZSet().range(RedisKeys.allIndex(), 0, -1).forEach(id -> state.add("registered " + id));
		return state;
	}

	@Test
	void anIdOf129CharactersIsRefusedAnd128Accepted() {
		Map<String, Object> body = registration(LONG_ID, 1700000005000L, 0, "aa");
		assertThat(recorder.post("/api/recordings", body).problem()).isEqualTo("invalid-recording-id");
		String ok = LONG_ID.substring(1);
		assertThat(recorder.post("/api/recordings", registration(ok, 1700000005000L, 0, "aa")).status()).isIn(200,
				201);
	}

	@Test
	void badIdsInThePathAre400() {
		List<String> rawSegments = List.of("..%2Fetc", "%2E%2E", "..", "a%2Fb", "ses%20x", "s%C3%A9s", LONG_ID,
				"a%5Cb", "a%00b", "a%3Bb", "a%25b");
		for (String segment : rawSegments) {
			for (Api.Response response : List.of(admin.get("/api/recordings/" + segment),
					recorder.put("/api/recordings/" + segment + "/heartbeat", heartbeat(0, null)))) {
				assertThat(response.status()).as(segment).isEqualTo(400);
				assertThat(response.isProblem()).as(segment).isTrue();
			}
		}
		// an empty id segment
		assertThat(recorder.put("/api/recordings//heartbeat", heartbeat(0, null)).status()).isEqualTo(400);
	}

	@Test
	void aPlainIdReachesTheRegistry() {
		assertThat(admin.get("/api/recordings/" + URLEncoder.encode("ses_unknown~1", StandardCharsets.UTF_8)).problem())
			.isEqualTo("recording-not-found");
	}

	@Test
	void bodiesOverTheLimitAre413() {
		Map<String, Object> body = registration("ses_big", 1700000005000L, 0, "aa");
		body.put("padding", "x".repeat(300 * 1024));

		Api.Response response = recorder.post("/api/recordings", body);

		assertThat(response.status()).isEqualTo(413);
		assertThat(response.problem()).isEqualTo("payload-too-large");
		assertThat(admin.get("/api/recordings/ses_big").status()).isEqualTo(404);
	}

	@Test
	void malformedOrMistypedBodiesAre400WithoutEchoingTheInput() {
		for (String body : new String[] { "{", "[]", "null", "{\"epoch\":\"many\"}", "{\"epoch\":-1}",
				"{\"epoch\":1e400}", "<xml/>", "{\"epoch\":0,\"phase\":\"recording\"}",
				"{\"epoch\":0,\"phase\":\"CAPTURING\"}", "{\"epoch\":0,\"mediaTimeMs\":-5}",
				"{\"epoch\":0,\"frames\":99999999999999999}", "{\"epoch\":0,\"speed\":-1}",
				"{\"epoch\":0,\"speed\":1e9}", "{\"epoch\":0,\"speed\":\"fast\"}",
				"{\"epoch\":0,\"progressAgeMs\":-1}", "{\"epoch\":0,\"progressAgeMs\":1e20}",
				"{\"epoch\":0,\"content\":\"black\"}", "{\"epoch\":0,\"content\":\"BLANK\"}",
				"{\"epoch\":0,\"blankMs\":-1}", "{\"epoch\":0,\"shownMediaMs\":1e20}" }) {
			Api.Response response = recorder.put("/api/recordings/ses_x/heartbeat", body);
			assertThat(response.status()).as(body).isEqualTo(400);
			assertThat(response.isProblem()).as(body).isTrue();
			assertThat(response.body()).as(body).doesNotContain("many").doesNotContain("tools.jackson");
		}
	}

	@Test
	void fieldErrorsNameTheField() {
		Map<String, Object> body = registration("ses_fields", 1700000005000L, 0, "NOT-HEX");

		Api.Response response = recorder.post("/api/recordings", body);

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.json().path("errors").get(0).path("field").asString()).isEqualTo("containerId");
	}

	@Test
	void aWildcardContentTypeIs415NotA500() {
		for (String type : new String[] { "*/*", "application/*", "*/json" }) {
			Api.Response response = recorder.sendWithContentType("PUT", "/api/recordings/ses_x/heartbeat", type,
					"{\"epoch\":0}");
			assertThat(response.status()).as(type).isEqualTo(415);
			assertThat(response.isProblem()).as(type).isTrue();
		}
	}

	@Test
	void aWrongContentTypeIs415() {
		Api.Response response = recorder.send("POST", "/api/recordings", null);
		assertThat(response.status()).isIn(400, 415);
		assertThat(response.isProblem()).isTrue();
	}


	@ParameterizedTest
	@ValueSource(strings = { "1180000000000000000000", "9223372036854775808", "-9223372036854775809", "1.18e21",
			"1e400", "17000000050.5", "\"1700000005000\"", "0", "-1" })
	void aCreatedAtThatIsNotAPositiveLongIs400(String createdAt) {
		String id = io.ov2ha.controller.support.Recordings.newId("ca");
		Map<String, Object> body = registration(id, 1700000005000L, 0, "aa");
		String raw = Api.JSON.writeValueAsString(body).replace("\"createdAt\":1700000005000", "\"createdAt\":" + createdAt);
		assertThat(raw).contains("\"createdAt\":" + createdAt);

		Api.Response response = recorder.post("/api/recordings", raw);

		assertThat(response.status()).as(createdAt).isEqualTo(400);
		assertThat(response.problem()).as(createdAt).isEqualTo("invalid-request");
		assertThat(response.json().path("detail").asString()).contains("createdAt");
		assertThat(admin.get("/api/recordings/" + id).status()).isEqualTo(404);
	}

	@ParameterizedTest
	@ValueSource(strings = { ".ov2ha-final-1.mp4", ".ov2ha-final-", ".ov2ha-finalize", ".ov2ha-x", ".recording.x",
			"a/b", "..", "a\\b" })
	@SuppressWarnings("unchecked")
	void aReservedOrUnsafeVideoNameIsRefusedAtRegistration(String name) {
		String id = io.ov2ha.controller.support.Recordings.newId("vn");
		Map<String, Object> viaEnv = registration(id, 1700000005000L, 0, "aa");
		Map<String, String> env = (Map<String, String>) viaEnv.get("env");
		env.put("VIDEO_NAME", name);
		// without VIDEO_NAME the final is named after recordingJson.name
		Map<String, Object> viaName = registration(id, 1700000005000L, 0, "aa");
		((Map<String, String>) viaName.get("env")).remove("VIDEO_NAME");
		Map<String, Object> recordingJson = (Map<String, Object>) viaName.get("recordingJson");
		recordingJson.put("name", name);

		for (Map<String, Object> body : List.of(viaEnv, viaName)) {
			Api.Response response = recorder.post("/api/recordings", body);
			assertThat(response.status()).as(name).isEqualTo(400);
			// an unsafe VIDEO_NAME is refused by the environment check, a reserved one (or one
			// from recordingJson.name) by the final-name rule
			assertThat(response.problem()).as(name).isIn("invalid-request", "invalid-recorder-environment");
			assertThat(response.json().path("detail").asString()).contains("VIDEO_NAME");
		}
		assertThat(admin.get("/api/recordings/" + id).status()).isEqualTo(404);
		// a name merely containing the prefix is fine
		env.put("VIDEO_NAME", "my.ov2ha-final-talk");
		assertThat(recorder.post("/api/recordings", viaEnv).status()).isIn(200, 201);
	}

}
