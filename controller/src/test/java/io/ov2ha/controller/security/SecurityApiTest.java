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
	void theMetricsUserReadsOnlyThePrometheusScrape() {
		Api metrics = api.asMetrics();
		Api.Response scrape = metrics.get("/actuator/prometheus");
		assertThat(scrape.status()).isEqualTo(200);
		assertThat(scrape.body()).contains("ov2ha_recordings");
		List<Api.Response> forbidden = new java.util.ArrayList<>(adminCalls(metrics).subList(0, 5));
		forbidden.add(metrics.post("/api/recordings/" + id + "/failover", null));
		forbidden.add(metrics.post("/api/recordings/" + id + "/finalize", null));
		forbidden.add(metrics.get("/api/failover/status"));
		forbidden.add(metrics.get("/api/webhooks/status"));
		forbidden.add(metrics.post("/api/recordings", registration(id, 1700000005000L, 0, "aa")));
		forbidden.add(metrics.put("/api/recordings/" + id + "/heartbeat", heartbeat(0, null)));
		forbidden.add(metrics.send("POST", "/actuator/prometheus", "{}"));
		for (Api.Response response : forbidden) {
			assertThat(response.status()).as(response.body()).isEqualTo(403);
			assertThat(response.problem()).isEqualTo("forbidden");
		}
		// health stays as it is: public, details for the admin only
		assertThat(metrics.get("/actuator/health").json().path("components").path("redis").has("details")).isFalse();
		assertThat(api.as(TestSecrets.METRICS_USER, TestSecrets.ADMIN_PASSWORD).get("/actuator/prometheus").status())
			.isEqualTo(401);
		assertThat(api.asAdmin().get("/actuator/prometheus").status()).isEqualTo(200);
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


	@Test
	void stateChangingAdminCallsWithoutXRequestedByAre403AndChangeNothing() {
		Api admin = api.asAdmin().withoutRequestedBy();
		String other = Recordings.newId("secx");
		List<Api.Response> calls = List.of(admin.post("/api/recordings/" + id + "/stop", null),
				admin.post("/api/recordings/" + id + "/failover", null), admin.delete("/api/recordings/" + id + "?force=true"),
				admin.post("/api/recordings/" + id + "/finalize", java.util.Map.of("epoch", 0)),
				admin.post("/api/webhooks/dead-letters/1-0/retry", null),
				admin.put("/api/recordings/" + id + "/heartbeat", heartbeat(0, null)),
				admin.post("/api/recordings", registration(other, 1700000005000L, 0, "aa")),
				// what a cross-site HTML form or a simple fetch can send
				admin.sendWithContentType("POST", "/api/recordings/" + id + "/stop", "application/x-www-form-urlencoded",
						"x=1"),
				admin.sendWithContentType("DELETE", "/api/recordings/" + id + "?force=true", "text/plain", "{}"));
		for (Api.Response response : calls) {
			assertThat(response.status()).isEqualTo(403);
			assertThat(response.isProblem()).isTrue();
			assertThat(response.problem()).isEqualTo("requested-by-required");
			assertThat(response.json().path("detail").asString()).contains("X-Requested-By");
		}
		assertThat(api.asAdmin().get("/api/recordings/" + id).json().path("status").asString()).isEqualTo("RECORDING");
		assertThat(api.asAdmin().get("/api/recordings/" + other).status()).isEqualTo(404);

		// the header with any value lets the same call through
		assertThat(api.asAdmin().post("/api/recordings/" + id + "/stop", null).status()).isEqualTo(202);
		assertThat(api.asAdmin().get("/api/recordings/" + id).json().path("status").asString()).isNotEqualTo("RECORDING");
	}

	@Test
	void recorderCallsReadsAndTheWebhookNeedNoXRequestedBy() {
		Api recorder = api.asRecorder().withoutRequestedBy();
		assertThat(recorder.put("/api/recordings/" + id + "/heartbeat", heartbeat(0, null)).status()).isEqualTo(200);
		String other = Recordings.newId("secr");
		assertThat(recorder.post("/api/recordings", registration(other, 1700000005000L, 0, "bb")).status())
			.isEqualTo(201);
		assertThat(api.asAdmin().withoutRequestedBy().get("/api/recordings/" + id).status()).isEqualTo(200);
		assertThat(io.ov2ha.controller.webhook.Webhooks.post(port, io.ov2ha.controller.webhook.Webhooks
			.started(Recordings.newId("secw"), 1700000005000L)).status()).isEqualTo(200);
		// no credentials is still 401 and a recorder on an admin operation still 403 forbidden
		assertThat(api.anonymous().withoutRequestedBy().post("/api/recordings/" + id + "/stop", null).problem())
			.isEqualTo("unauthorized");
		assertThat(recorder.post("/api/recordings/" + id + "/stop", null).problem()).isEqualTo("forbidden");
	}

}
