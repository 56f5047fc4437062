package io.ov2ha.controller.webhook;

import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.FinalEventOwner;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStopRequested;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;
import tools.jackson.databind.JsonNode;

/** OpenVidu's events drive each recording's state: forward only, duplicates and late events change nothing. */
@ControllerTest
class RecordingStateMachineApiTest {

	private static final long T0 = 1700000005000L;

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	RecordingStore store;

	@Autowired
	ControllerEvents controllerEvents;

	private void send(String body) {
		Webhooks.send(port, body);
	}

	private Recording recording(String id) {
		return store.find(RecordingId.of(id)).orElseThrow();
	}

	private String field(String id, String name) {
		return store.fields(RecordingId.of(id), name).get(0);
	}

	private JsonNode detail(String id) {
		return Api.at(port).asAdmin().get("/api/recordings/" + id).json();
	}

	@Test
	void startedBeforeRegistrationCreatesTheRecordingAndTheRecorderCompletesIt() {
		String id = Recordings.newId("wh1st");

		send(Webhooks.started(id, T0));

		Recording created = recording(id);
		assertThat(created.status()).isEqualTo(RecordingStatus.RECORDING);
		assertThat(created.source()).isEqualTo("webhook");
		assertThat(created.createdAt()).isEqualTo(T0);
		assertThat(created.registeredAt()).isNull();
		assertThat(field(id, "webhookStartedJson")).isEqualTo(Webhooks.started(id, T0));
		assertThat(redis.opsForSet().isMember(RedisKeys.sessionRecordings(id), id)).isTrue();

		Api.Response registered = Api.at(port).asRecorder().post("/api/recordings", registration(id, T0, 0, "c0ffee"));
		assertThat(registered.status()).isEqualTo(201);
		Recording after = recording(id);
		assertThat(after.registeredAt()).isNotNull();
		assertThat(after.source()).isEqualTo("webhook");
		assertThat(after.containerId()).isEqualTo("c0ffee");
		assertThat(Api.at(port).asRecorder().put("/api/recordings/" + id + "/heartbeat", Recordings.heartbeat(0, null))
			.status()).isEqualTo(200);
	}

	@Test
	void startedAfterRegistrationOnlyNotesIt() {
		String id = Recordings.newId("reg1st");
		assertThat(Api.at(port).asRecorder().post("/api/recordings", registration(id, T0, 0, "beef")).status())
			.isEqualTo(201);

		send(Webhooks.started(id, T0));

		assertThat(recording(id).source()).isEqualTo("recorder");
		assertThat(recording(id).status()).isEqualTo(RecordingStatus.RECORDING);
		assertThat(field(id, "openviduStartedAt")).isNotNull();
	}

	@Test
	void stoppedMovesToStoppingWithTheReasonAndPublishesTheStopHookOnce() {
		String id = Recordings.newId("stop");
		send(Webhooks.started(id, T0));

		send(Webhooks.recording(id, T0, "stopped", "lastParticipantLeft", T0 + 20_000));
		send(Webhooks.recording(id, T0, "stopped", "lastParticipantLeft", T0 + 20_001));

		Recording r = recording(id);
		assertThat(r.status()).isEqualTo(RecordingStatus.STOPPING);
		assertThat(r.stopReason()).isEqualTo("lastParticipantLeft");
		assertThat(StopRequests.SEEN.stream().filter(e -> e.id().value().equals(id)).toList())
			.containsExactly(new RecordingStopRequested(RecordingId.of(id), "lastParticipantLeft", "openvidu"));
	}

	@Test
	void readyIsFinalAndNothingMovesItBack() {
		String id = Recordings.newId("ready");
		send(Webhooks.started(id, T0));
		send(Webhooks.recording(id, T0, "stopped", "recordingStoppedByServer", T0 + 10_000));
		send(Webhooks.recording(id, T0, "ready", "recordingStoppedByServer", T0 + 12_000));
		assertThat(recording(id).status()).isEqualTo(RecordingStatus.READY);
		assertThat(field(id, "finalizedBy")).isEqualTo("openvidu");

		// duplicate, late and out-of-order events
		send(Webhooks.recording(id, T0, "ready", "recordingStoppedByServer", T0 + 12_000));
		send(Webhooks.recording(id, T0, "stopped", "recordingStoppedByServer", T0 + 10_001));
		send(Webhooks.started(id, T0));
		send(Webhooks.recording(id, T0, "failed", "recordingStoppedByServer", T0 + 13_000));

		Recording r = recording(id);
		assertThat(r.status()).isEqualTo(RecordingStatus.READY);
		assertThat(r.stopReason()).isEqualTo("recordingStoppedByServer");
		assertThat(field(id, "openviduFinalStatus")).isEqualTo("ready");
	}

