package io.ov2ha.controller.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.ov2ha.controller.ControllerApplication;
import io.ov2ha.controller.support.TestControllers;

/** Misconfiguration stops the controller with a plain message saying what to set. */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTest {

	@Test
	void productionWithoutPasswordsDoesNotStart(CapturedOutput output) {
		assertThatThrownBy(() -> new SpringApplicationBuilder(ControllerApplication.class).run("--server.port=0",
				"--ha.profile=production", "--spring.profiles.active=production", "--ha.security.admin-password=",
				"--ha.security.recorder-password="))
			.isNotNull();
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("HA_RECORDER_PASSWORD is not set; the production profile has no default passwords.")
			.doesNotContain("at io.ov2ha");
	}

	@Test
	void productionWithoutRedisDoesNotStart(CapturedOutput output) {
		String saved = System.getProperty("ha.redis.url");
		System.clearProperty("ha.redis.url");
		try {
			assertThatThrownBy(() -> new SpringApplicationBuilder(ControllerApplication.class).run("--server.port=0",
					"--ha.profile=production", "--spring.profiles.active=production"))
				.isNotNull();
			assertThat(output).contains("HA_REDIS_URL is not set");
		}
		finally {
			System.setProperty("ha.redis.url", saved);
		}
	}

	@Test
	void aStateRetentionNotLongerThanTheChunkRetentionDoesNotStart(CapturedOutput output) {
		assertThatThrownBy(() -> TestControllers.run(null, "--ha.recordings-path=target/test-recordings",
				"--ha.state.retention=12h", "--ha.storage.chunk-retention=24h"))
			.isNotNull();
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("HA_STATE_RETENTION (PT12H) must be longer than HA_CHUNK_RETENTION (PT24H)")
			.doesNotContain("at io.ov2ha");
	}

	@Test
	void aBadSentinelListOrReplicaAckSettingDoesNotStart(CapturedOutput output) {
		assertThatThrownBy(() -> TestControllers.run(null, "--ha.recordings-path=target/test-recordings",
				"--ha.redis.sentinels=sentinel-1:26379,sentinel-2"))
			.isNotNull();
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("HA_REDIS_SENTINELS holds \"sentinel-2\", which is not host:port.")
			.doesNotContain("at io.ov2ha");
		assertThatThrownBy(() -> TestControllers.run(null, "--ha.recordings-path=target/test-recordings",
				"--ha.redis.replica-acks=9"))
			.isNotNull();
		assertThat(output).contains("HA_REDIS_REPLICA_ACKS is 9.");
		assertThatThrownBy(() -> TestControllers.run(null, "--ha.recordings-path=target/test-recordings",
				"--ha.redis.replica-ack-timeout=500us"))
			.isNotNull();
		assertThat(output).contains("HA_REDIS_REPLICA_ACK_TIMEOUT is PT0.0005S.");
		assertThatThrownBy(() -> TestControllers.run(null, "--ha.recordings-path=target/test-recordings",
				"--ha.profile=local", "--ha.redis.url=", "--ha.redis.sentinels=sentinel-1:26379"))
			.isNotNull();
		assertThat(output).contains("HA_REDIS_SENTINELS is set but HA_REDIS_URL is not.");
	}

	@Test
	void aTlsCertificateWithoutItsKeyDoesNotStart(CapturedOutput output) {
		assertThatThrownBy(() -> TestControllers.run(null, "--ha.recordings-path=target/test-recordings",
				"--ha.tls.certificate=pom.xml"))
			.isNotNull();
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("HA_TLS_CERTIFICATE is set but HA_TLS_PRIVATE_KEY is not: HTTPS needs both.")
			.doesNotContain("at io.ov2ha");
	}

}
