package io.ov2ha.controller.sweeper;

import static io.ov2ha.controller.support.Recordings.chunk;
import static io.ov2ha.controller.support.Recordings.hex;
import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.recording.RecordingStore.PruneCode;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.storage.ChunkKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;

/**
 * Redis stays bounded (issue 15 item 4): a finished recording's keys expire after
 * HA_STATE_RETENTION, its index entries are pruned once they are gone, and a delete leaves no key.
 */
@ControllerTest
class FinishedStateRetentionTest {

	private static final long T0 = 1700000005000L;

	private static final long RETENTION = Duration.ofDays(30).toMillis();

	@LocalServerPort
	int port;

	@Autowired
	FinishedStatePruner pruner;

	@Autowired
	RecordingStore store;

	@Autowired
	StringRedisTemplate redis;

	/** The controller's one clock (Redis's time): the retention is counted on it, not on this host's. */
	@Autowired
	Clock clock;

	/** A registered recording with a chunk, a finalization and failover state, as the features write them. */
	private RecordingId recording(String id, long createdAt, String container) {
		RecordingId rid = RecordingId.of(id);
		Api recorder = Api.at(port).asRecorder();
		assertThat(recorder.post("/api/recordings", registration(id, createdAt, 0, container)).status()).isEqualTo(201);
		assertThat(recorder.post("/api/recordings/" + id + "/chunks",
				chunk(ChunkKeys.localPath(rid, 0, 0), 0, 0, 10.0, hex('a'))).status()).isEqualTo(201);
		redis.opsForHash().putAll(RedisKeys.finalization(rid, createdAt), Map.of("schema", "1", "state", "DONE"));
		redis.opsForHash().putAll(RedisKeys.failoverState(rid), Map.of("schema", "1", "createdAt", Long.toString(createdAt)));
		redis.opsForHash().put(RedisKeys.failovers(rid), "1", "{\"schema\":1}");
		return rid;
	}

	/** Every key holding the recording's id in its hash tag. */
	private List<String> keysOf(RecordingId id) {
		List<String> keys = new ArrayList<>();
		try (var cursor = redis.scan(ScanOptions.scanOptions().match("ov2ha:*{" + id.value() + "}*").count(1000).build())) {
			cursor.forEachRemaining(keys::add);
		}
		return keys;
	}

	private void assertInNoIndex(RecordingId id, String... containers) {
		assertThat(redis.opsForZSet().score(RedisKeys.allIndex(), id.value())).isNull();
		for (RecordingStatus status : RecordingStatus.values()) {
			assertThat(redis.opsForZSet().score(RedisKeys.statusIndex(status.name()), id.value())).as(status.name())
				.isNull();
		}
		assertThat(redis.opsForZSet().score(RedisKeys.heartbeatIndex(), id.value())).isNull();
		for (String container : containers) {
			assertThat(redis.opsForHash().get(RedisKeys.containerIndex(), container)).as(container).isNull();
		}
	}

	@Test
	void aRecordingThatBecomesFinalExpiresWithEveryKeyAndStaysWhenActiveAgain() {
		RecordingId id = recording(Recordings.newId("retain"), T0, "ab01");
		List<String> keys = keysOf(id);
		assertThat(keys).contains(RedisKeys.recording(id), RedisKeys.chunks(id), RedisKeys.containers(id),
				RedisKeys.finalization(id, T0), RedisKeys.failoverState(id), RedisKeys.failovers(id));
		keys.forEach(k -> assertThat(redis.getExpire(k)).as(k).isEqualTo(-1));

		assertThat(store.advance(id, RecordingStatus.READY, Map.of()).code())
			.isEqualTo(RecordingStore.TransitionCode.CHANGED);

		for (String key : keysOf(id)) {
			Long ttl = redis.getExpire(key, java.util.concurrent.TimeUnit.MILLISECONDS);
			assertThat(ttl).as(key).isPositive().isLessThanOrEqualTo(RETENTION);
			assertThat(ttl).as(key).isGreaterThan(RETENTION - 60_000);
		}

		// an admin retry moves it back: nothing of an active recording expires
		assertThat(store.transition(id, RecordingStatus.FINALIZING, List.of(RecordingStatus.READY), Map.of()).code())
			.isEqualTo(RecordingStore.TransitionCode.CHANGED);
		keysOf(id).forEach(k -> assertThat(redis.getExpire(k)).as(k).isEqualTo(-1));
		// a FINALIZING recording left behind would be finalized by the shared controller (its
		// chunk file does not exist), holding a finalize worker other tests need
		assertThat(Api.at(port).asAdmin().delete("/api/recordings/" + id + "?force=true").status()).isEqualTo(204);
	}

	@Test
	void anAbandonedRecordingExpiresToo() {
		RecordingId id = recording(Recordings.newId("retain_abandon"), T0, "ab02");

		assertThat(store.abandonIfIdle(id, T0, System.currentTimeMillis() + 60_000, Map.of()).code())
			.isEqualTo(RecordingStore.AbandonCode.ABANDONED);

		keysOf(id).forEach(k -> assertThat(redis.getExpire(k)).as(k).isPositive());
	}

