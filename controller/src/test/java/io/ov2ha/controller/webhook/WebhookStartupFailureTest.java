package io.ov2ha.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.ov2ha.controller.support.TestRedis;

/** Webhook misconfiguration stops the controller with a plain message saying what to set. */
@ExtendWith(OutputCaptureExtension.class)
class WebhookStartupFailureTest {

	@Test
	void productionWithoutAWebhookTokenDoesNotStart(CapturedOutput output) {
		assertThatThrownBy(() -> Webhooks.start(TestRedis.database(), "--ha.webhook.token=")).isNotNull();
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("HA_WEBHOOK_TOKEN is not set")
			.contains("OPENVIDU_WEBHOOK_HEADERS")
			.doesNotContain("at io.ov2ha");
	}

	@Test
	void badRelayHeadersDoNotStartAndAreNotEchoed(CapturedOutput output) {
		assertThatThrownBy(() -> Webhooks.start(TestRedis.database(), "--ha.webhook.relay.url=http://app.example.invalid/hook",
				"--ha.webhook.relay.headers=[\"Authorization:NoSpace-SecretValue\"]"))
			.isNotNull();
		assertThat(output).contains("HA_WEBHOOK_RELAY_HEADERS entry 1 is not of the form")
			.doesNotContain("NoSpace-SecretValue\"");
	}

}
