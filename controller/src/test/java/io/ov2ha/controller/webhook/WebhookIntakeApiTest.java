package io.ov2ha.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestSecrets;

/** POST /openvidu/webhook: authentication, 200 only after the event is stored, refusals store nothing. */
@ControllerTest
@ExtendWith(OutputCaptureExtension.class)
class WebhookIntakeApiTest {

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	private long received() {
		Object n = redis.opsForHash().get(RedisKeys.webhookRelay(), "enqueued");
		return n == null ? 0 : Long.parseLong(n.toString());
	}

	private MapRecord<String, Object, Object> entry(String entryId) {
		List<MapRecord<String, Object, Object>> records = redis.opsForStream()
			.range(RedisKeys.webhookEvents(), Range.closed(entryId, entryId));
		return records == null || records.isEmpty() ? null : records.get(0);
	}

	private static Map<String, String> json(String authorization) {
		return authorization == null ? Map.of("Content-Type", "application/json")
				: Map.of("Content-Type", "application/json", "Authorization", authorization);
	}

	@Test
	void answers200OnlyOnceTheExactBytesAreStored() {
		String body = Webhooks.participantJoined(Recordings.newId("store"), 1);

		Api.Response response = Webhooks.post(port, body);

		assertThat(response.status()).isEqualTo(200);
		String eventId = Api.JSON.readTree(response.body()).path("eventId").asString();
		MapRecord<String, Object, Object> stored = entry(eventId);
		assertThat(stored).as("stored before the answer").isNotNull();
		assertThat(stored.getValue()).containsEntry("body", body)
			.containsEntry("origin", "openvidu")
			.containsEntry("type", "participantJoined")
			.containsEntry("schema", "1");
	}

	@Test
	void refusesAMissingOrWrongTokenWith401AndStoresNothing() {
		String body = Webhooks.participantJoined(Recordings.newId("auth"), 2);
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		long before = received();
		String basicAdmin = "Basic " + Base64.getEncoder()
			.encodeToString((TestSecrets.ADMIN_USER + ":" + TestSecrets.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));

		for (String authorization : new String[] { null, "Bearer wrong-token-0123456789", "Bearer ", basicAdmin,
				TestSecrets.WEBHOOK_TOKEN, "Bearer " + TestSecrets.WEBHOOK_TOKEN + "x" }) {
			Api.Response response = Webhooks.post(port, bytes, json(authorization));
			assertThat(response.status()).as(String.valueOf(authorization == null ? null : authorization.substring(0, 5)))
				.isEqualTo(401);
			assertThat(response.contentType()).startsWith("application/problem+json");
			assertThat(response.wwwAuthenticate()).startsWith("Bearer");
			assertThat(response.body()).doesNotContain(TestSecrets.WEBHOOK_TOKEN);
		}
		assertThat(received()).isEqualTo(before);
	}

	@Test
	void acceptsTheTokenAsBearerInAnyCaseOrInItsOwnHeader() {
		String id = Recordings.newId("hdr");
		assertThat(Webhooks.post(port, Webhooks.participantJoined(id, 3).getBytes(StandardCharsets.UTF_8),
				json("bearer " + TestSecrets.WEBHOOK_TOKEN)).status()).isEqualTo(200);
		assertThat(Webhooks.post(port, Webhooks.participantJoined(id, 4).getBytes(StandardCharsets.UTF_8),
				Map.of("Content-Type", "application/json", WebhookToken.HEADER, TestSecrets.WEBHOOK_TOKEN)).status())
			.isEqualTo(200);
	}

	@Test
	void refusesMalformedBodiesWith400AndStoresNothing() {
		long before = received();
		List<byte[]> bodies = List.of(new byte[0], "{".getBytes(), "[1,2]".getBytes(), "\"text\"".getBytes(),
				"42".getBytes(), "null".getBytes(), "{\"event\":\"x\"} trailing".getBytes(), "{\"a\":1}{\"b\":2}".getBytes(),
				new byte[] { '{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}' }, "{'a':1}".getBytes());
		for (byte[] body : bodies) {
			Api.Response response = Webhooks.post(port, body, json("Bearer " + TestSecrets.WEBHOOK_TOKEN));
			assertThat(response.status()).as(new String(body, StandardCharsets.ISO_8859_1)).isEqualTo(400);
			assertThat(response.contentType()).startsWith("application/problem+json");
		}
		assertThat(received()).isEqualTo(before);
	}

	@Test
	void refusesABodyOverTheLimitWith413() {
		String big = "{\"event\":\"signalSent\",\"data\":\"" + "x".repeat(300 * 1024) + "\"}";
		long before = received();

		Api.Response response = Webhooks.post(port, big);

		assertThat(response.status()).isEqualTo(413);
		assertThat(received()).isEqualTo(before);
	}

