package io.ov2ha.controller.recording;

import static io.ov2ha.controller.support.Recordings.chunk;
import static io.ov2ha.controller.support.Recordings.heartbeat;
import static io.ov2ha.controller.support.Recordings.hex;
import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.storage.ChunkKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;

/**
 * Epoch fencing holds for every epoch (issue 15, items 1, 2, 4): epochs and seqs are bounded at
 * the API, compared exactly in the scripts, a new recording registers at epoch 0 only, and a
 * transition carries the epoch it expects.
 */
@ControllerTest
class EpochFencingApiTest {

	static final long TWO_53 = 9_007_199_254_740_992L;

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	RecordingStore store;

	Api recorder;

	Api admin;

	String id;

	RecordingId rid;

	@BeforeEach
	void setUp() {
		recorder = Api.at(port).asRecorder();
		admin = Api.at(port).asAdmin();
		id = Recordings.newId("fence");
		rid = RecordingId.of(id);
	}

	private Api.Response register(long epoch) {
		return recorder.post("/api/recordings", registration(id, 1700000005000L, epoch, "aa11"));
	}

	private Api.Response reportChunk(long seq, long epoch) {
		return recorder.post("/api/recordings/" + id + "/chunks",
				chunk(ChunkKeys.localPath(rid, Math.min(seq, 999_999_999L), epoch), seq, epoch, 10.0, hex('a')));
	}

	private String field(String name) {
		Object v = redis.opsForHash().get(RedisKeys.recording(rid), name);
		return v == null ? null : v.toString();
	}

	@Test
	void epochsBeyondTheBoundAre400AndStoreNothing() {
		for (long epoch : new long[] { TWO_53, TWO_53 + 1, RecorderLimits.MAX_EPOCH + 1, Long.MAX_VALUE }) {
			Api.Response response = register(epoch);
			assertThat(response.status()).as("epoch %d", epoch).isEqualTo(400);
			assertThat(response.problem()).isEqualTo("invalid-request");
		}
		assertThat(redis.hasKey(RedisKeys.recording(rid))).isFalse();
	}

	@Test
	void aNewRecordingRegistersAtEpochZeroOnly() {
		Api.Response response = register(1);

		assertThat(response.status()).isEqualTo(409);
		assertThat(response.problem()).isEqualTo("epoch-not-issued");
		assertThat(redis.hasKey(RedisKeys.recording(rid))).isFalse();
		assertThat(register(RecorderLimits.MAX_EPOCH).problem()).isEqualTo("epoch-not-issued");
		assertThat(register(0).status()).isEqualTo(201);
	}

	@Test
	void aRecordingIdReusedAfterItsEndAlsoRegistersAtEpochZeroOnly() {
		register(0);
		redis.opsForHash().put(RedisKeys.recording(rid), "status", "READY");

		Api.Response response = recorder.post("/api/recordings", registration(id, 1700000009000L, 3, "bb22"));

		assertThat(response.problem()).isEqualTo("epoch-not-issued");
		assertThat(field("createdAt")).as("the finished recording was not archived").isEqualTo("1700000005000");
	}

	@Test
	void aHeartbeatOneAboveTwoTo53IsStale() {
		register(0);
		// an epoch stored before the bound existed
		redis.opsForHash().put(RedisKeys.recording(rid), "epoch", Long.toString(TWO_53));

		// refused at the API (beyond the epoch bound), and stale in the script (exact comparison)
		assertThat(recorder.put("/api/recordings/" + id + "/heartbeat", heartbeat(TWO_53 + 1, null)).status())
			.isEqualTo(400);
		var outcome = store.heartbeat(rid, TWO_53 + 1, null, 0, 0, null, null, null, null, null, RecorderContent.NONE);
		assertThat(outcome.code()).isEqualTo(RecordingStore.HeartbeatCode.STALE_EPOCH);
		assertThat(outcome.value(0)).isEqualTo(Long.toString(TWO_53));
	}

	@Test
	void aChunkOneAboveTwoTo53IsRefusedAtTheApiAndStaleInTheScript() {
		register(0);
		redis.opsForHash().put(RedisKeys.recording(rid), "epoch", Long.toString(TWO_53));

		assertThat(reportChunk(0, TWO_53 + 1).status()).isEqualTo(400);
		var outcome = store.reportChunk(rid, new ChunkEntry(0, TWO_53 + 1, 10.0, 1024, "sha256:" + hex('a'),
				ChunkKeys.localPath(rid, 0, TWO_53 + 1), Instant.now()), RecorderLimits.MAX_CHUNKS);
		assertThat(outcome.code()).isEqualTo(RecordingStore.ChunkCode.STALE_EPOCH);
		assertThat(redis.opsForHash().size(RedisKeys.chunks(rid))).isZero();
	}

	@Test
	void chunkSeqsBeyondTheBoundAre400() {
		register(0);
		for (long seq : new long[] { RecorderLimits.MAX_CHUNK_SEQ + 1, TWO_53, Long.MAX_VALUE }) {
			Api.Response response = reportChunk(seq, 0);
			assertThat(response.status()).as("seq %d", seq).isEqualTo(400);
			assertThat(response.problem()).isEqualTo("invalid-request");
		}
		assertThat(reportChunk(RecorderLimits.MAX_CHUNK_SEQ, 0).status()).isEqualTo(201);
		assertThat(field("lastChunkSeq")).isEqualTo(Long.toString(RecorderLimits.MAX_CHUNK_SEQ));
	}

