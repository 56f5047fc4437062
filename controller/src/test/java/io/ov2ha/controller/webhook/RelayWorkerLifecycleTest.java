package io.ov2ha.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.TestDatabase;
import io.ov2ha.controller.support.TestRedis;

/** The relay survives its context's lifecycle stopped and started (as the test framework pauses a cached context). */
class RelayWorkerLifecycleTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static String eventId(int port, int n) {
		Api.Response response = Webhooks.post(port, Webhooks.participantJoined("ses_lifecycle", n));
		assertThat(response.status()).isEqualTo(200);
		return Api.JSON.readTree(response.body()).path("eventId").asString();
	}

	@Test
	void aRelayStoppedAndStartedAgainRelaysWhatCameMeanwhileAndAfterInOrder() throws Exception {
		TestDatabase db = TestRedis.database();
		try (Receiver receiver = new Receiver();
				ConfigurableApplicationContext controller = Webhooks.start(db,
						"--ha.webhook.relay.url=" + receiver.url())) {
			int port = Webhooks.port(controller);
			RelayWorker relay = controller.getBean(RelayWorker.class);
			String before = eventId(port, 1);
			await().atMost(WAIT).until(() -> receiver.delivered().size() >= 1);

			relay.stop();
			assertThat(relay.isRunning()).isFalse();
			relay.stop();
			String whileStopped = eventId(port, 2);
			relay.start();
			String after = eventId(port, 3);

			assertThat(relay.isRunning()).isTrue();
			await().atMost(WAIT).until(() -> receiver.delivered().size() >= 3);
			List<String> delivered = receiver.delivered().stream().map(Receiver.Request::eventId).toList();
			assertThat(delivered).containsExactly(before, whileStopped, after);
			assertThat(relay.leader()).isTrue();
		}
	}

}