	@Test
	void storesUnknownEventsUntouched() {
		String body = "{\"event\":\"somethingNew\",\"sessionId\":\"ses_X\",\"nested\":{\"a\":[1,2,{\"b\":null}]},"
				+ "\"unicode\":\"\u00e9\u4e2d\ud83d\ude00\"}";

		Api.Response response = Webhooks.post(port, body);

		assertThat(response.status()).isEqualTo(200);
		MapRecord<String, Object, Object> stored = entry(Api.JSON.readTree(response.body()).path("eventId").asString());
		assertThat(stored.getValue()).containsEntry("body", body).containsEntry("type", "somethingNew");
	}

	@Test
	void theSameBytesAgainAreStoredOnce() {
		String body = Webhooks.participantJoined(Recordings.newId("dup"), 5);
		Api.Response first = Webhooks.post(port, body);
		long after = received();

		Api.Response second = Webhooks.post(port, body);

		assertThat(second.status()).isEqualTo(200);
		assertThat(Api.JSON.readTree(second.body()).path("duplicate").asBoolean()).isTrue();
		assertThat(Api.JSON.readTree(second.body()).path("eventId").asString())
			.isEqualTo(Api.JSON.readTree(first.body()).path("eventId").asString());
		assertThat(received()).isEqualTo(after);
	}

	@Test
	void refusesARelayedEventAsALoop() {
		long before = received();
		Api.Response response = Webhooks.post(port,
				Webhooks.participantJoined(Recordings.newId("loop"), 6).getBytes(StandardCharsets.UTF_8),
				Map.of("Content-Type", "application/json", "Authorization", "Bearer " + TestSecrets.WEBHOOK_TOKEN,
						RelayClient.ORIGIN, "openvidu"));

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.body()).contains("HA_WEBHOOK_RELAY_URL");
		assertThat(received()).isEqualTo(before);
	}

	@Test
	void theTokenIsCheckedBeforeTheLoopAndTheLoopIsLoggedAtMostOncePerMinute(CapturedOutput output) {
		int mark = output.getAll().length();
		byte[] body = Webhooks.participantJoined(Recordings.newId("loopflood"), 7).getBytes(StandardCharsets.UTF_8);
		for (int i = 0; i < 20; i++) {
			Api.Response anonymous = Webhooks.post(port, body,
					Map.of("Content-Type", "application/json", RelayClient.ORIGIN, TestSecrets.UNAUTHENTICATED_ORIGIN + i));
			assertThat(anonymous.status()).isEqualTo(401);
		}
		assertThat(output.getAll().substring(mark)).as("no relay-loop line for requests without the token")
			.doesNotContain("event=webhook.relay_loop");

		for (int i = 0; i < 20; i++) {
			Api.Response looped = Webhooks.post(port, body, Map.of("Content-Type", "application/json",
					"Authorization", "Bearer " + TestSecrets.WEBHOOK_TOKEN, RelayClient.ORIGIN, "flood-" + i));
			assertThat(looped.status()).isEqualTo(400);
		}
		String logged = output.getAll().substring(mark);
		assertThat(logged.split("event=webhook.relay_loop", -1).length - 1).as("relay-loop lines for 20 loops")
			.isLessThanOrEqualTo(1);
		assertThat(logged.split("event=webhook.unauthorized", -1).length - 1).as("unauthorized lines for 20 refusals")
			.isLessThanOrEqualTo(1);
	}

	@Test
	void otherMethodsAreNotOpen() {
		Api.Response get = Api.at(port).anonymous().get("/openvidu/webhook");
		assertThat(get.status()).isEqualTo(405);
	}

	@Test
	void adminsSeeTheStatusAndRecordersDoNot() {
		Api.Response status = Api.at(port).asAdmin().get("/api/webhooks/status");
		assertThat(status.status()).isEqualTo(200);
		assertThat(status.json().path("relay").path("enabled").asBoolean()).isFalse();
		assertThat(status.json().path("counters").path("received").asLong()).isPositive();
		assertThat(Api.at(port).asRecorder().get("/api/webhooks/status").status()).isEqualTo(403);
		assertThat(Api.at(port).anonymous().get("/api/webhooks/status").status()).isEqualTo(401);
	}

	@Test
	void retryingADeadLetterWhileTheRelayIsDisabledIsRefused() {
		Api.Response response = Api.at(port).asAdmin().post("/api/webhooks/dead-letters/1700000000000-0/retry", null);
		assertThat(response.status()).isEqualTo(409);
		assertThat(response.problem()).isEqualTo("webhook-relay-disabled");
		assertThat(Api.at(port).asAdmin().post("/api/webhooks/dead-letters/bad!id/retry", null).status())
			.isEqualTo(400);
	}

}
