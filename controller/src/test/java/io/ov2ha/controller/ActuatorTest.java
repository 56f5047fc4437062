package io.ov2ha.controller;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;

@ControllerTest
class ActuatorTest {

	@LocalServerPort
	int port;

	@Test
	void healthReportsRedisAndFailoverAvailability() {
		var health = Api.at(port).asAdmin().get("/actuator/health").json();
		assertThat(health.path("status").asString()).isEqualTo("UP");
		assertThat(health.path("components").path("redis").path("status").asString()).isEqualTo("UP");
		assertThat(health.path("components").path("failover").path("details").has("available")).isTrue();
	}

	@Test
	void prometheusExportsRecordingsByStatusAndApiLatency() {
		Api.at(port).asRecorder().post("/api/recordings",
				Recordings.registration(Recordings.newId("metrics"), 1700000005000L, 0, "aa"));

		String metrics = Api.at(port).asAdmin().get("/actuator/prometheus").body();

		assertThat(metrics).containsPattern("ov2ha_recordings\\{[^}]*status=\"RECORDING\"[^}]*} [1-9]");
		assertThat(metrics).contains("http_server_requests_seconds_bucket");
		assertThat(metrics).contains("uri=\"/api/recordings\"");
	}

}
