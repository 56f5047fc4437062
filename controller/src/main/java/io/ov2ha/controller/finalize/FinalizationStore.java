package io.ov2ha.controller.finalize;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Repository;

import io.ov2ha.controller.finalize.Finalization.State;
import io.ov2ha.controller.finalize.Finalization.Step;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.ChunkFindings;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.redis.LuaRunner;
import io.ov2ha.controller.redis.LuaScripts;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.EpochMillis;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finalization state in Redis: one hash per recording (id, createdAt), schema 1, and the
 * retention index. Only the holder of the recording's finalize lease changes an attempt's
 * fields; requests only create the document or re-arm a failed one (Lua, atomic).
 */
@Repository
class FinalizationStore {

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> REQUEST = LuaScripts.load("finalization-request");

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> REARM = LuaScripts.load("finalization-rearm");

	/** The answers of {@code finalization-request.lua}. */
	enum RequestCode {

		/** A new PENDING document. */
		CREATED,
		/** There was one already. */
		EXISTS

	}

	/** The answers of {@code finalization-rearm.lua}. */
	enum RearmCode {

		/** PENDING again, for an attempt now. */
		REARMED,
		/** Not FAILED nor RETRY_WAIT (value 0: its state, empty without a document): unchanged. */
		NOT_REARMABLE

	}

	private static final TypeReference<List<Finalization.KeptChunk>> KEPT = new TypeReference<>() {
	};

	private static final TypeReference<List<ChunkFindings.Dropped>> DROPPED = new TypeReference<>() {
	};

	private static final TypeReference<List<ChunkFindings.Range>> GAPS = new TypeReference<>() {
	};

	private final StringRedisTemplate redis;

	private final LuaRunner lua;

	private final JsonMapper json;

	FinalizationStore(StringRedisTemplate redis, LuaRunner lua, JsonMapper json) {
		this.redis = redis;
		this.lua = lua;
		this.json = json;
	}

	/** The stored document fields, or empty. */
	Map<String, String> raw(RecordingId id, long createdAt) {
		Map<Object, Object> hash = redis.opsForHash().entries(RedisKeys.finalization(id, createdAt));
		Map<String, String> out = new LinkedHashMap<>();
		hash.forEach((k, v) -> out.put(k.toString(), v == null ? null : v.toString()));
		return out;
	}

	Optional<Finalization> find(RecordingId id, long createdAt, String recordingStatus) {
		Map<String, String> h = raw(id, createdAt);
		if (h.isEmpty()) {
			return Optional.empty();
		}
		return Optional.of(new Finalization(id.value(), createdAt, recordingStatus,
				seen(State.valueOf(h.get("state")), recordingStatus),
				h.get("step") == null ? null : Step.valueOf(h.get("step")), intOr(h.get("attempts")), h.get("trigger"),
				EpochMillis.instantOrNull(h.get("requestedAt")), EpochMillis.instantOrNull(h.get("startedAt")), EpochMillis.instantOrNull(h.get("finishedAt")),
				EpochMillis.instantOrNull(h.get("nextAttemptAt")), h.get("controllerId"), h.get("error"),
				h.get("output") == null ? null : json.readValue(h.get("output"), Finalization.Output.class),
				list(h.get("kept"), KEPT), list(h.get("dropped"), DROPPED), list(h.get("gaps"), GAPS),
				"1".equals(h.get("verified")), h.get("finalKey"), h.get("uploadError"),
				EpochMillis.instantOrNull(h.get("chunksDeleteAfter")),
				EpochMillis.instantOrNull(h.get("chunksDeletedAt"))));
	}

	/**
	 * The state a reader sees. An attempt writes its outcome (DONE, FAILED) before it moves the
	 * recording out of FINALIZING, so that a controller dying in between leaves the recording to
	 * the recovery; until the recording shows the outcome, the attempt is still running. So no
	 * reader sees DONE or FAILED beside a recording still FINALIZING (the other fields, e.g.
	 * {@code finishedAt} and {@code error}, stay as stored). Internal decisions read without a
	 * recording status: the stored state as it is (e.g. the attempt that finds DONE stored and
	 * only makes the recording READY).
	 */
	static State seen(State stored, String recordingStatus) {
		return stored.terminal() && RecordingStatus.FINALIZING.name().equals(recordingStatus) ? State.RUNNING : stored;
	}

