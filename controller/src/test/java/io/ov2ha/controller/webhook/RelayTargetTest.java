package io.ov2ha.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.config.ConfigurationException;

class RelayTargetTest {

	private static WebhookProperties.Relay relay(String url, String headers) {
		return new WebhookProperties.Relay(url, headers, false, null, null, 0, null, null, null);
	}

	@Test
	void theControllersOwnWebhookOnALocalAddressIsSelf() {
		for (String url : new String[] { "http://localhost:15443/openvidu/webhook", "http://127.0.0.1:15443/openvidu/webhook",
				"http://127.0.0.2:15443/openvidu/webhook", "http://0.0.0.0:15443/openvidu/webhook",
				"http://[::1]:15443/openvidu/webhook", "http://LOCALHOST.:15443/openvidu/webhook/",
				"http://localhost:15443/openvidu/../openvidu/webhook", "http://app.localhost:15443/openvidu/webhook" }) {
			assertThat(RelayTarget.isSelf(URI.create(url), 15443, "0.0.0.0")).as(url).isTrue();
		}
		assertThat(RelayTarget.isSelf(URI.create("http://localhost/openvidu/webhook"), 80, null)).isTrue();
		assertThat(RelayTarget.isSelf(URI.create("http://localhost:4711/openvidu/webhook"), 0, null)).as("port unknown")
			.isTrue();
	}

	@Test
	void anythingElseIsNot() {
		assertThat(RelayTarget.isSelf(URI.create("http://localhost:15443/hooks"), 15443, null)).isFalse();
		assertThat(RelayTarget.isSelf(URI.create("http://localhost:8080/openvidu/webhook"), 15443, null)).isFalse();
		assertThat(RelayTarget.isSelf(URI.create("https://app.example.invalid:15443/openvidu/webhook"), 15443, null))
			.isFalse();
	}

	@Test
	void startupRefusesSelfAndBadUrls() {
		assertThatThrownBy(() -> RelayTarget.from(relay("http://127.0.0.1:15443/openvidu/webhook", ""), 15443, null))
			.isInstanceOf(ConfigurationException.class)
			.hasMessageContaining("own webhook endpoint");
		assertThatThrownBy(() -> RelayTarget.from(relay("ftp://x/y", ""), 15443, null)).hasMessageContaining("http://");
		assertThatThrownBy(() -> RelayTarget.from(relay("not a url", ""), 15443, null))
			.isInstanceOf(ConfigurationException.class);
		assertThat(RelayTarget.from(relay("", ""), 15443, null).enabled()).isFalse();
		RelayTarget ok = RelayTarget.from(relay("https://user:pw@app.example.com/hook?key=secret", ""), 15443, null);
		assertThat(ok.display()).isEqualTo("https://app.example.com/hook");
	}

	@Test
	void headersUseOpenVidusForm() {
		assertThat(RelayTarget.parseHeaders("[\"Authorization: Bearer abc\",\"X-Api-Key: a: b\"]"))
			.containsExactly(new RelayTarget.Header("Authorization", "Bearer abc"), new RelayTarget.Header("X-Api-Key", "a: b"));
		assertThat(RelayTarget.parseHeaders("")).isEmpty();
		assertThat(RelayTarget.parseHeaders("[\"Content-Type: application/json\"]")).isEmpty();
		for (String bad : List.of("{}", "[1]", "[\"NoColon\"]", "[\"Name:NoSpace\"]", "[\": v\"]", "[\"Host: x\"]",
				"[\"X-OV2HA-Origin: x\"]", "[\"Content-Type: text/plain\"]", "[\"Bad Name: v\"]", "[\"N: \"]", "not json")) {
			assertThatThrownBy(() -> RelayTarget.parseHeaders(bad)).as(bad)
				.isInstanceOf(ConfigurationException.class)
				.hasMessageStartingWith("HA_WEBHOOK_RELAY_HEADERS");
		}
	}

}
