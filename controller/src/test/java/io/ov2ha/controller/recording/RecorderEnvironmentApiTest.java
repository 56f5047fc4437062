package io.ov2ha.controller.recording;

import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestSecrets;
import tools.jackson.databind.JsonNode;

/**
 * The environment a recorder registers starts backups (a browser on the host network): every
 * variable is checked before anything is stored (issue 15, item 5). The test controllers allow
 * the layout host ov.example.com (HA_RECORDER_URL_HOSTS, TestRedisSessionListener).
 */
@ControllerTest
class RecorderEnvironmentApiTest {

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	Api recorder;

	String id;

	@BeforeEach
	void setUp() {
		recorder = Api.at(port).asRecorder();
		id = Recordings.newId("env");
	}

	@SuppressWarnings("unchecked")
	private Api.Response register(String variable, String value) {
		Map<String, Object> body = registration(id, 1700000005000L, 0, "aa11");
		((Map<String, String>) body.get("env")).put(variable, value);
		return recorder.post("/api/recordings", body);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "URL|http://169.254.169.254/latest/meta-data/",
			"URL|http://127.0.0.1:6379/", "URL|file:///etc/passwd", "URL|https://ov.example.com.evil.test/dashboard/",
			"RESOLUTION|1x1", "RESOLUTION|7681x4320", "RESOLUTION|7680x4321", "RESOLUTION|1920x1080x",
			"RESOLUTION|0x0", "RESOLUTION|-1x720", "FRAMERATE|0", "FRAMERATE|61", "FRAMERATE|25.5",
			"FRAMERATE|1e1", "VIDEO_FORMAT|webm", "VIDEO_FORMAT|MP4", "ONLY_VIDEO|yes", "DEBUG_MODE|1",
			"CONTAINER_WORKING_MODE|INDIVIDUAL", "VIDEO_NAME|a/b", "VIDEO_NAME|..", "VIDEO_NAME|a\\b",
			"RECORDING_JSON|{}", "RECORDING_JSON|not json" })
	void aBadValueIs400AndStoresNothing(String variable, String value) {
		Api.Response response = register(variable, value);

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.problem()).isEqualTo("invalid-recorder-environment");
		assertThat(response.json().path("variable").asString()).isEqualTo(variable);
		assertThat(response.body()).doesNotContain(TestSecrets.OPENVIDU_SECRET);
		assertThat(redis.hasKey(RedisKeys.recording(RecordingId.of(id)))).isFalse();
	}

	@Test
	void controlCharactersAndOverlongNamesAreRefused() {
		assertThat(register("VIDEO_NAME", "a\u0001b").problem()).isEqualTo("invalid-recorder-environment");
		assertThat(register("VIDEO_NAME", "a\nb").problem()).isEqualTo("invalid-recorder-environment");
		assertThat(register("VIDEO_NAME", "é".repeat(128)).problem()).as("256 bytes")
			.isEqualTo("invalid-recorder-environment");
		assertThat(register("URL", "https://ov.example.com/\tx").problem()).isEqualTo("invalid-recorder-environment");
	}

	@Test
	void theLimitsThemselvesAreAccepted() {
		assertThat(register("RESOLUTION", "7680x4320").status()).isEqualTo(201);
		id = Recordings.newId("env");
		assertThat(register("RESOLUTION", "2x2").status()).isEqualTo(201);
		id = Recordings.newId("env");
		assertThat(register("FRAMERATE", "60").status()).isEqualTo(201);
		id = Recordings.newId("env");
		assertThat(register("VIDEO_NAME", "é".repeat(127) + "a").status()).as("255 bytes").isEqualTo(201);
	}

	@Test
	void unknownVariablesAreDroppedNotStored() {
		Api.Response response = register("LD_PRELOAD", "/tmp/x.so");

		assertThat(response.status()).isEqualTo(201);
		JsonNode stored = Api.JSON
			.readTree(redis.opsForHash().get(RedisKeys.recording(RecordingId.of(id)), "env").toString());
		assertThat(stored.has("LD_PRELOAD")).isFalse();
		assertThat(stored.path("RESOLUTION").asString()).isEqualTo("1280x720");
	}

}