	/** Records a request: creates the document (PENDING) if absent, and who asked. True if it was created. */
	boolean request(RecordingId id, long createdAt, String trigger, Instant now) {
		return request(id, createdAt, trigger, now, true);
	}

	/** Creates the document (PENDING) if absent; an existing one keeps its trigger. */
	boolean ensure(RecordingId id, long createdAt, String trigger, Instant now) {
		return request(id, createdAt, trigger, now, false);
	}

	private boolean request(RecordingId id, long createdAt, String trigger, Instant now, boolean overwrite) {
		return lua.run(REQUEST, List.of(RedisKeys.finalization(id, createdAt)), List.of(id.value(),
				Long.toString(createdAt), trigger, Long.toString(now.toEpochMilli()), overwrite ? "1" : "0"),
				RequestCode.class).code() == RequestCode.CREATED;
	}

	/**
	 * Re-arms a FAILED or RETRY_WAIT finalization for an attempt now, its count of deaths cleared
	 * ({@link #countDeath}).
	 *
	 * @param attemptsOfItsOwn the retry of a FAILED or ABANDONED recording: it gets
	 *        {@code HA_FINALIZE_ATTEMPTS} attempts of its own (the attempts so far noted as
	 *        {@code retriedAfterAttempts}: {@link Started#sinceRetry}); false: a waiting retry run
	 *        now, its count going on
	 */
	boolean rearm(RecordingId id, long createdAt, String trigger, boolean attemptsOfItsOwn) {
		return lua.run(REARM, List.of(RedisKeys.finalization(id, createdAt)),
				List.of(trigger, attemptsOfItsOwn ? "1" : "0", State.FAILED.name(), State.RETRY_WAIT.name()),
				RearmCode.class)
			.code() == RearmCode.REARMED;
	}

	/** Notes that the running attempt was aborted (a stop, the lease or Redis lost): no death. Cleared by the next start. */
	void aborted(RecordingId id, long createdAt, Instant now) {
		redis.opsForHash().put(RedisKeys.finalization(id, createdAt), "abortedAt", ms(now));
	}

	/**
	 * The last attempt ended without an outcome (the next one found it RUNNING): counted as its
	 * controller's death unless an abort was noted ({@link #aborted}). Answers the deaths so far (an
	 * admin's retry clears them: {@link #rearm}).
	 */
	long countDeath(RecordingId id, long createdAt) {
		String key = RedisKeys.finalization(id, createdAt);
		if (redis.opsForHash().hasKey(key, "abortedAt")) {
			Object deaths = redis.opsForHash().get(key, "diedAttempts");
			return intOr(deaths == null ? null : deaths.toString());
		}
		Long count = redis.opsForHash().increment(key, "diedAttempts", 1);
		return count == null ? 1 : count;
	}

	/**
	 * An attempt started ({@link #start}).
	 *
	 * @param number its number among all the finalization's attempts (the API's {@code attempts})
	 * @param sinceRetry its number since an admin's last retry of the FAILED or ABANDONED recording
	 *        ({@link #rearm}; all of them without one): what {@code HA_FINALIZE_ATTEMPTS} bounds, so
	 *        a retry gets as many as the first run
	 */
	record Started(long number, long sinceRetry) {
	}

	/** Starts an attempt; answers its numbers. */
	Started start(RecordingId id, long createdAt, String controllerId, Instant now) {
		String key = RedisKeys.finalization(id, createdAt);
		// the step stays: it tells the attempt where the last one got to
		set(id, createdAt, Map.of("state", State.RUNNING.name(), "startedAt", ms(now), "controllerId", controllerId));
		redis.opsForHash().delete(key, "error", "nextAttemptAt", "abortedAt");
		Long attempts = redis.opsForHash().increment(key, "attempts", 1);
		long number = attempts == null ? 1 : attempts;
		long retriedAfter = intOr(get(id, createdAt, "retriedAfterAttempts"));
		return new Started(number, Math.max(1, number - retriedAfter));
	}

