package io.ov2ha.controller.webhook;

import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestDatabase;
import io.ov2ha.controller.support.TestRedis;
import tools.jackson.databind.JsonNode;

/**
 * The relay against a real HTTP receiver: order under failures, restarts, dead letters, several
 * replicas, controller events. Each test has its own Redis database, so only its controllers
 * relay its events.
 */
class WebhookRelayTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final String[] FAST_RETRIES = { "--ha.webhook.relay.retry-initial-delay=20ms",
			"--ha.webhook.relay.retry-max-delay=100ms" };

	private static String[] args(Receiver receiver, String... more) {
		List<String> all = new ArrayList<>(List.of(FAST_RETRIES));
		all.add("--ha.webhook.relay.url=" + receiver.url());
		all.addAll(List.of(more));
		return all.toArray(String[]::new);
	}

	private static String eventId(Api.Response response) {
		assertThat(response.status()).isEqualTo(200);
		return Api.JSON.readTree(response.body()).path("eventId").asString();
	}

	private static List<String> ids(List<Receiver.Request> requests) {
		return requests.stream().map(Receiver.Request::eventId).toList();
	}

	@Test
	void relaysEveryEventInOrderWithTheSameBytesThroughFailures() throws Exception {
		TestDatabase db = TestRedis.database();
		try (Receiver receiver = new Receiver()
			.respond((id, attempt, body) -> body.contains("\"n=1\"") || body.contains("\"n=2\"") ? (attempt <= 2 ? 503 : 200)
					: 200);
				ConfigurableApplicationContext controller = Webhooks.start(db,
						args(receiver, "--ha.webhook.relay.headers=[\"X-Api-Key: k-123\"]"))) {
			int port = Webhooks.port(controller);
			List<String> sent = new ArrayList<>();
			Map<String, String> bodies = new HashMap<>();
			for (int n = 0; n < 20; n++) {
				String body = Webhooks.participantJoined("ses_order", n);
				String id = eventId(Webhooks.post(port, body));
				sent.add(id);
				bodies.put(id, body);
			}

			await().atMost(WAIT).until(() -> receiver.delivered().size() >= 20);

			List<Receiver.Request> delivered = receiver.delivered();
			assertThat(ids(delivered)).containsExactlyElementsOf(sent);
			for (Receiver.Request r : delivered) {
				assertThat(r.method()).isEqualTo("POST");
				assertThat(r.text()).isEqualTo(bodies.get(r.eventId()));
				assertThat(r.headers().getFirst("Content-Type")).isEqualTo("application/json");
				assertThat(r.origin()).isEqualTo("openvidu");
				assertThat(r.headers().getFirst(RelayClient.EVENT_TYPE)).isEqualTo("participantJoined");
				assertThat(r.headers().getFirst("X-Api-Key")).isEqualTo("k-123");
				assertThat(r.headers().getFirst("Authorization")).as("the webhook token is never relayed").isNull();
			}
			assertThat(receiver.all()).hasSize(24);
			assertThat(delivered.get(1).headers().getFirst(RelayClient.ATTEMPT)).isEqualTo("3");
			JsonNode status = Api.at(Webhooks.port(controller)).asAdmin().get("/api/webhooks/status").json();
			assertThat(status.path("counters").path("delivered").asLong()).isEqualTo(20);
			assertThat(status.path("counters").path("failedAttempts").asLong()).isEqualTo(4);
			assertThat(status.path("queue").path("depth").asLong()).isZero();
			assertThat(status.path("lastError").path("message").asString()).isEqualTo("HTTP 503");
			assertThat(status.path("relay").path("thisController").asBoolean()).isTrue();
			assertThat(status.path("relay").path("headerNames").get(0).asString()).isEqualTo("X-Api-Key");
			assertThat(status.toString()).doesNotContain("k-123");
		}
	}

	@Test
	void forwardsOpenVidusOwnAuthorizationOnlyWhenConfiguredAndNeverTheToken() throws Exception {
		TestDatabase db = TestRedis.database();
		try (Receiver receiver = new Receiver();
				ConfigurableApplicationContext controller = Webhooks.start(db,
						args(receiver, "--ha.webhook.relay.forward-authorization=true"))) {
			int port = Webhooks.port(controller);
			String viaHeader = eventId(Webhooks.post(port,
					Webhooks.participantJoined("ses_fwd", 1).getBytes(java.nio.charset.StandardCharsets.UTF_8),
					Map.of("Content-Type", "application/json", WebhookToken.HEADER,
							io.ov2ha.controller.support.TestSecrets.WEBHOOK_TOKEN, "Authorization", "Basic Y3VzdG9tZXI6cHc=")));
			String viaBearer = eventId(Webhooks.post(port, Webhooks.participantJoined("ses_fwd", 2)));

			await().atMost(WAIT).until(() -> receiver.delivered().size() >= 2);

			Map<String, String> authorization = new HashMap<>();
			receiver.delivered().forEach(r -> authorization.put(r.eventId(), String.valueOf(r.headers().getFirst("Authorization"))));
			assertThat(authorization).containsEntry(viaHeader, "Basic Y3VzdG9tZXI6cHc=").containsEntry(viaBearer, "null");
		}
	}

	@Test
	void aRestartInTheMiddleOfABacklogLosesNothing() throws Exception {
		TestDatabase db = TestRedis.database();
		try (Receiver receiver = new Receiver().delay(10)) {
			List<String> sent = new ArrayList<>();
			try (ConfigurableApplicationContext first = Webhooks.start(db, args(receiver))) {
				int port = Webhooks.port(first);
				for (int n = 0; n < 150; n++) {
					sent.add(eventId(Webhooks.post(port, Webhooks.participantJoined("ses_restart", n))));
				}
				await().atMost(WAIT).until(() -> receiver.delivered().size() >= 30);
			}
			int beforeRestart = receiver.delivered().size();
			assertThat(beforeRestart).as("a backlog was left").isLessThan(150);

			try (ConfigurableApplicationContext second = Webhooks.start(db, args(receiver))) {
				await().atMost(WAIT).until(() -> new LinkedHashSet<>(ids(receiver.delivered())).size() >= 150);
			}

			List<String> delivered = ids(receiver.delivered());
			assertThat(new ArrayList<>(new LinkedHashSet<>(delivered))).as("in order, none lost").isEqualTo(sent);
			assertThat(delivered.size() - 150).as("duplicates (same event id)").isLessThanOrEqualTo(1);
		}
	}

	@Test
	void anEventThatKeepsFailingBecomesADeadLetterAndCanBeRetried() throws Exception {
		TestDatabase db = TestRedis.database();
		try (Receiver receiver = new Receiver().respond((id, attempt, body) -> body.contains("poison") ? 500 : 200);
				ConfigurableApplicationContext controller = Webhooks.start(db,
						args(receiver, "--ha.webhook.relay.max-attempts=3"))) {
			int port = Webhooks.port(controller);
			Api admin = Api.at(port).asAdmin();
			String poison = eventId(Webhooks.post(port, "{\"event\":\"signalSent\",\"data\":\"poison\"}"));
			String next = eventId(Webhooks.post(port, Webhooks.participantJoined("ses_dead", 1)));

			await().atMost(WAIT).until(() -> ids(receiver.delivered()).contains(next));

			assertThat(receiver.all().stream().filter(r -> poison.equals(r.eventId())).count()).isEqualTo(3);
			JsonNode status = admin.get("/api/webhooks/status").json();
			assertThat(status.path("deadLetters").path("count").asLong()).isEqualTo(1);
			JsonNode dead = status.path("deadLetters").path("newest").get(0);
			assertThat(dead.path("id").asString()).isEqualTo(poison);
			assertThat(dead.path("attempts").asInt()).isEqualTo(3);
			assertThat(dead.path("lastError").asString()).isEqualTo("HTTP 500");
			assertThat(dead.path("type").asString()).isEqualTo("signalSent");
			assertThat(status.path("counters").path("deadLettered").asLong()).isEqualTo(1);

			receiver.respond((id, attempt, body) -> 200);
			Api.Response retried = admin.post("/api/webhooks/dead-letters/" + poison + "/retry", null);
			assertThat(retried.status()).isEqualTo(202);
			assertThat(retried.json().path("id").asString()).isEqualTo(poison);

			await().atMost(WAIT).until(() -> ids(receiver.delivered()).contains(poison));
			assertThat(receiver.delivered().get(receiver.delivered().size() - 1).text())
				.isEqualTo("{\"event\":\"signalSent\",\"data\":\"poison\"}");
			JsonNode after = admin.get("/api/webhooks/status").json();
			assertThat(after.path("deadLetters").path("count").asLong()).isZero();
			assertThat(after.path("counters").path("retried").asLong()).isEqualTo(1);
			assertThat(admin.post("/api/webhooks/dead-letters/" + poison + "/retry", null).problem())
				.isEqualTo("webhook-dead-letter-not-found");
		}
	}

	@Test
	void anEventPastItsMaximumAgeIsGivenUpAtItsFirstFailure() throws Exception {
		TestDatabase db = TestRedis.database();
		try (Receiver receiver = new Receiver().respond((id, attempt, body) -> body.contains("old") ? 502 : 200);
				ConfigurableApplicationContext controller = Webhooks.start(db,
						args(receiver, "--ha.webhook.relay.max-age=1ms"))) {
			int port = Webhooks.port(controller);
			String old = eventId(Webhooks.post(port, "{\"event\":\"signalSent\",\"data\":\"old\"}"));
			String next = eventId(Webhooks.post(port, Webhooks.participantJoined("ses_age", 1)));

			await().atMost(WAIT).until(() -> ids(receiver.delivered()).contains(next));
			assertThat(receiver.all().stream().filter(r -> old.equals(r.eventId())).count()).isEqualTo(1);
		}
	}

	@Test
	void withTwoControllersEachEventIsDeliveredByExactlyOneInOrder() throws Exception {
		TestDatabase db = TestRedis.database();
		try (Receiver receiver = new Receiver();
				ConfigurableApplicationContext a = Webhooks.start(db, args(receiver));
				ConfigurableApplicationContext b = Webhooks.start(db, args(receiver))) {
			List<String> sent = new ArrayList<>();
			for (int n = 0; n < 100; n++) {
				int port = Webhooks.port(n % 2 == 0 ? a : b);
				sent.add(eventId(Webhooks.post(port, Webhooks.participantJoined("ses_two", n))));
			}

			await().atMost(WAIT).until(() -> receiver.delivered().size() >= 100);

			assertThat(ids(receiver.delivered())).containsExactlyElementsOf(sent);
			JsonNode status = Api.at(Webhooks.port(a)).asAdmin().get("/api/webhooks/status").json();
			String leader = status.path("relay").path("leader").asString();
			assertThat(leader).isNotEmpty();
		}
	}

	@Test
	void controllerEventsAreRelayedAsSuchAndOpenVidusWrongOutcomeIsNot() throws Exception {
		TestDatabase db = TestRedis.database();
		try (Receiver receiver = new Receiver();
				ConfigurableApplicationContext controller = Webhooks.start(db, args(receiver))) {
			int port = Webhooks.port(controller);
			RecordingStore store = controller.getBean(RecordingStore.class);
			StringRedisTemplate redis = controller.getBean(StringRedisTemplate.class);
			String id = Recordings.newId("ctlrelay");
			long t0 = 1700000005000L;
			assertThat(Api.at(port).asRecorder().post("/api/recordings", registration(id, t0, 0, "abc1")).status())
				.isEqualTo(201);
			Webhooks.send(port, Webhooks.started(id, t0));
			Webhooks.send(port, Webhooks.recording(id, t0, "stopped", "lastParticipantLeft", t0 + 30_000));
			redis.opsForHash().put(RedisKeys.recording(RecordingId.of(id)), "failoverCount", "1");
			Webhooks.send(port, Webhooks.recording(id, t0, "failed", "lastParticipantLeft", t0 + 60_000));
			store.transition(RecordingId.of(id), RecordingStatus.READY, List.of(RecordingStatus.STOPPING), Map.of());
			controller.getBean(ControllerEvents.class)
				.emitRecordingStatusChanged(store.find(RecordingId.of(id)).orElseThrow(), OpenViduRecordingStatus.READY,
						new RecordingMedia(1_000_000L, 58.0, "1280x720", 25, true, true));

			await().atMost(WAIT).until(() -> receiver.delivered().size() >= 3);

			List<Receiver.Request> delivered = receiver.delivered();
			assertThat(delivered).hasSize(3);
			assertThat(delivered.get(0).text()).contains("\"status\":\"started\"");
			assertThat(delivered.get(1).text()).contains("\"status\":\"stopped\"");
			assertThat(delivered.get(2).origin()).isEqualTo("controller");
			assertThat(delivered.get(2).eventId()).isEqualTo(id + ":" + t0 + ":ready");
			assertThat(delivered.get(2).text()).contains("\"status\":\"ready\"").contains("\"size\":1000000");
			assertThat(delivered.stream().map(Receiver.Request::text)).noneMatch(t -> t.contains("\"failed\""));
			JsonNode status = Api.at(port).asAdmin().get("/api/webhooks/status").json();
			assertThat(status.path("counters").path("suppressed").asLong()).isEqualTo(1);
		}
	}

	@Test
	void eventsOfSelfTestRecordingsAreNeverRelayedToTheCustomer() throws Exception {
		TestDatabase db = TestRedis.database();
		try (Receiver receiver = new Receiver();
				ConfigurableApplicationContext controller = Webhooks.start(db, args(receiver))) {
			int port = Webhooks.port(controller);
			RecordingStore store = controller.getBean(RecordingStore.class);
			String id = RelayWorker.SELF_TEST_PREFIX + "20261202080000-" + Recordings.newId("st");
			long t0 = 1700000005000L;
			assertThat(Api.at(port).asRecorder().post("/api/recordings", registration(id, t0, 0, "abc1")).status())
				.isEqualTo(201);
			Webhooks.send(port, Webhooks.started(id, t0));
			Webhooks.send(port, Webhooks.recording(id, t0, "stopped", "recordingStoppedByServer", t0 + 30_000));
			store.transition(RecordingId.of(id), RecordingStatus.READY, List.of(RecordingStatus.STOPPING), Map.of());
			controller.getBean(ControllerEvents.class)
				.emitRecordingStatusChanged(store.find(RecordingId.of(id)).orElseThrow(), OpenViduRecordingStatus.READY,
						new RecordingMedia(1_000L, 30.0, "640x360", 15, false, true));
			// a customer's event after them: relayed, so the self-test's events were processed before
			String other = eventId(Webhooks.post(port, Webhooks.participantJoined("ses_customer", 1)));

			await().atMost(WAIT).until(() -> receiver.delivered().size() >= 1);

			assertThat(ids(receiver.all())).containsExactly(other);
			assertThat(store.find(RecordingId.of(id)).orElseThrow().status()).isEqualTo(RecordingStatus.READY);
			JsonNode status = Api.at(port).asAdmin().get("/api/webhooks/status").json();
			assertThat(status.path("counters").path("suppressed").asLong()).isEqualTo(3);
			assertThat(status.path("counters").path("delivered").asLong()).isEqualTo(1);
		}
	}

	@Test
	void aStateChangeCutShortByACrashIsFinishedByTheRelay() throws Exception {
		TestDatabase db = TestRedis.database();
		try (Receiver receiver = new Receiver();
				ConfigurableApplicationContext controller = Webhooks.start(db, args(receiver))) {
			int port = Webhooks.port(controller);
			String id = Recordings.newId("crash");
			long t0 = 1700000005000L;
			Webhooks.send(port, Webhooks.started(id, t0));
			// stored, but the controller "died" before applying it: only the queue saw it
			String stopped = Webhooks.recording(id, t0, "stopped", "recordingStoppedByServer", t0 + 5_000);
			controller.getBean(WebhookQueue.class)
				.store(new WebhookQueue.NewEvent(WebhookQueue.Origin.OPENVIDU, "recordingStatusChanged", stopped, null, id,
						t0, false, true, WebhookIntake.sha256(stopped.getBytes()), WebhookQueue.DEDUP_WINDOW, null,
						System.currentTimeMillis()));
			RecordingStore store = controller.getBean(RecordingStore.class);

			await().atMost(WAIT).until(() -> receiver.delivered().size() >= 2);

			assertThat(store.find(RecordingId.of(id)).orElseThrow().status()).isEqualTo(RecordingStatus.STOPPING);
			assertThat(StopRequests.SEEN).anyMatch(e -> e.id().value().equals(id) && e.source().equals("openvidu"));
			assertThat(receiver.delivered().get(1).text()).isEqualTo(stopped);
		}
	}

	@Test
	void aRelayUrlPointingToTheControllerItselfIsRefusedAtStartup() {
		int port = TestRedis.freePort();
		for (String url : new String[] { "http://127.0.0.1:" + port + "/openvidu/webhook",
				"http://localhost:" + port + "/openvidu/webhook/", "http://0.0.0.0:" + port + "//openvidu/./webhook" }) {
			assertThatThrownBy(() -> Webhooks.start(TestRedis.database(), "--server.port=" + port, "--ha.webhook.relay.url=" + url))
				.as(url)
				.hasRootCauseInstanceOf(ConfigurationException.class)
				.rootCause()
				.hasMessageContaining("HA_WEBHOOK_RELAY_URL points to this controller's own webhook endpoint");
		}
	}

	@Test
	void aControllerWithoutRedisNeverAnswers200() throws Exception {
		int deadPort = TestRedis.freePort();
		try (ConfigurableApplicationContext controller = Webhooks.start(TestRedis.database(), "--ha.redis.url=redis://127.0.0.1:" + deadPort)) {
			Api.Response response = Webhooks.post(Webhooks.port(controller),
					Webhooks.participantJoined("ses_noredis", 1));
			assertThat(response.status()).isEqualTo(503);
		}
	}

	/**
	 * The retry log line says the real wait, in milliseconds (issue 16, item 7: an operator saw
	 * retryInMs=1,2,4,8 for retries seconds apart): a 1.5 s first delay is logged as 1500.
	 */
	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void theRetryLogSaysTheRealDelayInMilliseconds(CapturedOutput output) throws Exception {
		TestDatabase db = TestRedis.database();
		try (Receiver receiver = new Receiver().respond((id, attempt, body) -> attempt <= 2 ? 503 : 200);
				ConfigurableApplicationContext controller = Webhooks.start(db,
						"--ha.webhook.relay.retry-initial-delay=1500ms", "--ha.webhook.relay.retry-max-delay=60s",
						"--ha.webhook.relay.url=" + receiver.url())) {
			long sent = System.nanoTime();
			eventId(Webhooks.post(Webhooks.port(controller), Webhooks.participantJoined("ses_retrylog", 1)));

			await().atMost(WAIT).until(() -> receiver.delivered().size() >= 1);

			assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("1.5 s, then 3 s").isGreaterThan(Duration.ofMillis(4400));
			assertThat(output.getAll()).contains("attempt=1 error=\"HTTP 503\" retryInMs=1500")
				.contains("attempt=2 error=\"HTTP 503\" retryInMs=3000");
		}
	}

}
