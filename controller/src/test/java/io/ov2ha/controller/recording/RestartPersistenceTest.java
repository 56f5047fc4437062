package io.ov2ha.controller.recording;

import static io.ov2ha.controller.support.Recordings.chunk;
import static io.ov2ha.controller.support.Recordings.heartbeat;
import static io.ov2ha.controller.support.Recordings.hex;
import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestControllers;
import tools.jackson.databind.JsonNode;

/** The state lives in Redis: a controller that stops and starts again on the same Redis knows it all. */
class RestartPersistenceTest {

	private static ConfigurableApplicationContext start() {
		return TestControllers.run(null);
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	@Test
	void aRestartedControllerReadsTheStateBack() {
		String id = Recordings.newId("restart");
		JsonNode before;
		try (ConfigurableApplicationContext first = start()) {
			Api api = Api.at(port(first));
			assertThat(api.asRecorder().post("/api/recordings", registration(id, 1700000005000L, 0, "aa11")).status())
				.isEqualTo(201);
			api.asRecorder().put("/api/recordings/" + id + "/heartbeat", heartbeat(0, 0L));
			api.asRecorder().post("/api/recordings/" + id + "/chunks", chunk(id + "/chunks/000000-e0.ts", 0, 0, 9.5, hex('c')));
			before = api.asAdmin().get("/api/recordings/" + id).json();
		}

		try (ConfigurableApplicationContext second = start()) {
			Api api = Api.at(port(second));
			JsonNode after = api.asAdmin().get("/api/recordings/" + id).json();
			assertThat(after).isEqualTo(before);
			assertThat(after.path("chunks").path("seconds").asDouble()).isEqualTo(9.5);
			// and it keeps fencing and accepting as before
			assertThat(api.asRecorder().put("/api/recordings/" + id + "/heartbeat", heartbeat(0, 1L)).status())
				.isEqualTo(200);
			assertThat(api.asRecorder().post("/api/recordings", registration(id, 1700000005000L, 0, "bb22")).problem())
				.isEqualTo("container-conflict");
		}
	}

}
