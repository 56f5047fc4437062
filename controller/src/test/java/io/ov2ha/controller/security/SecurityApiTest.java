package io.ov2ha.controller.security;

import static io.ov2ha.controller.support.Recordings.heartbeat;
import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestSecrets;

@ControllerTest
class SecurityApiTest {

	@LocalServerPort
	int port;

	Api api;

	String id;

	@BeforeEach
	void setUp() {
		api = Api.at(port);
		id = Recordings.newId("sec");
		assertThat(api.asRecorder().post("/api/recordings", registration(id, 1700000005000L, 0, "aa")).status())
			.isEqualTo(201);
	}

	List<Api.Response> adminCalls(Api who) {
		return List.of(who.get("/api/recordings"), who.get("/api/recordings/" + id),
				who.get("/api/recordings/" + id + "/chunks"), who.post("/api/recordings/" + id + "/stop", null),
				who.delete("/api/recordings/" + id), who.get("/actuator/prometheus"));
	}

	@Test
	void withoutCredentialsEverythingIs401WithABasicChallenge() {
		Api anonymous = api.anonymous();
		List<Api.Response> calls = new java.util.ArrayList<>(adminCalls(anonymous));
		calls.add(anonymous.post("/api/recordings", registration(id, 1700000005000L, 0, "aa")));
		calls.add(anonymous.put("/api/recordings/" + id + "/heartbeat", heartbeat(0, null)));
		for (Api.Response response : calls) {
			assertThat(response.status()).isEqualTo(401);
			assertThat(response.problem()).isEqualTo("unauthorized");
			assertThat(response.wwwAuthenticate()).isEqualTo("Basic realm=\"ov2-ha-recorder\"");
		}
	}

	@Test
	void wrongPasswordsAre401() {
		for (Api who : List.of(api.as(TestSecrets.ADMIN_USER, "wrong"), api.as(TestSecrets.RECORDER_USER, ""),
				api.as("nobody", TestSecrets.ADMIN_PASSWORD), api.as(TestSecrets.ADMIN_USER, TestSecrets.RECORDER_PASSWORD))) {
			assertThat(who.get("/api/recordings").status()).isEqualTo(401);
		}
	}

	@Test
	void recorderCredentialsOnAdminEndpointsAre403() {
		for (Api.Response response : adminCalls(api.asRecorder())) {
			assertThat(response.status()).isEqualTo(403);
			assertThat(response.problem()).isEqualTo("forbidden");
		}
		assertThat(api.asAdmin().get("/api/recordings/" + id).json().path("status").asString()).isEqualTo("RECORDING");
	}

	@Test
	void recorderAndAdminMayCallRecorderOperations() {
		assertThat(api.asRecorder().put("/api/recordings/" + id + "/heartbeat", heartbeat(0, null)).status())
			.isEqualTo(200);
		assertThat(api.asAdmin().put("/api/recordings/" + id + "/heartbeat", heartbeat(0, null)).status())
			.isEqualTo(200);
	}

	@Test
	void healthAndApiDocsArePublicButHealthDetailsAreNot() {
		Api.Response health = api.anonymous().get("/actuator/health");
		assertThat(health.status()).isEqualTo(200);
		assertThat(health.json().path("status").asString()).isEqualTo("UP");
		assertThat(health.json().path("components").path("redis").has("details")).isFalse();
		assertThat(api.asAdmin().get("/actuator/health").json().path("components").path("redis").path("details")
			.path("version").asString()).isNotEmpty();
		assertThat(api.anonymous().get("/v3/api-docs").status()).isEqualTo(200);
	}

}
