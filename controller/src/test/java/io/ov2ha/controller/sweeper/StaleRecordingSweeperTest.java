package io.ov2ha.controller.sweeper;

import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.recording.RecordingStore.AbandonCode;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;

/** Recordings nothing happens to become ABANDONED, with the reason; anything alive, or final, is left alone. */
@ControllerTest
class StaleRecordingSweeperTest {

	private static final long T0 = 1700000005000L;

	private static final long HOURS_2 = 2 * 3600_000L;

	@LocalServerPort
	int port;

	@Autowired
	StaleRecordingSweeper sweeper;

	@Autowired
	RecordingStore store;

	@Autowired
	StringRedisTemplate redis;

	/** A registered recording whose every activity time lies {@code agoMillis} in the past. */
	private String silentFor(String prefix, long agoMillis) {
		String id = Recordings.newId(prefix);
		assertThat(Api.at(port).asRecorder().post("/api/recordings", registration(id, T0, 0, Integer.toHexString(id.hashCode()))).status())
			.isEqualTo(201);
		String then = Long.toString(System.currentTimeMillis() - agoMillis);
		redis.opsForHash().putAll(RedisKeys.recording(RecordingId.of(id)), Map.of("createdInRegistryAt", then,
				"registeredAt", then, "updatedAt", then, "lastHeartbeatAt", then));
		return id;
	}

	private RecordingStatus status(String id) {
		return store.find(RecordingId.of(id)).orElseThrow().status();
	}

	@Test
	void aRecordingSilentLongerThanTheTimeoutIsAbandonedWithTheReasonAndKeepsItsChunks() {
		String id = silentFor("stale", HOURS_2);
		redis.opsForHash().put(RedisKeys.chunks(RecordingId.of(id)), "000000-e0", "{\"schema\":1,\"seq\":0}");

		sweeper.sweep();

		assertThat(status(id)).isEqualTo(RecordingStatus.ABANDONED);
		String reason = store.find(RecordingId.of(id)).orElseThrow().statusReason();
		assertThat(reason).contains("no heartbeat").contains("3600 s");
		assertThat(redis.opsForHash().size(RedisKeys.chunks(RecordingId.of(id)))).isEqualTo(1);
		assertThat(redis.opsForZSet().score(RedisKeys.heartbeatIndex(), id)).isNull();
	}

	@Test
	void aRecordingWhoseRecorderStillHeartbeatsIsNeverAbandoned() {
		String id = silentFor("alive", HOURS_2);
		assertThat(Api.at(port).asRecorder().put("/api/recordings/" + id + "/heartbeat", Recordings.heartbeat(0, null))
			.status()).isEqualTo(200);

		sweeper.sweep();

		assertThat(status(id)).isEqualTo(RecordingStatus.RECORDING);
	}

	@Test
	void aStoppingRecordingWithRecentChunksOrWorkIsLeftAlone() {
		String chunks = silentFor("chunks", HOURS_2);
		store.advance(RecordingId.of(chunks), RecordingStatus.STOPPING, Map.of());
		String recent = Long.toString(System.currentTimeMillis());
		redis.opsForHash().putAll(RedisKeys.recording(RecordingId.of(chunks)), Map.of("updatedAt", "1", "lastChunkAt", recent));
		String working = silentFor("finalizing", HOURS_2);
		store.advance(RecordingId.of(working), RecordingStatus.FINALIZING, Map.of());
		redis.opsForHash().putAll(RedisKeys.recording(RecordingId.of(working)), Map.of("updatedAt", "1", "activityAt", recent));

		sweeper.sweep();

		assertThat(status(chunks)).isEqualTo(RecordingStatus.STOPPING);
		assertThat(status(working)).isEqualTo(RecordingStatus.FINALIZING);
	}

	@Test
	void aRecordingWhoseSessionIsGoneUsesTheShorterTimeout() {
		String gone = silentFor("gone", 15 * 60_000L);
		String notGone = silentFor("notgone", 15 * 60_000L);
		redis.opsForHash().putAll(RedisKeys.recording(RecordingId.of(gone)),
				Map.of("sessionDestroyedAt", Long.toString(System.currentTimeMillis()), "sessionDestroyedReason",
						"lastParticipantLeft"));

		sweeper.sweep();

		assertThat(status(gone)).isEqualTo(RecordingStatus.ABANDONED);
		assertThat(store.find(RecordingId.of(gone)).orElseThrow().statusReason()).contains("lastParticipantLeft");
		assertThat(status(notGone)).isEqualTo(RecordingStatus.RECORDING);
	}

	@Test
	void finalRecordingsAreNotTouched() {
		String id = silentFor("final", HOURS_2);
		store.advance(RecordingId.of(id), RecordingStatus.READY, Map.of("statusReason", "done"));
		redis.opsForHash().put(RedisKeys.recording(RecordingId.of(id)), "updatedAt", "1");

		sweeper.sweep();

		assertThat(status(id)).isEqualTo(RecordingStatus.READY);
		assertThat(store.find(RecordingId.of(id)).orElseThrow().statusReason()).isEqualTo("done");
	}

	@Test
	void aHeartbeatBetweenTheCheckAndTheChangeWins() {
		String id = silentFor("race", HOURS_2);
		long cutoff = System.currentTimeMillis() - 3600_000L;
		Api.at(port).asRecorder().put("/api/recordings/" + id + "/heartbeat", Recordings.heartbeat(0, null));

		LuaAnswer<AbandonCode> outcome = store.abandonIfIdle(RecordingId.of(id), T0, cutoff,
				Map.of("statusReason", "x"));

		assertThat(outcome.code()).isEqualTo(AbandonCode.ACTIVE);
		assertThat(status(id)).isEqualTo(RecordingStatus.RECORDING);
	}

}
