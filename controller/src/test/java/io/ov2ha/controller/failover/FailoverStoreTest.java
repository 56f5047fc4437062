package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecorderHandover;
import io.ov2ha.controller.recording.RecorderProgress;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.redis.LuaRunner;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestRedis;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fencing scripts (RecorderHandover's claim and started, FailoverStore's attempts) against a
 * real Redis: exactly one claim per failure, limits, backoff.
 */
class FailoverStoreTest {

	private static StringRedisTemplate redis;

	private static FailoverStore store;

	private static RecorderHandover handover;

	private static FailoverReads reads;

	private final Instant now = Instant.now();

	@BeforeAll
	static void connect() {
		redis = TestRedis.template();
		JsonMapper json = JsonMapper.builder().build();
		store = new FailoverStore(new LuaRunner(redis), json);
		handover = new RecorderHandover(new LuaRunner(redis), json);
		reads = new FailoverReads(redis, json);
	}

	private RecordingId recording(long createdAt, String env) {
		RecordingId id = RecordingId.of(Recordings.newId("fstore"));
		redis.opsForHash()
			.putAll(RedisKeys.recording(id), Map.of("schema", "1", "id", id.value(), "createdAt",
					Long.toString(createdAt), "status", "RECORDING", "epoch", "0", "failoverCount", "0", "env", env,
					"containerId", "c".repeat(64)));
		return id;
	}

	private RecordingId recording() {
		return recording(1700000005000L, "{\"VIDEO_ID\":\"x\"}");
	}

	private LuaAnswer<RecorderHandover.ClaimCode> claim(RecordingId id, long epoch, int max, Instant at, boolean manual) {
		return claim(id, epoch, max, at, manual, 1000);
	}

	private LuaAnswer<RecorderHandover.ClaimCode> claim(RecordingId id, long epoch, int max, Instant at, boolean manual,
			int maxConcurrentBackups) {
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("recordingId", id.value());
		entry.put("detectedAt", at.toEpochMilli());
		return handover.claim(id, epoch, "ctl-test", at, FailoverReason.CONTAINER_DIED.slug(),
				new RecorderHandover.ClaimLimits(max, 1000, 20000, maxConcurrentBackups, manual), entry);
	}

	@Test
	void concurrentClaimsOfOneFailureHaveExactlyOneWinner() throws Exception {
		RecordingId id = recording();
		ExecutorService pool = Executors.newFixedThreadPool(8);
		CountDownLatch go = new CountDownLatch(1);
		List<Future<LuaAnswer<RecorderHandover.ClaimCode>>> results = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			Callable<LuaAnswer<RecorderHandover.ClaimCode>> task = () -> {
				go.await();
				return claim(id, 0, 5, now, false);
			};
			results.add(pool.submit(task));
		}
		go.countDown();
		List<String> codes = new ArrayList<>();
		for (Future<LuaAnswer<RecorderHandover.ClaimCode>> f : results) {
			codes.add(f.get().code().name());
		}
		pool.shutdown();

