package io.ov2ha.controller.recording;

import static io.ov2ha.controller.support.Recordings.heartbeat;
import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

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
		long keysBefore = redis.execute((org.springframework.data.redis.core.RedisCallback<Long>) c -> c.serverCommands().dbSize());
		Map<String, Object> body = registration("ses_ok", 1700000005000L, 0, "aa");
		body.put("recordingId", id);

		Api.Response response = recorder.post("/api/recordings", body);

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.isProblem()).isTrue();
		assertThat(response.body()).doesNotContain("Exception").doesNotContain("at io.");
		assertThat(redis.execute((org.springframework.data.redis.core.RedisCallback<Long>) c -> c.serverCommands().dbSize()))
			.isEqualTo(keysBefore);
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
				"{\"epoch\":1e400}", "<xml/>" }) {
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

}
