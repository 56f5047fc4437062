package io.ov2ha.controller.recording;

import static io.ov2ha.controller.support.Recordings.chunk;
import static io.ov2ha.controller.support.Recordings.heartbeat;
import static io.ov2ha.controller.support.Recordings.hex;
import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestSecrets;
import tools.jackson.databind.JsonNode;

@ControllerTest
class RecordingRegistryApiTest {

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	RecordingStore store;

	Api recorder;

	Api admin;

	String id;

	@BeforeEach
	void setUp() {
		recorder = Api.at(port).asRecorder();
		admin = Api.at(port).asAdmin();
		id = Recordings.newId("reg");
	}

	private Api.Response register(long epoch, String container) {
		return recorder.post("/api/recordings", registration(id, 1700000005000L, epoch, container));
	}

	@Test
	void registrationCreatesARecordingThatAdminsCanRead() {
		Api.Response created = register(0, "aa11");

		assertThat(created.status()).isEqualTo(201);
		assertThat(created.json().path("status").asString()).isEqualTo("RECORDING");
		assertThat(created.json().path("heartbeatIntervalSeconds").asLong()).isEqualTo(1);
		JsonNode detail = admin.get("/api/recordings/" + id).json();
		assertThat(detail.path("createdAt").asLong()).isEqualTo(1700000005000L);
		assertThat(detail.path("epoch").asLong()).isZero();
		assertThat(detail.path("sessionId").asString()).isEqualTo(id);
		assertThat(detail.path("currentContainer").path("containerId").asString()).isEqualTo("aa11");
		assertThat(detail.path("currentContainer").path("role").asString()).isEqualTo("primary");
		assertThat(detail.path("recordingJson").path("uniqueSessionId").asString()).isEqualTo(id + "_1700000000000");
		assertThat(detail.path("failoverCount").asInt()).isZero();
	}

	@Test
	void theOpenViduSecretIsStoredButMaskedInTheApi() {
		register(0, "aa11");

		String body = admin.get("/api/recordings/" + id).body();
		assertThat(body).doesNotContain(TestSecrets.OPENVIDU_SECRET).contains("OPENVIDUAPP:****@");
		assertThat(redis.opsForHash().get(RedisKeys.recording(RecordingId.of(id)), "env").toString())
			.contains(TestSecrets.OPENVIDU_SECRET);
	}

	@Test
	void repeatingTheSameRegistrationIsIdempotent() {
		Api.Response first = register(0, "aa11");
		Api.Response again = register(0, "aa11");

		assertThat(again.status()).isEqualTo(200);
		assertThat(again.json()).isEqualTo(first.json());
		assertThat(admin.get("/api/recordings/" + id).json().path("containers").size()).isEqualTo(1);
	}

	@Test
	void anotherContainerAtTheSameEpochIsAConflict() {
		register(0, "aa11");

		Api.Response other = register(0, "bb22");

		assertThat(other.status()).isEqualTo(409);
		assertThat(other.problem()).isEqualTo("container-conflict");
		assertThat(admin.get("/api/recordings/" + id).json().path("currentContainer").path("containerId").asString())
			.isEqualTo("aa11");
	}