		assertThat(codes).filteredOn("CLAIMED"::equals).hasSize(1);
		assertThat(codes).filteredOn(c -> !c.equals("CLAIMED")).containsOnly("EPOCH_CHANGED");
		assertThat(redis.opsForHash().get(RedisKeys.recording(id), "epoch")).isEqualTo("1");
		assertThat(redis.opsForHash().get(RedisKeys.recording(id), "failoverCount")).isEqualTo("1");
		assertThat(redis.opsForHash().get(RedisKeys.recording(id), "containerId")).isEqualTo("");
		List<FailoverRecord> history = reads.history(id, 1700000005000L);
		assertThat(history).hasSize(1);
		assertThat(history.get(0).fromEpoch()).isZero();
		assertThat(history.get(0).toEpoch()).isEqualTo(1);
		assertThat(history.get(0).reason()).isEqualTo("container-died");
		assertThat(history.get(0).claimedBy()).isEqualTo("ctl-test");
		assertThat(history.get(0).outcome()).isEqualTo("starting");
	}

	@Test
	void aPendingEpochIsNotClaimedAgainButRetriedByOneAttemptAtATime() {
		RecordingId id = recording();
		assertThat(claim(id, 0, 5, now, false).code()).isEqualTo(RecorderHandover.ClaimCode.CLAIMED);
		assertThat(claim(id, 1, 5, now.plusSeconds(60), false).code()).isEqualTo(RecorderHandover.ClaimCode.PENDING);
		// the claimer holds the first attempt's lease
		assertThat(store.takeAttempt(id, 1, "ctl-b", now.plusSeconds(1), 20000, 5).code()).isEqualTo(FailoverStore.AttemptCode.WAIT);
		var taken = store.takeAttempt(id, 1, "ctl-b", now.plusSeconds(21), 20000, 5);
		assertThat(taken.code()).isEqualTo(FailoverStore.AttemptCode.TAKEN);
		assertThat(taken.value(0)).isEqualTo("2");
		assertThat(store.takeAttempt(id, 1, "ctl-c", now.plusSeconds(22), 20000, 5).code()).isEqualTo(FailoverStore.AttemptCode.WAIT);
		assertThat(store.takeAttempt(id, 1, "ctl-c", now.plusSeconds(200), 20000, 2).code()).isEqualTo(FailoverStore.AttemptCode.EXHAUSTED);
	}

	@Test
	void aStartedBackupClearsThePendingEpochAndIsIndexed() {
		RecordingId id = recording();
		claim(id, 0, 5, now, false);
		String container = "d".repeat(64);
		var r = handover.started(id, 1, container, "docker", "rec-host-2", now.plusSeconds(1), 7,
				Map.of("backupContainerId", container, "startChunk", 7));
		assertThat(r.code()).isEqualTo(RecorderHandover.StartedCode.RECORDED);
		assertThat(reads.state(id, 1700000005000L).pending(1)).isFalse();
		assertThat(reads.state(id, 1700000005000L).awaitFirstChunkEpoch()).isEqualTo(1);
		assertThat(reads.recordingOfContainer(container)).contains(id);
		assertThat(redis.opsForHash().get(RedisKeys.recording(id), "containerId")).isEqualTo(container);
		// the backup's host is its engine's: judged beside that host's recorders (the claim cleared the primary's)
		assertThat(redis.opsForHash().get(RedisKeys.recording(id), "host")).isEqualTo("rec-host-2");
		// and so is its host in the container history, as a primary's (the endpoint only when unknown)
		assertThat(redis.opsForHash().get(RedisKeys.containers(id), "1").toString()).contains("\"host\":\"rec-host-2\"")
			.contains("\"role\":\"backup\"")
			.as("where its media time starts, for the finalization").contains("\"startChunk\":7");
		FailoverRecord entry = reads.historyEntry(id, 1).orElseThrow();
		assertThat(entry.outcome()).isEqualTo("started");
		assertThat(entry.startChunk()).isEqualTo(7);
		// a start recorded for an epoch that is no longer current is refused: its container gets killed
		assertThat(handover.started(id, 0, "e".repeat(64), "docker", "", now, 1, Map.of()).code()).isEqualTo(RecorderHandover.StartedCode.EPOCH_CHANGED);
	}

	@Test
	void aBackupOfAnEngineWithoutAKnownHostNameIsListedByTheEngine() {
		RecordingId id = recording();
		claim(id, 0, 5, now, false);
		assertThat(handover.started(id, 1, "f".repeat(64), "unix:///var/run/docker.sock", "", now.plusSeconds(1), 3,
				Map.of()).code()).isEqualTo(RecorderHandover.StartedCode.RECORDED);
		assertThat(redis.opsForHash().get(RedisKeys.containers(id), "1").toString())
			.contains("\"host\":\"unix:///var/run/docker.sock\"");
	}

	@Test
	void theLimitAndTheBackoffHold() {
		RecordingId id = recording();
		assertThat(claim(id, 0, 2, now, false).code()).isEqualTo(RecorderHandover.ClaimCode.CLAIMED);
		handover.started(id, 1, "f".repeat(64), "docker", "", now, 1, Map.of());
		// the second failover waits for the backoff (1 s) unless an admin asks
		assertThat(claim(id, 1, 2, now.plusMillis(500), false).code()).isEqualTo(RecorderHandover.ClaimCode.BACKOFF);
		assertThat(claim(id, 1, 2, now.plusMillis(1100), false).code()).isEqualTo(RecorderHandover.ClaimCode.CLAIMED);
		handover.started(id, 2, "a".repeat(64), "docker", "", now, 1, Map.of());
		assertThat(claim(id, 2, 2, now.plusSeconds(60), true).code()).isEqualTo(RecorderHandover.ClaimCode.EXHAUSTED);
		assertThat(redis.opsForHash().get(RedisKeys.recording(id), "epoch")).isEqualTo("2");
	}

	@Test
	void backoffDoublesPerFailover() {
		RecordingId id = recording();
		claim(id, 0, 9, now, false);
		handover.started(id, 1, "1".repeat(64), "docker", "", now, 1, Map.of());
		claim(id, 1, 9, now.plusMillis(1000), false);
		handover.started(id, 2, "2".repeat(64), "docker", "", now, 1, Map.of());
		assertThat(claim(id, 2, 9, now.plusMillis(2900), false).code()).isEqualTo(RecorderHandover.ClaimCode.BACKOFF);
		assertThat(claim(id, 2, 9, now.plusMillis(3000), false).code()).isEqualTo(RecorderHandover.ClaimCode.CLAIMED);
	}

	@Test
	void aRecordingThatNeverRegisteredCannotBeFailedOver() {
		RecordingId id = recording(1700000005000L, "");
		assertThat(claim(id, 0, 5, now, false).code()).isEqualTo(RecorderHandover.ClaimCode.NO_ENVIRONMENT);
	}

	@Test
	void aReusedIdStartsWithAFreshStateAndKeepsTheOldHistoryAside() {
		RecordingId id = recording(1700000001000L, "{\"VIDEO_ID\":\"x\"}");
		claim(id, 0, 5, now, false);
		// OpenVidu reused the id: a new recording with another createdAt
		redis.opsForHash()
			.putAll(RedisKeys.recording(id), Map.of("createdAt", "1700000009000", "epoch", "0", "failoverCount", "0"));
		assertThat(reads.state(id, 1700000009000L)).isEqualTo(FailoverState.NONE);
		assertThat(reads.history(id, 1700000009000L)).isEmpty();
		assertThat(claim(id, 0, 5, now, false).code()).isEqualTo(RecorderHandover.ClaimCode.CLAIMED);
		assertThat(reads.history(id, 1700000009000L)).hasSize(1);
		assertThat(redis.hasKey(RedisKeys.failovers(id) + ":1700000001000")).isTrue();
	}

	@Test
	void onlyRecordingRecordingsAreClaimed() {
		RecordingId id = recording();
		redis.opsForHash().put(RedisKeys.recording(id), "status", "STOPPING");
		assertThat(claim(id, 0, 5, now, false).code()).isEqualTo(RecorderHandover.ClaimCode.NOT_RECORDING);
		assertThat(claim(RecordingId.of(Recordings.newId("none")), 0, 5, now, false).code()).isEqualTo(RecorderHandover.ClaimCode.NOT_FOUND);
	}

	@Test
	void overTheGlobalCapAFailoverIsDeferredWithAReasonAndClaimedOnceABackupEnds() {
		redis.delete(RedisKeys.backupIndex());
		RecordingId a = recording();
		RecordingId b = recording();
		RecordingId c = recording();
		assertThat(claim(a, 0, 5, now, false, 2).code()).isEqualTo(RecorderHandover.ClaimCode.CLAIMED);
		assertThat(claim(b, 0, 5, now, false, 2).code()).isEqualTo(RecorderHandover.ClaimCode.CLAIMED);

		LuaAnswer<RecorderHandover.ClaimCode> deferred = claim(c, 0, 5, now, false, 2);
		LuaAnswer<RecorderHandover.ClaimCode> again = claim(c, 0, 5, now.plusSeconds(1), true, 2);

		assertThat(deferred.code()).isEqualTo(RecorderHandover.ClaimCode.CAPPED);
		assertThat(deferred.values()).containsExactly("2", "1");
		assertThat(again.code()).as("a manual failover is capped too").isEqualTo(RecorderHandover.ClaimCode.CAPPED);
		assertThat(again.value(1)).as("not the first deferral").isEqualTo("0");
		assertThat(redis.opsForHash().get(RedisKeys.recording(c), "epoch")).as("nothing fenced").isEqualTo("0");
		assertThat(redis.opsForHash().get(RedisKeys.recording(c), "failoverCount")).isEqualTo("0");
		List<FailoverRecord> history = reads.history(c, 1700000005000L);
		assertThat(history).hasSize(1);
		assertThat(history.get(0).outcome()).isEqualTo("deferred");
		assertThat(history.get(0).toEpoch()).isEqualTo(1);
		assertThat(history.get(0).error()).contains("HA_MAX_CONCURRENT_BACKUPS (2)");
		assertThat(history.get(0).detectedAt()).as("the first detection is kept").isEqualTo(now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));

		// a's backup ends (its recording is final): c's failover goes through, its entry replaced
		redis.opsForHash().put(RedisKeys.recording(a), "status", "READY");
		assertThat(claim(c, 0, 5, now.plusSeconds(2), false, 2).code()).isEqualTo(RecorderHandover.ClaimCode.CLAIMED);
		assertThat(reads.history(c, 1700000005000L)).singleElement()
			.satisfies(r -> assertThat(r.outcome()).isEqualTo("starting"));
		assertThat(redis.opsForZSet().range(RedisKeys.backupIndex(), 0, -1)).as("a pruned")
			.containsExactlyInAnyOrder(b.value(), c.value());
		// b's own next failover does not count b's current backup
		handover.started(b, 1, "b".repeat(64), "docker", "", now.plusSeconds(3), 1, Map.of());
		assertThat(claim(b, 1, 5, now.plusSeconds(60), true, 2).code()).isEqualTo(RecorderHandover.ClaimCode.CLAIMED);
	}

	@Test
	void theSnapshotOfOneRecordingIsTheOneTheSweepSees() {
		RecordingId id = recording();
		redis.opsForHash().putAll(RedisKeys.recording(id), Map.of("hbEpoch", "0", "hbPhase", "capturing",
				"hbMediaTimeMs", "4200", "hbAdvancedAt", "1700000009000", "lastChunkAt", "1700000008000", "hbSpeed",
				"0.98", "hbFrames", "105", "hbContent", "blank", "hbBlankMs", "31000", "hbShownMediaMs", "1200"));
		redis.opsForHash().put(RedisKeys.failoverState(id), "pendingEpoch", "1");
		redis.opsForZSet().add(RedisKeys.heartbeatIndex(), id.value(), 1700000009500d);
		RecordingId unindexed = recording();
		try {
			assertThat(reads.snapshot(id)).contains(
					reads.snapshots().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow());
			assertThat(reads.snapshot(id).orElseThrow().heartbeatAt()).isEqualTo(Instant.ofEpochMilli(1700000009500L));
			// the sweep reads every heartbeat fact the rules use: content included
			Map<String, String> hash = new java.util.HashMap<>();
			redis.opsForHash().entries(RedisKeys.recording(id)).forEach((k, v) -> hash.put(k.toString(), v.toString()));
			assertThat(reads.snapshot(id).orElseThrow().progress()).isEqualTo(RecorderProgress.fromHash(hash));
			assertThat(reads.snapshot(id).orElseThrow().progress().content().blankMs()).isEqualTo(31000L);
			assertThat(reads.snapshot(unindexed)).as("not in the heartbeat index").isEmpty();
			assertThat(reads.snapshot(RecordingId.of(Recordings.newId("fstore")))).as("no such recording").isEmpty();
		}
		finally {
			redis.opsForZSet().remove(RedisKeys.heartbeatIndex(), id.value());
		}
	}


	@Test
	void aHeartbeatRecordedBetweenTheIndexAndTheHashIsNeverJudgedWithThePreviousHeartbeatsTime() {
		// the index still has the predecessor's last heartbeat; the hash already has the backup's first
		RecordingId id = recording();
		redis.opsForHash().putAll(RedisKeys.recording(id), Map.of("epoch", "1", "hbEpoch", "1", "hbPhase", "starting",
				"lastHeartbeatAt", "1700000014500"));
		redis.opsForZSet().add(RedisKeys.heartbeatIndex(), id.value(), 1700000009500d);
		try {
			assertThat(reads.snapshot(id).orElseThrow().heartbeatAt()).isEqualTo(Instant.ofEpochMilli(1700000014500L));
			assertThat(reads.snapshots().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow().heartbeatAt())
				.isEqualTo(Instant.ofEpochMilli(1700000014500L));
		}
		finally {
			redis.opsForZSet().remove(RedisKeys.heartbeatIndex(), id.value());
		}
		// the later of the two, whichever it is; either alone when the other is missing
		assertThat(FailoverReads.heartbeatAt(1700000009500d, "1700000001000")).isEqualTo(Instant.ofEpochMilli(1700000009500L));
		assertThat(FailoverReads.heartbeatAt(1700000009500d, null)).isEqualTo(Instant.ofEpochMilli(1700000009500L));
		assertThat(FailoverReads.heartbeatAt(null, "1700000001000")).isEqualTo(Instant.ofEpochMilli(1700000001000L));
		assertThat(FailoverReads.heartbeatAt(null, "not-a-time")).isNull();
	}

}