	@Test
	void readyWithoutStoppedStillEndsTheRecording() {
		String id = Recordings.newId("nostop");
		send(Webhooks.started(id, T0));

		send(Webhooks.recording(id, T0, "ready", "sessionClosedByServer", T0 + 9_000));

		assertThat(recording(id).status()).isEqualTo(RecordingStatus.READY);
		assertThat(recording(id).stopReason()).isEqualTo("sessionClosedByServer");
	}

	@Test
	void failedFromOpenViduIsFinal() {
		String id = Recordings.newId("fail");
		send(Webhooks.started(id, T0));
		send(Webhooks.recording(id, T0, "failed", null, T0 + 1_000));

		assertThat(recording(id).status()).isEqualTo(RecordingStatus.FAILED);
		assertThat(detail(id).path("statusReason").asString()).contains("failed");
	}

	@Test
	void openVidusOutcomeReplacesAnAbandonedGuess() {
		String id = Recordings.newId("aband");
		send(Webhooks.started(id, T0));
		store.transition(RecordingId.of(id), RecordingStatus.ABANDONED, List.of(RecordingStatus.RECORDING),
				Map.of("statusReason", "test"));

		send(Webhooks.recording(id, T0, "stopped", "automaticStop", T0 + 5_000));
		assertThat(recording(id).status()).isEqualTo(RecordingStatus.ABANDONED);
		send(Webhooks.recording(id, T0, "ready", "automaticStop", T0 + 6_000));
		assertThat(recording(id).status()).isEqualTo(RecordingStatus.READY);
	}

	@Test
	void eventsOfAnEarlierRecordingWithTheSameIdChangeNothing() {
		String id = Recordings.newId("reuse");
		send(Webhooks.started(id, T0 + 100_000));

		send(Webhooks.started(id, T0));
		send(Webhooks.recording(id, T0, "stopped", "lastParticipantLeft", T0 + 1_000));
		send(Webhooks.recording(id, T0, "ready", "lastParticipantLeft", T0 + 2_000));

		Recording r = recording(id);
		assertThat(r.createdAt()).isEqualTo(T0 + 100_000);
		assertThat(r.status()).isEqualTo(RecordingStatus.RECORDING);
	}

	@Test
	void aReusedIdOfAFinishedRecordingStartsANewOneAndKeepsTheOld() {
		String id = Recordings.newId("again");
		send(Webhooks.started(id, T0));
		send(Webhooks.recording(id, T0, "ready", "lastParticipantLeft", T0 + 2_000));

		send(Webhooks.started(id, T0 + 50_000));

		assertThat(recording(id).createdAt()).isEqualTo(T0 + 50_000);
		assertThat(recording(id).status()).isEqualTo(RecordingStatus.RECORDING);
		assertThat(redis.opsForList().size(RedisKeys.previous(RecordingId.of(id)))).isEqualTo(1);
	}

	@Test
	void recordingsOpenViduRecordsWithoutOurContainerAreNotCreated() {
		String id = Recordings.newId("indiv");
		send(Webhooks.started(id, T0).replace("\"outputMode\":\"COMPOSED\"", "\"outputMode\":\"INDIVIDUAL\""));
		String audioOnly = Recordings.newId("audio");
		send(Webhooks.started(audioOnly, T0).replace("\"hasVideo\":true", "\"hasVideo\":false"));

		assertThat(store.find(RecordingId.of(id))).isEmpty();
		assertThat(store.find(RecordingId.of(audioOnly))).isEmpty();
	}

	@Test
	void sessionDestroyedFlagsTheSessionsUnfinishedRecordings() {
		String session = Recordings.newId("sess");
		String active = session + "~1";
		String done = session + "~2";
		send(Webhooks.started(active, T0));
		send(Webhooks.started(done, T0));
		send(Webhooks.recording(done, T0, "ready", "lastParticipantLeft", T0 + 1_000));

		send(Webhooks.sessionDestroyed(session, "lastParticipantLeft", T0 + 2_000));

		assertThat(field(active, "sessionDestroyedAt")).isNotNull();
		assertThat(field(active, "sessionDestroyedReason")).isEqualTo("lastParticipantLeft");
		assertThat(field(done, "sessionDestroyedAt")).isNull();
		assertThat(redis.hasKey(RedisKeys.sessionRecordings(session))).isFalse();
	}

