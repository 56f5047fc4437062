package io.ov2ha.controller.lifecycle;

import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.failover.FinalStatusNotifier;
import io.ov2ha.controller.finalize.RecordingFinalized;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.webhook.Webhooks;
import tools.jackson.databind.JsonNode;

/**
 * One final event per outcome reaches the customer: OpenVidu's own when its recorder waited for
 * the verified final, the controller's in every other case (and then OpenVidu's is not relayed).
 */
@ControllerTest
class FinalOutcomeTest {

	private static final long T0 = 1700000005000L;

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	RecordingStore store;

	@Autowired
	ApplicationEventPublisher events;

	@Autowired
	FinalStatusNotifier notifier;

	/** A primary registered and OpenVidu said started, then stopped: the recording is STOPPING. */
	private RecordingId stoppedRecording(String prefix) {
		String id = Recordings.newId(prefix);
		assertThat(Api.at(port).asRecorder().post("/api/recordings", registration(id, T0, 0, "aa11")).status())
			.isEqualTo(201);
		assertThat(Webhooks.post(port, Webhooks.started(id, T0)).status()).isEqualTo(200);
		assertThat(Webhooks.post(port, Webhooks.recording(id, T0, "stopped", "lastParticipantLeft", T0 + 60_000))
			.status()).isEqualTo(200);
		return RecordingId.of(id);
	}

	/** What the finalizer stores before it publishes its event. */
	private void finalizerEnds(RecordingId id, RecordingStatus status, boolean controllerAnnounces) {
		store.transition(id, RecordingStatus.FINALIZING, List.of(RecordingStatus.STOPPING), Map.of());
		assertThat(store.transition(id, status, List.of(RecordingStatus.FINALIZING),
				Map.of("controllerAnnounces", controllerAnnounces ? "1" : "0")).code()).isEqualTo(RecordingStore.TransitionCode.CHANGED);
	}

	private static RecordingFinalized finalized(RecordingId id, RecordingStatus status, long epoch, boolean waiting) {
		boolean ready = status == RecordingStatus.READY;
		return new RecordingFinalized(id, T0, status, ready ? null : "verification failed", ready ? "x.mp4" : null,
				ready ? 4_200_000L : 0, ready ? 60.04 : 0, ready, ready, ready ? "640x360" : null, ready ? 15 : null,
				null, epoch, waiting, 0, Instant.now());
	}

	private List<MapRecord<String, Object, Object>> events(RecordingId id) {
		return redis.opsForStream()
			.range(RedisKeys.webhookEvents(), Range.unbounded())
			.stream()
			.filter(e -> id.value().equals(e.getValue().get("recordingId")))
			.toList();
	}

	private List<JsonNode> relayedFinals(RecordingId id) {
		return events(id).stream()
			.filter(e -> "1".equals(e.getValue().get("relay")))
			.map(e -> Api.JSON.readTree(e.getValue().get("body").toString()))
			.filter(j -> "ready".equals(j.path("status").asString()) || "failed".equals(j.path("status").asString()))
			.toList();
	}

	private List<MapRecord<String, Object, Object>> controllerEvents(RecordingId id) {
		return events(id).stream().filter(e -> "controller".equals(e.getValue().get("origin"))).toList();
	}

	@Test
	void openViduAnnouncesWhenItsRecorderWaitedForTheVerifiedFinal() {
		RecordingId id = stoppedRecording("fo1");
		finalizerEnds(id, RecordingStatus.READY, false);

		events.publishEvent(finalized(id, RecordingStatus.READY, 0, true));
		Webhooks.send(port, Webhooks.recording(id.value(), T0, "ready", "lastParticipantLeft", T0 + 70_000));

		assertThat(controllerEvents(id)).isEmpty();
		assertThat(relayedFinals(id)).singleElement().satisfies(j -> assertThat(j.path("status").asString()).isEqualTo("ready"));
		assertThat(store.find(id).orElseThrow().status()).isEqualTo(RecordingStatus.READY);
	}

	@Test
	void whenTheRecorderGaveUpWaitingTheControllersReadyReplacesOpenVidusFailed() {
		RecordingId id = stoppedRecording("fo2");
		store.transition(id, RecordingStatus.FINALIZING, List.of(RecordingStatus.STOPPING), Map.of());

		// the recorder exited before the join ended: OpenVidu found no .info
		Webhooks.send(port, Webhooks.recording(id.value(), T0, "failed", "lastParticipantLeft", T0 + 70_000));
		assertThat(store.find(id).orElseThrow().status()).as("OpenVidu's failed is not the outcome")
			.isEqualTo(RecordingStatus.FINALIZING);

		assertThat(store.transition(id, RecordingStatus.READY, List.of(RecordingStatus.FINALIZING),
				Map.of("controllerAnnounces", "1")).code()).isEqualTo(RecordingStore.TransitionCode.CHANGED);
		events.publishEvent(finalized(id, RecordingStatus.READY, 0, false));

		List<JsonNode> finals = relayedFinals(id);
		assertThat(finals).singleElement().satisfies(j -> {
			assertThat(j.path("status").asString()).isEqualTo("ready");
			assertThat(j.path("size").asLong()).isEqualTo(4_200_000L);
			assertThat(j.path("duration").asDouble()).isEqualTo(60.04);
			assertThat(j.path("resolution").asString()).isEqualTo("640x360");
		});
		assertThat(controllerEvents(id)).hasSize(1);
	}

	@Test
	void aFailedFinalizationIsAnnouncedOnceByTheController() {
		RecordingId id = stoppedRecording("fo3");
		finalizerEnds(id, RecordingStatus.FAILED, true);

		events.publishEvent(finalized(id, RecordingStatus.FAILED, 0, true));
		// the recorder exits, OpenVidu has no .info either
		Webhooks.send(port, Webhooks.recording(id.value(), T0, "failed", "lastParticipantLeft", T0 + 70_000));

		assertThat(relayedFinals(id)).singleElement().satisfies(j -> {
			assertThat(j.path("status").asString()).isEqualTo("failed");
			assertThat(j.path("size").asLong()).isZero();
		});
		assertThat(controllerEvents(id)).hasSize(1);
	}

	@Test
	void aRecordingWhoseFailoversRanOutIsAnnouncedFailedOnce() {
		RecordingId id = stoppedRecording("fo4");
		redis.opsForHash().put(RedisKeys.recording(id), "failoverCount", "5");
		store.transition(id, RecordingStatus.FAILED, List.of(RecordingStatus.STOPPING), Map.of());

		notifier.finalStatusReached(id, RecordingStatus.FAILED, "lastParticipantLeft");
		notifier.finalStatusReached(id, RecordingStatus.FAILED, "lastParticipantLeft");

		assertThat(relayedFinals(id)).singleElement()
			.satisfies(j -> assertThat(j.path("reason").asString()).isEqualTo("lastParticipantLeft"));
	}

	@Test
	void nothingIsAnnouncedForARecordingThatIsNotFinal() {
		RecordingId id = stoppedRecording("fo5");

		notifier.finalStatusReached(id, RecordingStatus.READY, "lastParticipantLeft");

		assertThat(controllerEvents(id)).isEmpty();
	}

}
