package io.ov2ha.controller.reconcile;

import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.failover.FailoverReads;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.recording.RecordingStore.AbandonCode;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;

/**
 * Recordings nothing happens to become ABANDONED, with the reason; anything alive, or final, is
 * left alone. Each recording is read as the reconciler's sweep reads it ({@link FailoverReads}) and
 * its abandonment tried as the sweep's decision does ({@link #sweep}); the controller's own
 * reconciler (failover off) abandons one unaided. The reconciler of this controller (or of another
 * on the shared test Redis) sweeps meanwhile: a recording meant to stay is never idle for a moment
 * (its fresh activity is written with its old times, in one command).
 */
@ControllerTest
class StaleRecordingsTest {

	private static final long T0 = 1700000005000L;

	private static final long HOURS_2 = 2 * 3600_000L;

	@LocalServerPort
	int port;

	@Autowired
	RecordingStore store;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	FailoverReads reads;

	@Autowired
	StaleRecordingProperties settings;

	private String registered(String prefix) {
		String id = Recordings.newId(prefix);
		assertThat(Api.at(port)
			.asRecorder()
			.post("/api/recordings", registration(id, T0, 0, Integer.toHexString(id.hashCode())))
			.status()).isEqualTo(201);
		return id;
	}

	/**
	 * Every activity time of {@code id} (but those in {@code recent}, and those left out) set
	 * {@code agoMillis} in the past, in one command.
	 */
	private void age(String id, long agoMillis, Map<String, String> recent, String... leftOut) {
		String then = Long.toString(System.currentTimeMillis() - agoMillis);
		Map<String, String> fields = new HashMap<>(
				Map.of("createdInRegistryAt", then, "registeredAt", then, "updatedAt", then, "lastHeartbeatAt", then));
		for (String field : leftOut) {
			fields.remove(field);
		}
		fields.putAll(recent);
		redis.opsForHash().putAll(RedisKeys.recording(RecordingId.of(id)), fields);
	}

	/** A registered recording whose every activity time lies {@code agoMillis} in the past. */
	private String silentFor(String prefix, long agoMillis) {
		String id = registered(prefix);
		age(id, agoMillis, Map.of());
		return id;
	}

	/**
	 * What the sweep does for these recordings (the reconciler may have done it first): each read,
	 * and abandoned when idle.
	 */
	private void sweep(String... ids) {
		StaleRecordings stale = new StaleRecordings(store, settings, Clock.systemUTC(), () -> Instant.EPOCH);
		for (String id : ids) {
			reads.snapshot(RecordingId.of(id)).filter(s -> stale.due(s, Instant.now())).ifPresent(stale::abandon);
		}
	}

	private RecordingStatus status(String id) {
		return store.find(RecordingId.of(id)).orElseThrow().status();
	}

	@Test
	void aRecordingSilentLongerThanTheTimeoutIsAbandonedWithTheReasonAndKeepsItsChunks() {
		String id = registered("stale");
		redis.opsForHash().put(RedisKeys.chunks(RecordingId.of(id)), "000000-e0", "{\"schema\":1,\"seq\":0}");
		age(id, HOURS_2, Map.of());

		sweep(id);

		assertThat(status(id)).isEqualTo(RecordingStatus.ABANDONED);
		String reason = store.find(RecordingId.of(id)).orElseThrow().statusReason();
		assertThat(reason).contains("no heartbeat").contains("3600 s");
		assertThat(redis.opsForHash().size(RedisKeys.chunks(RecordingId.of(id)))).isEqualTo(1);
		assertThat(redis.opsForZSet().score(RedisKeys.heartbeatIndex(), id)).isNull();
	}

	@Test
	void theControllersOwnReconcilerAbandonsAnIdleRecordingUnaided() {
		String id = silentFor("unaided", HOURS_2);

		// its sweep runs twice per HA_FINALIZE_RECOVERY_INTERVAL (10 s) with failover off
		await().atMost(Duration.ofSeconds(90)).until(() -> status(id) == RecordingStatus.ABANDONED);

		assertThat(store.find(RecordingId.of(id)).orElseThrow().statusReason()).contains("no heartbeat");
	}

	@Test
	void aRecordingNoRecorderEverRegisteredForIsSweptAndAbandonedToo() {
		String id = registered("untracked");
		// as if OpenVidu's started webhook had created it: in the status index, not the heartbeat index
		redis.opsForZSet().remove(RedisKeys.heartbeatIndex(), id);
		assertThat(reads.untracked(List.of())).extracting(s -> s.id().value()).contains(id);
		assertThat(reads.snapshots()).extracting(s -> s.id().value()).doesNotContain(id);
		age(id, HOURS_2, Map.of());

		await().atMost(Duration.ofSeconds(90)).until(() -> status(id) == RecordingStatus.ABANDONED);
	}

	@Test
	void aRecordingWhoseRecorderStillHeartbeatsIsNeverAbandoned() {
		String id = registered("alive");
		assertThat(Api.at(port).asRecorder().put("/api/recordings/" + id + "/heartbeat", Recordings.heartbeat(0, null))
			.status()).isEqualTo(200);
		age(id, HOURS_2, Map.of(), "lastHeartbeatAt");

		sweep(id);

		assertThat(status(id)).isEqualTo(RecordingStatus.RECORDING);
	}

