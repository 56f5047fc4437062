package io.ov2ha.controller.openvidu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ov2ha.controller.support.TestRedis;
import io.ov2ha.controller.support.TestSecrets;

/** The REST client against a real HTTP stand-in for OpenVidu: every answer is typed. */
class OpenViduClientTest {

	private OpenViduStandIn openvidu;

	@BeforeEach
	void start() throws IOException {
		openvidu = new OpenViduStandIn();
	}

	@AfterEach
	void stop() {
		openvidu.close();
	}

	private static OpenViduClient client(String url, String secret) {
		return OpenViduClients.of(url, secret);
	}

	@Test
	void eachStateOfTheSessionIsOneAnswer() {
		OpenViduClient client = client(openvidu.url() + "/", TestSecrets.OPENVIDU_SECRET);
		assertThat(client.ask("ses_A", "ses_A~1")).isEqualTo(OpenViduAnswer.SESSION_ACTIVE);
		assertThat(openvidu.asked()).containsExactly("/openvidu/api/sessions/ses_A", "/openvidu/api/recordings/ses_A~1");
		openvidu.mode(OpenViduStandIn.Mode.SESSION_GONE);
		assertThat(client.ask("ses_A", "ses_A~1")).isEqualTo(OpenViduAnswer.SESSION_GONE);
		openvidu.mode(OpenViduStandIn.Mode.NOT_RECORDED);
		assertThat(client.ask("ses_A", "ses_A~1")).isEqualTo(OpenViduAnswer.RECORDING_STOPPED);
		// it answered before: now down
		openvidu.mode(OpenViduStandIn.Mode.DOWN);
		assertThat(client.ask("ses_A", "ses_A~1")).isEqualTo(OpenViduAnswer.UNREACHABLE);
		assertThat(client.misconfigured()).isFalse();
		assertThat(openvidu.refused()).isEmpty();
	}

	@Test
	void aSessionStartedAtAnotherTimeIsANewSessionAndTheRecordedOneIsGone() {
		OpenViduClient client = client(openvidu.url(), TestSecrets.OPENVIDU_SECRET);
		// the stand-in's session started at 1700000000000
		assertThat(client.ask("ses_A", "ses_A~1", 1700000000000L)).isEqualTo(OpenViduAnswer.SESSION_ACTIVE);
		assertThat(client.ask("ses_A", "ses_A~1", 1690000000000L)).isEqualTo(OpenViduAnswer.SESSION_GONE);
		assertThat(openvidu.asked()).containsExactly("/openvidu/api/sessions/ses_A", "/openvidu/api/recordings/ses_A~1",
				"/openvidu/api/sessions/ses_A");
	}

	@Test
	void theRecordedSessionsStartComesFromTheUniqueSessionIdOfRecordingJson() {
		OpenViduClient client = client(openvidu.url(), TestSecrets.OPENVIDU_SECRET);
		assertThat(client.sessionStart("{\"id\":\"ses_A\",\"uniqueSessionId\":\"ses_A_1700000000000\"}", "ses_A"))
			.isEqualTo(1700000000000L);
		// a session id with an underscore: only the part after "<sessionId>_" counts
		assertThat(client.sessionStart("{\"uniqueSessionId\":\"ses_A_b_12\"}", "ses_A_b")).isEqualTo(12L);
		assertThat(client.sessionStart("{\"uniqueSessionId\":\"ses_B_1700000000000\"}", "ses_A")).isNull();
		assertThat(client.sessionStart("{\"uniqueSessionId\":\"ses_A_x1\"}", "ses_A")).isNull();
		assertThat(client.sessionStart("{\"uniqueSessionId\":\"ses_A_99999999999999999999\"}", "ses_A")).isNull();
		assertThat(client.sessionStart("{\"id\":\"ses_A\"}", "ses_A")).as("OpenVidu before 2.17").isNull();
		assertThat(client.sessionStart("{not json", "ses_A")).isNull();
		assertThat(client.sessionStart(null, "ses_A")).isNull();
		assertThat(client.sessionStart("{\"uniqueSessionId\":\"ses_A_1\"}", null)).isNull();
	}

	@Test
	void aWrongSecretOrAServerNeverReachedIsMisconfiguredAndNoSecretMeansNotAsked() {
		OpenViduClient wrongSecret = client(openvidu.url(), "not-the-secret");
		assertThat(wrongSecret.ask("ses_A", "ses_A")).isEqualTo(OpenViduAnswer.MISCONFIGURED);
		assertThat(wrongSecret.misconfigured()).isTrue();
		assertThat(openvidu.refused()).containsExactly("/openvidu/api/sessions/ses_A");
		// never an answer since the start: a wrong URL, not an OpenVidu that went down
		assertThat(client("http://127.0.0.1:" + TestRedis.freePort(), TestSecrets.OPENVIDU_SECRET).ask("ses_A", "ses_A"))
			.isEqualTo(OpenViduAnswer.MISCONFIGURED);
		OpenViduClient off = client(openvidu.url(), "");
		assertThat(off.enabled()).isFalse();
		assertThat(off.ask("ses_A", "ses_A")).isEqualTo(OpenViduAnswer.NOT_CONFIGURED);
		assertThat(client("", TestSecrets.OPENVIDU_SECRET).ask("ses_A", "ses_A")).isEqualTo(OpenViduAnswer.NOT_CONFIGURED);
	}

	@Test
	void theSecretIsNotInTheSettingsText() {
		assertThat(new OpenViduProperties("http://ov", TestSecrets.OPENVIDU_SECRET, null, null, null, null).toString())
			.doesNotContain(TestSecrets.OPENVIDU_SECRET);
	}

}
