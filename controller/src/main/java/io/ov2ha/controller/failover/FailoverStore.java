package io.ov2ha.controller.failover;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Repository;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecorderHandover;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.redis.LuaRunner;
import io.ov2ha.controller.redis.LuaScripts;
import io.ov2ha.controller.redis.RedisKeys;
import tools.jackson.databind.json.JsonMapper;

/**
 * Failover state and history writes in Redis (keys: {@link RedisKeys}): taking a start attempt
 * (once across controller replicas), state and history updates applied only to the recording
 * the caller saw, each a Lua script. The writes that change the recording's recorder (claiming
 * the next epoch, recording the started backup, adopting a primary's container id) are
 * {@link RecorderHandover}'s, atomic with this state; what is read back (state, history,
 * snapshots) is in {@link FailoverReads}.
 *
 * <p>
 * State hash {@code ov2ha:rec:{id}:failover} (schema 1): createdAt, lastClaimAt, pendingEpoch,
 * attempts, attemptBy, nextAttemptAt, lastError, epochSince, awaitFirstChunkEpoch,
 * firstChunkSeq, progressSeq, progressAt, stopHandledEpoch (times in ms). History hash
 * {@code ov2ha:rec:{id}:failovers}: new epoch -> {@link FailoverRecord} JSON.
 */
@Repository
public class FailoverStore {

	private static final RedisScript<List> ATTEMPT = script("failover-attempt");

	private static final RedisScript<List> UPDATE = script("failover-update");

	private final LuaRunner lua;

	private final JsonMapper json;

	FailoverStore(LuaRunner lua, JsonMapper json) {
		this.lua = lua;
		this.json = json;
	}

	private static RedisScript<List> script(String name) {
		return LuaScripts.load(name);
	}

	/** Answers of failover-attempt.lua. */
	enum AttemptCode {

		/** This controller takes the attempt; value 0: the attempt number. */
		TAKEN,
		/** The recording is gone or not RECORDING; value 0: its status ('' when gone). */
		NOT_RECORDING,
		/** The epoch is not the claimed one; value 0: the current epoch. */
		EPOCH_CHANGED,
		/** Nothing to start: the epoch is not pending (its backup was recorded already). */
		NOT_PENDING,
		/** Another attempt holds the lease; value 0: when the next attempt may start (ms). */
		WAIT,
		/** Every attempt was used; value 0: the attempt count. */
		EXHAUSTED

	}

	/** Answers of failover-update.lua. */
	enum UpdateCode {

		/** Updated. */
		OK,
		/** The recording is gone or another one holds its id: nothing changed. */
		GONE

	}

	/** Takes the next start attempt of a pending epoch. Codes: see failover-attempt.lua. */
	LuaAnswer<AttemptCode> takeAttempt(RecordingId id, long epoch, String controllerId, Instant now, long leaseMillis,
			int maxAttempts) {
		return lua.run(ATTEMPT, List.of(RedisKeys.recording(id), RedisKeys.failoverState(id), RedisKeys.failovers(id)),
				List.of(Long.toString(epoch), controllerId, Long.toString(now.toEpochMilli()),
						Long.toString(leaseMillis), Integer.toString(maxAttempts)), AttemptCode.class);
	}

	/**
	 * Sets state fields and merges {@code patch} into the history entry of {@code epoch}, if the
	 * recording is still the one created at {@code createdAt}.
	 */
	boolean update(RecordingId id, long createdAt, Long epoch, Map<String, Object> patch, Map<String, String> state) {
		List<String> args = new ArrayList<>(List.of(Long.toString(createdAt), epoch == null ? "" : epoch.toString(),
				patch == null || patch.isEmpty() ? "" : json.writeValueAsString(patch)));
		state.forEach((k, v) -> {
			args.add(k);
			args.add(v == null ? "" : v);
		});
		return lua.run(UPDATE, List.of(RedisKeys.recording(id), RedisKeys.failoverState(id), RedisKeys.failovers(id)), args,
				UpdateCode.class)
			.code() == UpdateCode.OK;
	}

	/**
	 * The sweep's chunk progress bookkeeping ({@link Snapshot#progressGrew}): the highest chunk
	 * from the manifest or a heartbeat, and when it grew.
	 */
	public void trackProgress(Snapshot s, Instant now) {
		update(s.id(), s.createdAt(), null, null,
				Map.of("progressSeq", Long.toString(s.progressSeq()), "progressAt", Long.toString(now.toEpochMilli())));
	}

}