	@Test
	void chunkSizesAndHeartbeatCountsBeyondTheirBoundsAre400AndStoreNothing() {
		register(0);
		String path = "/api/recordings/" + id + "/chunks";
		String storageKey = ChunkKeys.localPath(rid, 1, 0);
		String[] chunks = { "\"durationSeconds\":3600.5,\"sizeBytes\":1024", "\"durationSeconds\":1e400,\"sizeBytes\":1024",
				"\"durationSeconds\":10.0,\"sizeBytes\":" + (RecorderLimits.MAX_CHUNK_BYTES + 1),
				"\"durationSeconds\":10.0,\"sizeBytes\":9223372036854775807" };
		for (String fields : chunks) {
			Api.Response response = recorder.post(path, "{\"seq\":1,\"epoch\":0," + fields + ",\"checksum\":\"sha256:"
					+ hex('a') + "\",\"storageKey\":\"" + storageKey + "\"}");
			assertThat(response.status()).as(fields).isEqualTo(400);
			assertThat(response.problem()).as(fields).isEqualTo("invalid-request");
		}
		assertThat(redis.opsForHash().size(RedisKeys.chunks(rid))).isZero();

		String heartbeatPath = "/api/recordings/" + id + "/heartbeat";
		for (String fields : new String[] { "\"uploadBacklog\":" + (RecorderLimits.MAX_UPLOAD_BACKLOG + 1),
				"\"freeDiskBytes\":" + (RecorderLimits.MAX_FREE_DISK_BYTES + 1),
				"\"freeDiskBytes\":9223372036854775807" }) {
			Api.Response response = recorder.put(heartbeatPath, "{\"epoch\":0," + fields + "}");
			assertThat(response.status()).as(fields).isEqualTo(400);
			assertThat(response.problem()).as(fields).isEqualTo("invalid-request");
		}
		assertThat(recorder.put(heartbeatPath, "{\"epoch\":0,\"uploadBacklog\":" + RecorderLimits.MAX_UPLOAD_BACKLOG
				+ ",\"freeDiskBytes\":" + RecorderLimits.MAX_FREE_DISK_BYTES + "}").status()).isEqualTo(200);
		assertThat(reportChunk(1, 0).status()).isEqualTo(201);
	}

	@Test
	void theHighestSeqIsComparedByMagnitude() {
		register(0);
		reportChunk(9, 0);
		reportChunk(10, 0);
		reportChunk(2, 0);

		assertThat(field("lastChunkSeq")).isEqualTo("10");
	}

	@Test
	void aRecordingAtTheMostChunksGets409AndARepeatIsStillAnswered() {
		register(0);
		assertThat(reportChunk(0, 0).status()).isEqualTo(201);
		redis.opsForHash().put(RedisKeys.recording(rid), "chunkCount", Integer.toString(RecorderLimits.MAX_CHUNKS));

		Api.Response more = reportChunk(1, 0);

		assertThat(more.status()).isEqualTo(409);
		assertThat(more.problem()).isEqualTo("too-many-chunks");
		assertThat(more.json().path("maxChunks").asInt()).isEqualTo(RecorderLimits.MAX_CHUNKS);
		assertThat(redis.opsForHash().size(RedisKeys.chunks(rid))).isEqualTo(1);
		assertThat(reportChunk(0, 0).status()).as("an identical repeat").isEqualTo(200);
	}

	@Test
	void aFinalizeOfEpochZeroLosesToAFailoverClaimedAfterItsCheck() {
		register(0);
		// the finalize of the recorder of epoch 0 checked its epoch (current) ...
		assertThat(store.require(rid).epoch()).isZero();
		// ... then a failover claims epoch 1 (what recorder-claim.lua does to the document) ...
		redis.opsForHash().increment(RedisKeys.recording(rid), "epoch", 1);
		// ... and the finalize's transition, carrying epoch 0, must not move the recording
		var moved = store.transitionAtEpoch(rid, RecordingStatus.FINALIZING,
				List.of(RecordingStatus.RECORDING, RecordingStatus.STOPPING), 0, Map.of("statusReason", "test"));

		assertThat(moved.code()).isEqualTo(RecordingStore.TransitionCode.STALE_EPOCH);
		assertThat(moved.value(0)).isEqualTo("1");
		assertThat(field("status")).isEqualTo("RECORDING");
		assertThat(store.transitionAtEpoch(rid, RecordingStatus.FINALIZING,
				List.of(RecordingStatus.RECORDING, RecordingStatus.STOPPING), 1, Map.of()).code())
			.isEqualTo(RecordingStore.TransitionCode.CHANGED);
	}

	@Test
	void aRecorderFinalizeAtAStaleOrOutOfRangeEpochIsRefused() {
		register(0);
		redis.opsForHash().increment(RedisKeys.recording(rid), "epoch", 1);

		Api.Response stale = recorder.post("/api/recordings/" + id + "/finalize?waitSeconds=0", Map.of("epoch", 0));
		Api.Response huge = recorder.post("/api/recordings/" + id + "/finalize?waitSeconds=0",
				Map.of("epoch", TWO_53 + 1));

		assertThat(stale.status()).isEqualTo(409);
		assertThat(stale.problem()).isEqualTo("stale-epoch");
		assertThat(huge.status()).isEqualTo(400);
		assertThat(field("status")).isEqualTo("RECORDING");
	}

}