	@Test
	void registrationMustCarryOpenVidusIdAndCreationTime() {
		Map<String, Object> body = registration(id, 1700000005000L, 0, "aa11");
		@SuppressWarnings("unchecked")
		Map<String, Object> json = (Map<String, Object>) body.get("recordingJson");
		json.remove("createdAt");

		Api.Response response = recorder.post("/api/recordings", body);

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.json().path("detail").asString()).contains("createdAt");
		assertThat(admin.get("/api/recordings/" + id).status()).isEqualTo(404);
	}

	@Test
	void onlyOpenVidusVariablesAreKeptFromTheEnvironment() {
		Map<String, Object> body = registration(id, 1700000005000L, 0, "aa11");
		@SuppressWarnings("unchecked")
		Map<String, String> env = (Map<String, String>) body.get("env");
		env.put("LD_PRELOAD", "/tmp/evil.so");

		assertThat(recorder.post("/api/recordings", body).status()).isEqualTo(201);

		assertThat(admin.get("/api/recordings/" + id).json().path("env").has("LD_PRELOAD")).isFalse();
	}

	@Test
	void heartbeatUpdatesTheLastHeartbeat() {
		register(0, "aa11");

		Api.Response ack = recorder.put("/api/recordings/" + id + "/heartbeat", heartbeat(0, 4L));

		assertThat(ack.status()).isEqualTo(200);
		assertThat(ack.json().path("epoch").asLong()).isZero();
		JsonNode hb = admin.get("/api/recordings/" + id).json().path("lastHeartbeat");
		assertThat(hb.path("lastChunkSeq").asLong()).isEqualTo(4);
		assertThat(hb.path("freeDiskBytes").asLong()).isEqualTo(10_000_000_000L);
		assertThat(redis.opsForZSet().score(RedisKeys.heartbeatIndex(), id)).isNotNull();
	}

	@Test
	void heartbeatsCarryThePhaseAndTheCaptureProgressAndTrackWhenTheMediaLastAdvanced() {
		register(0, "aa11");
		assertThat(recorder.put("/api/recordings/" + id + "/heartbeat", progress(0, "starting", null, null, null))
			.status()).isEqualTo(200);
		JsonNode starting = admin.get("/api/recordings/" + id).json().path("lastHeartbeat");
		assertThat(starting.path("phase").asString()).isEqualTo("starting");
		assertThat(starting.path("progressAt").isNull()).isTrue();

		recorder.put("/api/recordings/" + id + "/heartbeat", progress(0, "capturing", 31000L, 25L, 0.5));
		JsonNode first = admin.get("/api/recordings/" + id).json().path("lastHeartbeat");
		assertThat(first.path("phase").asString()).isEqualTo("capturing");
		assertThat(first.path("mediaTimeMs").asLong()).isEqualTo(31000);
		assertThat(first.path("frames").asLong()).isEqualTo(25);
		assertThat(first.path("speed").asDouble()).isEqualTo(0.5);
		assertThat(first.path("slow").asBoolean()).isTrue();
		assertThat(first.path("progressAt").asString()).isNotEmpty();

		// the same media time again: no progress, the time of the last progress stays
		String key = RedisKeys.recording(RecordingId.of(id));
		redis.opsForHash().put(key, "hbAdvancedAt", "1000");
		recorder.put("/api/recordings/" + id + "/heartbeat", progress(0, "capturing", 31000L, 25L, 1.0));
		assertThat(redis.opsForHash().get(key, "hbAdvancedAt")).isEqualTo("1000");
		// more frames: progress
		recorder.put("/api/recordings/" + id + "/heartbeat", progress(0, "capturing", 31000L, 26L, 1.0));
		assertThat(redis.opsForHash().get(key, "hbAdvancedAt")).isNotEqualTo("1000");
		assertThat(admin.get("/api/recordings/" + id).json().path("lastHeartbeat").path("slow").asBoolean()).isFalse();
		// the recorder tells how old ffmpeg's report is: the progress counts from that report
		redis.opsForHash().put(key, "hbAdvancedAt", "1000");
		long before = System.currentTimeMillis();
		Map<String, Object> aged = progress(0, "capturing", 32000L, 50L, 1.0);
		aged.put("progressAgeMs", 2500);
		recorder.put("/api/recordings/" + id + "/heartbeat", aged);
		long advancedAt = Long.parseLong(redis.opsForHash().get(key, "hbAdvancedAt").toString());
		assertThat(advancedAt).isBetween(before - 2500 - 1000, System.currentTimeMillis() - 2500 + 1000);
		// and the media time is dated by that report (where a cut at a loss puts it)
		long heartbeatAt = Long.parseLong(redis.opsForHash().get(key, "lastHeartbeatAt").toString());
		assertThat(redis.opsForHash().get(key, "hbMediaAtMs")).isEqualTo(Long.toString(heartbeatAt - 2500));
		// never before the progress already seen
		Map<String, Object> older = progress(0, "capturing", 33000L, 75L, 1.0);
		older.put("progressAgeMs", 3_600_000);
		recorder.put("/api/recordings/" + id + "/heartbeat", older);
		assertThat(redis.opsForHash().get(key, "hbAdvancedAt")).isEqualTo(Long.toString(advancedAt));

		// a new epoch (a failover) starts its progress over: the dead recorder's facts are not shown
		redis.opsForHash().put(RedisKeys.recording(RecordingId.of(id)), "epoch", "1");
		JsonNode afterFailover = admin.get("/api/recordings/" + id).json().path("lastHeartbeat");
		assertThat(afterFailover.path("phase").isNull()).isTrue();
		assertThat(afterFailover.path("frames").isNull()).isTrue();
		recorder.put("/api/recordings/" + id + "/heartbeat", progress(1, "capturing", 200L, 5L, 1.0));
		JsonNode backup = admin.get("/api/recordings/" + id).json().path("lastHeartbeat");
		assertThat(backup.path("frames").asLong()).isEqualTo(5);
		assertThat(backup.path("progressAt").asString()).isNotEmpty();
	}

	@Test
	void aCapturingHeartbeatWithoutGrowthSinceTheLastOneIsAStandstill() {
		register(0, "aa13");
		RecordingId rid = RecordingId.of(id);
		assertThat(standstill(rid, 0, RecorderProgress.Phase.STARTING, null, null)).isEqualTo("0");
		// the first capturing heartbeat of an epoch is progress
		assertThat(standstill(rid, 0, RecorderProgress.Phase.CAPTURING, 4000L, 100L)).isEqualTo("0");
		assertThat(standstill(rid, 0, RecorderProgress.Phase.CAPTURING, 4000L, 100L)).isEqualTo("1");
		assertThat(standstill(rid, 0, RecorderProgress.Phase.CAPTURING, 4000L, 101L)).isEqualTo("0");
		assertThat(standstill(rid, 0, RecorderProgress.Phase.CAPTURING, 5000L, 101L)).isEqualTo("0");
		assertThat(standstill(rid, 0, RecorderProgress.Phase.STOPPING, 5000L, 101L)).isEqualTo("0");
		// a new epoch starts over
		redis.opsForHash().put(RedisKeys.recording(rid), "epoch", "1");
		assertThat(standstill(rid, 1, RecorderProgress.Phase.CAPTURING, 5000L, 101L)).isEqualTo("0");
		assertThat(standstill(rid, 1, RecorderProgress.Phase.CAPTURING, 5000L, 101L)).isEqualTo("1");
	}

	private String standstill(RecordingId rid, long epoch, RecorderProgress.Phase phase, Long mediaTimeMs, Long frames) {
		var outcome = store.heartbeat(rid, epoch, null, 0, 0, phase, mediaTimeMs, frames, 1.0, null, RecorderContent.NONE);
		assertThat(outcome.code()).isEqualTo(RecordingStore.HeartbeatCode.OK);
		return outcome.value(2);
	}

	@Test
	void heartbeatsCarryWhatTheScreenShows() {
		register(0, "aa12");
		JsonNode none = admin.get("/api/recordings/" + id).json().path("lastHeartbeat");
		assertThat(none.path("content").isNull()).as("no heartbeat yet").isTrue();
		recorder.put("/api/recordings/" + id + "/heartbeat", progress(0, "capturing", 3000L, 75L, 1.0));
		JsonNode unknown = admin.get("/api/recordings/" + id).json().path("lastHeartbeat");
		assertThat(unknown.path("content").isNull()).as("a recorder that does not probe").isTrue();

		Map<String, Object> pending = progress(0, "capturing", 1000L, 25L, 1.0);
		pending.put("content", "pending");
		assertThat(recorder.put("/api/recordings/" + id + "/heartbeat", pending).status()).isEqualTo(200);
		JsonNode p = admin.get("/api/recordings/" + id).json().path("lastHeartbeat");
		assertThat(p.path("content").asString()).as("probing, no probe concluded yet").isEqualTo("pending");
		assertThat(p.path("shownMediaMs").isNull()).isTrue();
		Map<String, Object> unknownState = progress(0, "capturing", 2000L, 50L, 1.0);
		unknownState.put("content", "grey");
		var refused = recorder.put("/api/recordings/" + id + "/heartbeat", unknownState);
		assertThat(refused.status()).isEqualTo(400);
		assertThat(refused.body()).contains("must be shown, blank or pending");

		Map<String, Object> blank = progress(0, "capturing", 9000L, 225L, 1.0);
		blank.put("content", "blank");
		blank.put("blankMs", 6000);
		blank.put("shownMediaMs", null);
		assertThat(recorder.put("/api/recordings/" + id + "/heartbeat", blank).status()).isEqualTo(200);
		JsonNode b = admin.get("/api/recordings/" + id).json().path("lastHeartbeat");
		assertThat(b.path("content").asString()).isEqualTo("blank");
		assertThat(b.path("blankMs").asLong()).isEqualTo(6000);
		assertThat(b.path("shownMediaMs").isNull()).isTrue();

		Map<String, Object> shown = progress(0, "capturing", 11000L, 275L, 1.0);
		shown.put("content", "shown");
		shown.put("blankMs", 0);
		shown.put("shownMediaMs", 10500);
		recorder.put("/api/recordings/" + id + "/heartbeat", shown);
		JsonNode s = admin.get("/api/recordings/" + id).json().path("lastHeartbeat");
		assertThat(s.path("content").asString()).isEqualTo("shown");
		assertThat(s.path("blankMs").asLong()).isZero();
		assertThat(s.path("shownMediaMs").asLong()).isEqualTo(10500);
	}

	private static Map<String, Object> progress(long epoch, String phase, Long mediaTimeMs, Long frames, Double speed) {
		Map<String, Object> body = heartbeat(epoch, null);
		body.put("phase", phase);
		body.put("mediaTimeMs", mediaTimeMs);
		body.put("frames", frames);
		body.put("speed", speed);
		return body;
	}

	@Test
	void aStaleEpochIsRefusedAndChangesNothing() {
		register(0, "aa11");
		recorder.put("/api/recordings/" + id + "/heartbeat", heartbeat(0, 1L));
		// what a failover does: the recording now belongs to the recorder of epoch 1
		redis.opsForHash().put(RedisKeys.recording(RecordingId.of(id)), "epoch", "1");
		Map<Object, Object> before = redis.opsForHash().entries(RedisKeys.recording(RecordingId.of(id)));
		long chunksBefore = redis.opsForHash().size(RedisKeys.chunks(RecordingId.of(id)));

		Api.Response hb = recorder.put("/api/recordings/" + id + "/heartbeat", heartbeat(0, 9L));
		Api.Response chunk = recorder.post("/api/recordings/" + id + "/chunks",
				chunk(id + "/chunks/000002-e0.ts", 2, 0, 10.0, hex('a')));
		Api.Response reRegister = register(0, "aa11");

		for (Api.Response r : new Api.Response[] { hb, chunk, reRegister }) {
			assertThat(r.status()).isEqualTo(409);
			assertThat(r.problem()).isEqualTo("stale-epoch");
			assertThat(r.json().path("currentEpoch").asLong()).isEqualTo(1);
		}
		assertThat(redis.opsForHash().entries(RedisKeys.recording(RecordingId.of(id)))).isEqualTo(before);
		assertThat(redis.opsForHash().size(RedisKeys.chunks(RecordingId.of(id)))).isEqualTo(chunksBefore);
	}

	@Test
	void aFutureEpochIsRefusedToo() {
		register(0, "aa11");

		Api.Response hb = recorder.put("/api/recordings/" + id + "/heartbeat", heartbeat(3, 9L));

		assertThat(hb.status()).isEqualTo(409);
		assertThat(hb.problem()).isEqualTo("stale-epoch");
	}

	@Test
	void heartbeatOfAnUnknownRecordingIsNotFound() {
		Api.Response hb = recorder.put("/api/recordings/" + id + "/heartbeat", heartbeat(0, null));

		assertThat(hb.status()).isEqualTo(404);
		assertThat(hb.problem()).isEqualTo("recording-not-found");
	}

	@Test
	void chunkReportsBuildTheManifestWithGaps() {
		register(0, "aa11");
		for (long seq : new long[] { 0, 1, 4 }) {
			Api.Response r = recorder.post("/api/recordings/" + id + "/chunks",
					chunk(id + "/chunks/" + String.format("%06d", seq) + "-e0.ts", seq, 0, 10.0, hex('a')));
			assertThat(r.status()).isEqualTo(201);
		}

		JsonNode manifest = admin.get("/api/recordings/" + id + "/chunks").json();

		assertThat(manifest.path("count").asLong()).isEqualTo(3);
		assertThat(manifest.path("seconds").asDouble()).isEqualTo(30.0);
		assertThat(manifest.path("chunks").get(2).path("seq").asLong()).isEqualTo(4);
		assertThat(manifest.path("gaps").size()).isEqualTo(1);
		assertThat(manifest.path("gaps").get(0).path("fromSeq").asLong()).isEqualTo(2);
		assertThat(manifest.path("gaps").get(0).path("toSeq").asLong()).isEqualTo(3);
		JsonNode detail = admin.get("/api/recordings/" + id).json().path("chunks");
		assertThat(detail.path("count").asLong()).isEqualTo(3);
		assertThat(detail.path("lastSeq").asLong()).isEqualTo(4);
	}

	@Test
	void aRepeatedChunkReportIsIdempotentAndADifferentOneConflicts() {
		register(0, "aa11");
		String key = id + "/chunks/000000-e0.ts";
		recorder.post("/api/recordings/" + id + "/chunks", chunk(key, 0, 0, 10.0, hex('a')));

		Api.Response same = recorder.post("/api/recordings/" + id + "/chunks", chunk(key, 0, 0, 10.0, hex('a')));
		Api.Response different = recorder.post("/api/recordings/" + id + "/chunks", chunk(key, 0, 0, 10.0, hex('b')));

		assertThat(same.status()).isEqualTo(200);
		assertThat(same.json().path("created").asBoolean()).isFalse();
		assertThat(different.status()).isEqualTo(409);
		assertThat(different.problem()).isEqualTo("chunk-conflict");
		assertThat(admin.get("/api/recordings/" + id).json().path("chunks").path("count").asLong()).isEqualTo(1);
	}

	@Test
	void aChunkMustNameItsOwnStorageKey() {
		register(0, "aa11");

		Api.Response r = recorder.post("/api/recordings/" + id + "/chunks",
				chunk("../../etc/passwd", 0, 0, 10.0, hex('a')));

		assertThat(r.status()).isEqualTo(400);
		assertThat(r.json().path("expectedStorageKey").asString()).isEqualTo(id + "/chunks/000000-e0.ts");
	}

	@Test
	void stopMovesTheRecordingToStoppingOnce() {
		register(0, "aa11");

		Api.Response stop = admin.post("/api/recordings/" + id + "/stop", null);
		Api.Response again = admin.post("/api/recordings/" + id + "/stop", null);

		assertThat(stop.status()).isEqualTo(202);
		assertThat(stop.json().path("status").asString()).isEqualTo("STOPPING");
		assertThat(stop.json().path("stopReason").asString()).isEqualTo("stoppedByAdmin");
		assertThat(again.status()).isEqualTo(202);
		assertThat(redis.opsForZSet().score(RedisKeys.statusIndex("STOPPING"), id)).isNotNull();
		assertThat(redis.opsForZSet().score(RedisKeys.statusIndex("RECORDING"), id)).isNull();
		// a stopping recorder still heartbeats and drains its uploads
		assertThat(recorder.put("/api/recordings/" + id + "/heartbeat", heartbeat(0, 1L)).status()).isEqualTo(200);
	}

	@Test
	void deleteRefusesAnActiveRecordingUnlessForced() {
		register(0, "aa11");

		Api.Response refused = admin.delete("/api/recordings/" + id);
		Api.Response forced = admin.delete("/api/recordings/" + id + "?force=true");

		assertThat(refused.status()).isEqualTo(409);
		assertThat(refused.problem()).isEqualTo("recording-active");
		assertThat(refused.json().path("recordingStatus").asString()).isEqualTo("RECORDING");
		assertThat(forced.status()).isEqualTo(204);
		assertThat(admin.get("/api/recordings/" + id).status()).isEqualTo(404);
		assertThat(redis.hasKey(RedisKeys.chunks(RecordingId.of(id)))).isFalse();
		assertThat(redis.opsForZSet().score(RedisKeys.allIndex(), id)).isNull();
		assertThat(redis.opsForZSet().score(RedisKeys.heartbeatIndex(), id)).isNull();
	}

	@Test
	void aFinalRecordingIsDeletedWithoutForceAndRefusesRecorders() {
		register(0, "aa11");
		markFinal(id);

		assertThat(recorder.put("/api/recordings/" + id + "/heartbeat", heartbeat(0, 1L)).problem())
			.isEqualTo("recording-final");
		assertThat(admin.post("/api/recordings/" + id + "/stop", null).problem()).isEqualTo("recording-final");
		assertThat(admin.delete("/api/recordings/" + id).status()).isEqualTo(204);
	}

	@Test
	void openViduReusingAnIdOfAFinishedRecordingKeepsTheOldState() {
		register(0, "aa11");
		recorder.post("/api/recordings/" + id + "/chunks", chunk(id + "/chunks/000000-e0.ts", 0, 0, 10.0, hex('a')));
		markFinal(id);

		Api.Response reused = recorder.post("/api/recordings", registration(id, 1800000000000L, 0, "cc33"));

		assertThat(reused.status()).isEqualTo(201);
		JsonNode detail = admin.get("/api/recordings/" + id).json();
		assertThat(detail.path("createdAt").asLong()).isEqualTo(1800000000000L);
		assertThat(detail.path("chunks").path("count").asLong()).isZero();
		RecordingId rid = RecordingId.of(id);
		assertThat(redis.opsForList().size(RedisKeys.previous(rid))).isEqualTo(1);
		assertThat(redis.opsForList().index(RedisKeys.previous(rid), 0)).contains("1700000005000")
			.doesNotContain(TestSecrets.OPENVIDU_SECRET);
		assertThat(redis.opsForHash().size(RedisKeys.chunks(rid) + ":1700000005000")).isEqualTo(1);
	}

	@Test
	void anActiveRecordingCannotBeReplacedByANewOneWithTheSameId() {
		register(0, "aa11");

		Api.Response other = recorder.post("/api/recordings", registration(id, 1800000000000L, 0, "cc33"));

		assertThat(other.status()).isEqualTo(409);
		assertThat(other.problem()).isEqualTo("recording-id-in-use");
	}

	private void markFinal(String recordingId) {
		// what the finalizer does at the end
		assertThat(store.advance(RecordingId.of(recordingId), RecordingStatus.READY, Map.of()).code())
			.isEqualTo(RecordingStore.TransitionCode.CHANGED);
	}

}