	@Test
	void thePrunerRemovesTheIndexEntriesOfExpiredRecordingsOnly() throws InterruptedException {
		RecordingId gone = recording(Recordings.newId("retain_gone"), T0, "ab03");
		RecordingId kept = recording(Recordings.newId("retain_kept"), T0, "ab04");
		RecordingId active = recording(Recordings.newId("retain_active"), T0, "ab05");
		store.advance(gone, RecordingStatus.READY, Map.of());
		store.advance(kept, RecordingStatus.FAILED, Map.of());
		// the retention of "gone" has passed
		keysOf(gone).forEach(k -> redis.expire(k, Duration.ofMillis(1)));
		await().atMost(Duration.ofSeconds(5)).until(() -> keysOf(gone).isEmpty());
		assertThat(redis.opsForZSet().score(RedisKeys.statusIndex("READY"), gone.value())).isNotNull();
		assertThat(redis.opsForHash().get(RedisKeys.containerIndex(), "ab03")).isEqualTo(gone.value());

		Map<PruneCode, Integer> counts = pruner.prune();

		assertThat(counts.get(PruneCode.PRUNED)).isPositive();
		assertInNoIndex(gone, "ab03");
		assertThat(redis.opsForZSet().score(RedisKeys.statusIndex("FAILED"), kept.value())).isNotNull();
		assertThat(redis.opsForZSet().score(RedisKeys.allIndex(), kept.value())).isNotNull();
		assertThat(redis.opsForHash().get(RedisKeys.containerIndex(), "ab04")).isEqualTo(kept.value());
		assertThat(redis.opsForZSet().score(RedisKeys.statusIndex("RECORDING"), active.value())).isNotNull();
		assertThat(redis.opsForHash().get(RedisKeys.containerIndex(), "ab05")).isEqualTo(active.value());
		assertThat(redis.getExpire(RedisKeys.recording(active))).isEqualTo(-1);
	}

	@Test
	void aFinalRecordingWithoutAnExpiryGetsOneCountedFromItsLastChange() {
		RecordingId id = recording(Recordings.newId("retain_legacy"), T0, "ab06");
		store.advance(id, RecordingStatus.READY, Map.of());
		// finished 29 days ago, before the retention existed
		keysOf(id).forEach(redis::persist);
		long finished = clock.millis() - Duration.ofDays(29).toMillis();
		redis.opsForHash().put(RedisKeys.recording(id), "updatedAt", Long.toString(finished));

		assertThat(store.prune(id, List.of()).code()).isEqualTo(PruneCode.EXPIRING);

		for (String key : keysOf(id)) {
			Long ttl = redis.getExpire(key, java.util.concurrent.TimeUnit.MILLISECONDS);
			assertThat(ttl).as(key).isBetween(Duration.ofDays(1).minusMinutes(1).toMillis(), Duration.ofDays(1).toMillis());
		}
		assertThat(store.prune(id, List.of()).code()).isEqualTo(PruneCode.KEPT);
	}

	@Test
	void aDeleteLeavesNoKeyOfTheRecordingNorOfEarlierOnesWithItsId() {
		String id = Recordings.newId("retain_delete");
		RecordingId rid = recording(id, T0, "ab07");
		store.advance(rid, RecordingStatus.READY, Map.of());
		// OpenVidu reuses the id: the first recording is set aside under its createdAt
		recording(id, T0 + 1000, "ab08");
		// a failover of the second set the first one's failover history aside
		redis.rename(RedisKeys.failovers(rid), RedisKeys.failovers(rid) + ":" + T0);
		redis.opsForHash().put(RedisKeys.failovers(rid), "1", "{\"schema\":1}");
		redis.opsForZSet().add(RedisKeys.backupIndex(), id, 1);
		redis.opsForZSet().add(RedisKeys.uploadBacklogIndex(), id, 1);
		Set<String> before = Set.copyOf(keysOf(rid));
		assertThat(before).contains(RedisKeys.previous(rid), RedisKeys.chunks(rid) + ":" + T0,
				RedisKeys.containers(rid) + ":" + T0, RedisKeys.finalization(rid, T0),
				RedisKeys.finalization(rid, T0 + 1000), RedisKeys.failovers(rid) + ":" + T0);

		assertThat(Api.at(port).asAdmin().delete("/api/recordings/" + id + "?force=true").status()).isEqualTo(204);

		assertThat(keysOf(rid)).isEmpty();
		assertInNoIndex(rid, "ab07", "ab08");
		assertThat(redis.opsForZSet().score(RedisKeys.backupIndex(), id)).isNull();
		assertThat(redis.opsForZSet().score(RedisKeys.uploadBacklogIndex(), id)).isNull();
	}

}
