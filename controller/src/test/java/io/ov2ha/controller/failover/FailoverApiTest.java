package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;
import tools.jackson.databind.JsonNode;

/** The failover API of a controller without failover (HA_FAILOVER_ENABLED=false, as in every API test). */
@ControllerTest
class FailoverApiTest {

	@LocalServerPort
	int port;

	@Test
	void aRecordingWithoutFailoversHasAnEmptyHistory() {
		String id = Recordings.newId("fapi");
		Api.at(port).asRecorder().post("/api/recordings", Recordings.registration(id, 1700000005000L, 0, "a".repeat(64)));

		JsonNode history = Api.at(port).asAdmin().get("/api/recordings/" + id + "/failovers").json();

		assertThat(history.path("recordingId").asString()).isEqualTo(id);
		assertThat(history.path("epoch").asLong()).isZero();
		assertThat(history.path("failoverCount").asInt()).isZero();
		assertThat(history.path("maxFailovers").asInt()).isEqualTo(5);
		assertThat(history.path("pendingEpoch").isNull()).isTrue();
		assertThat(history.path("failovers")).isEmpty();
	}

	@Test
	void unknownRecordingsAndBadIdsAreProblems() {
		Api admin = Api.at(port).asAdmin();
		assertThat(admin.get("/api/recordings/ses_nothing_here/failovers").problem()).isEqualTo("recording-not-found");
		assertThat(admin.get("/api/recordings/bad%20id/failovers").status()).isEqualTo(400);
	}

	@Test
	void aManualFailoverNeedsFailoverEnabled() {
		String id = Recordings.newId("fapi");
		Api.at(port).asRecorder().post("/api/recordings", Recordings.registration(id, 1700000005000L, 0, "b".repeat(64)));

		Api.Response response = Api.at(port).asAdmin().post("/api/recordings/" + id + "/failover", null);

		assertThat(response.status()).isEqualTo(503);
		assertThat(response.problem()).isEqualTo("dependency-unavailable");
		assertThat(response.json().path("detail").asString()).contains("HA_FAILOVER_ENABLED");
	}

	@Test
	void statusAndHealthSayFailoverIsDisabled() {
		Api admin = Api.at(port).asAdmin();
		JsonNode status = admin.get("/api/failover/status").json();
		assertThat(status.path("enabled").asBoolean()).isFalse();
		assertThat(status.path("available").asBoolean()).isFalse();
		assertThat(status.path("maxFailovers").asInt()).isEqualTo(5);
		// the reconciler runs with failover off too (it resumes finalizations nobody runs and
		// abandons stale recordings), under a lease of its own, but judges no recorder and lists no backup
		assertThat(status.path("reconciler").hasNonNull("judgingFrom")).as("it gates abandoning: %s", status).isTrue();
		assertThat(status.path("reconciler").path("lastFullReconcileAt").isNull()).as(status.toString()).isTrue();

		JsonNode health = admin.get("/actuator/health").json();
		assertThat(health.path("status").asString()).isEqualTo("UP");
		assertThat(health.path("components").path("failover").path("status").asString()).isEqualTo("UNKNOWN");
		assertThat(health.path("components").path("failover").path("details").path("reason").asString())
			.contains("HA_FAILOVER_ENABLED=false");
		assertThat(health.path("components").path("docker").path("status").asString()).isEqualTo("UNKNOWN");
	}

	@Test
	void onlyAdminsMayUseIt() {
		Api recorder = Api.at(port).asRecorder();
		assertThat(recorder.get("/api/failover/status").status()).isEqualTo(403);
		assertThat(recorder.post("/api/recordings/ses_x/failover", null).status()).isEqualTo(403);
		assertThat(Api.at(port).anonymous().get("/api/recordings/ses_x/failovers").status()).isEqualTo(401);
	}

}