	@Test
	void aStoppingRecordingWithRecentChunksOrWorkIsLeftAlone() {
		String recent = Long.toString(System.currentTimeMillis());
		String chunks = registered("chunks");
		store.advance(RecordingId.of(chunks), RecordingStatus.STOPPING, Map.of());
		age(chunks, HOURS_2, Map.of("lastChunkAt", recent));
		String working = registered("working");
		store.advance(RecordingId.of(working), RecordingStatus.STOPPING, Map.of());
		age(working, HOURS_2, Map.of("activityAt", recent));

		sweep(chunks, working);

		assertThat(status(chunks)).isEqualTo(RecordingStatus.STOPPING);
		assertThat(status(working)).isEqualTo(RecordingStatus.STOPPING);
	}

	@Test
	void aRecordingWhoseSessionIsGoneUsesTheShorterTimeout() {
		String gone = silentFor("gone", 15 * 60_000L);
		String notGone = silentFor("notgone", 15 * 60_000L);
		redis.opsForHash().putAll(RedisKeys.recording(RecordingId.of(gone)),
				Map.of("sessionDestroyedAt", Long.toString(System.currentTimeMillis()), "sessionDestroyedReason",
						"lastParticipantLeft"));

		sweep(gone, notGone);

		assertThat(status(gone)).isEqualTo(RecordingStatus.ABANDONED);
		assertThat(store.find(RecordingId.of(gone)).orElseThrow().statusReason()).contains("lastParticipantLeft");
		assertThat(status(notGone)).isEqualTo(RecordingStatus.RECORDING);
	}

	@Test
	void aFinalizationThatRunsOrWaitsForItsNextAttemptKeepsItsRecordingHoweverLongItTakes() {
		// the one-hour silence of a finalization with a long retry delay, and of a long join
		String waiting = registered("retrywait");
		store.advance(RecordingId.of(waiting), RecordingStatus.FINALIZING, Map.of());
		redis.opsForHash().putAll(RedisKeys.finalization(RecordingId.of(waiting), T0), Map.of("state", "RETRY_WAIT",
				"nextAttemptAt", Long.toString(System.currentTimeMillis() + HOURS_2)));
		age(waiting, HOURS_2, Map.of());
		String joining = registered("joining");
		store.advance(RecordingId.of(joining), RecordingStatus.FINALIZING, Map.of());
		redis.opsForValue().set(RedisKeys.finalizeLease(RecordingId.of(joining)), "another-controller",
				Duration.ofMinutes(5));
		age(joining, HOURS_2, Map.of());

		sweep(waiting, joining);

		assertThat(status(waiting)).isEqualTo(RecordingStatus.FINALIZING);
		assertThat(status(joining)).isEqualTo(RecordingStatus.FINALIZING);
		long cutoff = System.currentTimeMillis();
		LuaAnswer<AbandonCode> outcome = store.abandonIfIdle(RecordingId.of(waiting), T0, cutoff, Map.of());
		assertThat(outcome.code()).isEqualTo(AbandonCode.FINALIZATION_PENDING);
		assertThat(outcome.values()).containsExactly("RETRY_WAIT");
		assertThat(store.abandonIfIdle(RecordingId.of(joining), T0, cutoff, Map.of()).code())
			.isEqualTo(AbandonCode.FINALIZATION_PENDING);
		// nothing left for the reconcilers of later test classes on the shared test Redis (final
		// first: never resumed meanwhile)
		store.advance(RecordingId.of(waiting), RecordingStatus.FAILED, Map.of());
		store.advance(RecordingId.of(joining), RecordingStatus.FAILED, Map.of());
		redis.delete(List.of(RedisKeys.finalizeLease(RecordingId.of(joining)),
				RedisKeys.finalization(RecordingId.of(waiting), T0)));
	}

	@Test
	void aFinalizationDocumentOfARecordingThatNeverBecameFinalizingKeepsNothing() {
		// its request lost the race with a failover's new epoch: the document stays PENDING, unused
		String id = registered("pendingdoc");
		redis.opsForHash().putAll(RedisKeys.finalization(RecordingId.of(id), T0), Map.of("state", "PENDING"));
		age(id, HOURS_2, Map.of());

		sweep(id);

		assertThat(status(id)).isEqualTo(RecordingStatus.ABANDONED);
		redis.delete(RedisKeys.finalization(RecordingId.of(id), T0));
	}

	@Test
	void finalRecordingsAreNotTouched() {
		String id = registered("final");
		store.advance(RecordingId.of(id), RecordingStatus.READY, Map.of("statusReason", "done"));
		age(id, HOURS_2, Map.of());

		sweep(id);

		assertThat(status(id)).isEqualTo(RecordingStatus.READY);
		assertThat(store.find(RecordingId.of(id)).orElseThrow().statusReason()).isEqualTo("done");
	}

	@Test
	void aHeartbeatBetweenTheCheckAndTheChangeWins() {
		// half an hour: idle for this test's cutoff, not for the sweeps' one-hour timeout
		String id = silentFor("race", 30 * 60_000L);
		long cutoff = System.currentTimeMillis() - 20 * 60_000L;
		Api.at(port).asRecorder().put("/api/recordings/" + id + "/heartbeat", Recordings.heartbeat(0, null));

		LuaAnswer<AbandonCode> outcome = store.abandonIfIdle(RecordingId.of(id), T0, cutoff,
				Map.of("statusReason", "x"));

		assertThat(outcome.code()).isEqualTo(AbandonCode.ACTIVE);
		assertThat(status(id)).isEqualTo(RecordingStatus.RECORDING);
	}

}