	@Test
	void aControllerFinalizedRecordingKeepsOpenViduOutOfItsOutcome() {
		String id = Recordings.newId("failover");
		assertThat(Api.at(port).asRecorder().post("/api/recordings", registration(id, T0, 0, "cafe")).status())
			.isEqualTo(201);
		send(Webhooks.started(id, T0));
		send(Webhooks.recording(id, T0, "stopped", "lastParticipantLeft", T0 + 20_000));
		redis.opsForHash().put(RedisKeys.recording(RecordingId.of(id)), "failoverCount", "1");

		Api.Response failed = Webhooks.post(port, Webhooks.recording(id, T0, "failed", "lastParticipantLeft", T0 + 50_000));

		Recording r = recording(id);
		assertThat(FinalEventOwner.controllerAnnounces(r.failoverCount(), null, r.status())).isTrue();
		assertThat(r.status()).as("OpenVidu's result is not the outcome").isEqualTo(RecordingStatus.STOPPING);
		assertThat(field(id, "openviduFinalStatus")).isEqualTo("failed");
		assertThat(field(id, "openviduFinalSuppressed")).isEqualTo("1");
		String entryId = Api.JSON.readTree(failed.body()).path("eventId").asString();
		assertThat(streamEntry(entryId).getValue()).containsEntry("relay", "0").containsEntry("note", "controller-finalized");

		// the controller finalizes and tells the customer itself
		store.transition(RecordingId.of(id), RecordingStatus.READY, List.of(RecordingStatus.STOPPING), Map.of());
		RecordingMedia media = new RecordingMedia(5_000_000L, 61.25, "1280x720", 25, true, true);
		ControllerEvents.Emitted first = controllerEvents.emitRecordingStatusChanged(recording(id),
				OpenViduRecordingStatus.READY, media);
		ControllerEvents.Emitted again = controllerEvents.emitRecordingStatusChanged(recording(id),
				OpenViduRecordingStatus.READY, media);
		String eventId = first.eventId();

		assertThat(eventId).isEqualTo(id + ":" + T0 + ":ready").isEqualTo(again.eventId());
		assertThat(first.stored()).isTrue();
		assertThat(again.stored()).as("the same status again stores nothing").isFalse();
		List<MapRecord<String, Object, Object>> emitted = redis.opsForStream()
			.range(RedisKeys.webhookEvents(), Range.unbounded())
			.stream()
			.filter(e -> eventId.equals(e.getValue().get("eventId")))
			.toList();
		assertThat(emitted).hasSize(1);
		assertThat(emitted.get(0).getValue()).containsEntry("origin", "controller").containsEntry("relay", "1");
		String body = emitted.get(0).getValue().get("body").toString();
		JsonNode json = Api.JSON.readTree(body);
		assertThat(fieldNames(json)).containsExactly("sessionId", "uniqueSessionId", "timestamp", "startTime",
				"duration", "reason", "id", "name", "outputMode", "resolution", "frameRate", "recordingLayout",
				"hasAudio", "hasVideo", "size", "status", "event");
		assertThat(json.path("sessionId").asString()).isEqualTo(id);
		assertThat(json.path("uniqueSessionId").asString()).isEqualTo(id + "_1700000000000");
		assertThat(json.path("startTime").asLong()).isEqualTo(T0);
		assertThat(json.path("duration").isDouble()).isTrue();
		assertThat(json.path("duration").asDouble()).isEqualTo(61.25);
		assertThat(json.path("reason").asString()).isEqualTo("lastParticipantLeft");
		assertThat(json.path("size").asLong()).isEqualTo(5_000_000L);
		assertThat(json.path("frameRate").asInt()).isEqualTo(25);
		assertThat(json.path("status").asString()).isEqualTo("ready");
		assertThat(json.path("event").asString()).isEqualTo("recordingStatusChanged");
		assertThat(field(id, "controllerEventId")).isEqualTo(eventId);
	}

	@Test
	void aControllerEventForAWebhookCreatedRecordingUsesOpenVidusStartedEvent() {
		String id = Recordings.newId("ctlwh");
		send(Webhooks.started(id, T0));
		store.transition(RecordingId.of(id), RecordingStatus.FAILED, List.of(RecordingStatus.RECORDING),
				Map.of("stopReason", "nodeCrashed"));

		String eventId = controllerEvents.emitRecordingStatusChanged(recording(id), OpenViduRecordingStatus.FAILED, null)
			.eventId();

		String body = redis.opsForStream()
			.range(RedisKeys.webhookEvents(), Range.unbounded())
			.stream()
			.filter(e -> eventId.equals(e.getValue().get("eventId")))
			.findFirst()
			.orElseThrow()
			.getValue()
			.get("body")
			.toString();
		JsonNode json = Api.JSON.readTree(body);
		assertThat(json.path("uniqueSessionId").asString()).isEqualTo(id + "_1700000000000");
		assertThat(json.path("recordingLayout").asString()).isEqualTo("BEST_FIT");
		assertThat(json.path("size").asLong()).isZero();
		assertThat(json.path("duration").asDouble()).isZero();
		assertThat(json.path("reason").asString()).isEqualTo("nodeCrashed");
		assertThat(json.path("status").asString()).isEqualTo("failed");
	}

	private MapRecord<String, Object, Object> streamEntry(String entryId) {
		return redis.opsForStream().range(RedisKeys.webhookEvents(), Range.closed(entryId, entryId)).get(0);
	}

	private static List<String> fieldNames(JsonNode node) {
		List<String> names = new java.util.ArrayList<>();
		node.properties().forEach(e -> names.add(e.getKey()));
		return names;
	}

}