	void step(RecordingId id, long createdAt, Step step, Map<String, String> fields) {
		Map<String, String> all = new LinkedHashMap<>(fields);
		all.put("step", step.name());
		set(id, createdAt, all);
	}

	void chunks(RecordingId id, long createdAt, List<Finalization.KeptChunk> kept,
			List<ChunkFindings.Dropped> dropped, List<ChunkFindings.Range> gaps) {
		set(id, createdAt, Map.of("kept", json.writeValueAsString(kept), "dropped", json.writeValueAsString(dropped),
				"gaps", json.writeValueAsString(gaps)));
	}

	void output(RecordingId id, long createdAt, Finalization.Output output) {
		set(id, createdAt, Map.of("output", json.writeValueAsString(output)));
	}

	Finalization.Output output(RecordingId id, long createdAt) {
		Object value = redis.opsForHash().get(RedisKeys.finalization(id, createdAt), "output");
		return value == null ? null : json.readValue(value.toString(), Finalization.Output.class);
	}

	void retryWait(RecordingId id, long createdAt, String error, Instant next, Instant now) {
		set(id, createdAt, Map.of("state", State.RETRY_WAIT.name(), "error", error, "nextAttemptAt", ms(next),
				"finishedAt", ms(now)));
	}

	void failed(RecordingId id, long createdAt, String error, Instant now) {
		set(id, createdAt, Map.of("state", State.FAILED.name(), "error", error, "finishedAt", ms(now)));
	}

	void done(RecordingId id, long createdAt, Instant now, Instant deleteAfter) {
		set(id, createdAt, Map.of("state", State.DONE.name(), "step", Step.DONE.name(), "verified", "1",
				"finishedAt", ms(now), "chunksDeleteAfter", ms(deleteAfter)));
	}

	/** A recorder waits for the result until then (ms); OpenVidu reads the files itself if it gets it in time. */
	void recorderWaits(RecordingId id, long createdAt, Instant until) {
		redis.opsForHash().put(RedisKeys.finalization(id, createdAt), "recorderWaitUntil", ms(until));
	}

	/** One field of the finalization, or null. */
	String get(RecordingId id, long createdAt, String field) {
		Object value = redis.opsForHash().get(RedisKeys.finalization(id, createdAt), field);
		return value == null ? null : value.toString();
	}

	void remove(RecordingId id, long createdAt, String... fields) {
		redis.opsForHash().delete(RedisKeys.finalization(id, createdAt), (Object[]) fields);
	}

	void set(RecordingId id, long createdAt, Map<String, String> fields) {
		redis.opsForHash().putAll(RedisKeys.finalization(id, createdAt), fields);
	}

	// retention index: "<id>:<createdAt>" -> when the chunks may be deleted

	void scheduleRetention(RecordingId id, long createdAt, Instant due) {
		redis.opsForZSet().add(RedisKeys.retentionIndex(), member(id, createdAt), due.toEpochMilli());
	}

	List<String> dueForRetention(Instant now, int limit) {
		Set<String> due = redis.opsForZSet().rangeByScore(RedisKeys.retentionIndex(), 0, now.toEpochMilli(), 0, limit);
		return due == null ? List.of() : new ArrayList<>(due);
	}

	void retentionDone(String member) {
		redis.opsForZSet().remove(RedisKeys.retentionIndex(), member);
	}

	static String member(RecordingId id, long createdAt) {
		return id.value() + ":" + createdAt;
	}

	/** The recording id of a {@link #member}. */
	static RecordingId idOf(String member) {
		return RecordingId.of(member.substring(0, member.lastIndexOf(':')));
	}

	/** The createdAt of a {@link #member}. */
	static long createdAtOf(String member) {
		return Long.parseLong(member.substring(member.lastIndexOf(':') + 1));
	}

	static String ms(Instant instant) {
		return Long.toString(instant.toEpochMilli());
	}

	private <T> List<T> list(String value, TypeReference<List<T>> type) {
		return value == null || value.isEmpty() ? List.of() : json.readValue(value, type);
	}

	private static int intOr(String s) {
		Long value = EpochMillis.longOrNull(s);
		return value == null ? 0 : value.intValue();
	}

}
