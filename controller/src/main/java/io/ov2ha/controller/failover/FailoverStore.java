package io.ov2ha.controller.failover;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Repository;

import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.redis.LuaRunner;
import io.ov2ha.controller.redis.LuaScripts;
import io.ov2ha.controller.redis.RedisKeys;
import tools.jackson.databind.json.JsonMapper;

/**
 * Failover state, history and fencing writes in Redis (keys: {@link RedisKeys}). The decisions
 * that must happen once across controller replicas are Lua scripts: claiming a failover
 * (epoch + 1), taking a start attempt, recording the started backup. State and history updates
 * and adopting a primary's container id are scripts too, applied only to the recording the
 * caller saw. What is read back (state, history, snapshots) is in {@link FailoverReads}.
 *
 * <p>
 * State hash {@code ov2ha:rec:{id}:failover} (schema 1): createdAt, lastClaimAt, pendingEpoch,
 * attempts, attemptBy, nextAttemptAt, lastError, epochSince, awaitFirstChunkEpoch,
 * firstChunkSeq, progressSeq, progressAt, stopHandledEpoch (times in ms). History hash
 * {@code ov2ha:rec:{id}:failovers}: new epoch -> {@link FailoverRecord} JSON.
 */
@Repository
class FailoverStore {

	private static final RedisScript<List> CLAIM = script("failover-claim");

	private static final RedisScript<List> ATTEMPT = script("failover-attempt");

	private static final RedisScript<List> STARTED = script("failover-started");

	private static final RedisScript<List> UPDATE = script("failover-update");

	private static final RedisScript<List> ADOPT = script("failover-adopt");

	private final StringRedisTemplate redis;

	private final LuaRunner lua;

	private final JsonMapper json;

	FailoverStore(StringRedisTemplate redis, LuaRunner lua, JsonMapper json) {
		this.lua = lua;
		this.redis = redis;
		this.json = json;
	}

	private static RedisScript<List> script(String name) {
		return LuaScripts.load(name);
	}

	/** Answers of failover-claim.lua. */
	enum ClaimCode {

		/** Claimed: the epoch was incremented; values: the new epoch, the failover number. */
		CLAIMED,
		/** No such recording. */
		NOT_FOUND,
		/** The recording is not RECORDING; value 0: its status. */
		NOT_RECORDING,
		/** The epoch is not the observed one; value 0: the current epoch. */
		EPOCH_CHANGED,
		/** A backup of the current epoch is being started already; value 0: the epoch. */
		PENDING,
		/** HA_MAX_FAILOVERS reached; value 0: the failover count. */
		EXHAUSTED,
		/** Too soon after the last claim; value 0: when a claim is possible again (ms). */
		BACKOFF,
		/** The recorder never registered its OpenVidu environment: no backup can be started. */
		NO_ENVIRONMENT,
		/** HA_MAX_CONCURRENT_BACKUPS backups run: deferred; values: running, '1' on the first deferral. */
		CAPPED

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

	/** Answers of failover-started.lua. */
	enum StartedCode {

		/** The backup holds the epoch; value 0: the recording's status. */
		RECORDED,
		/** No such recording. */
		NOT_FOUND,
		/** A later epoch was claimed meanwhile; value 0: the current epoch. */
		EPOCH_CHANGED,
		/** The recording ended meanwhile; value 0: its status. */
		FINAL

	}

	/** Answers of failover-update.lua. */
	enum UpdateCode {

		/** Updated. */
		OK,
		/** The recording is gone or another one holds its id: nothing changed. */
		GONE

	}

	/** Answers of failover-adopt.lua. */
	enum AdoptCode {

		/** The container id is recorded. */
		ADOPTED,
		/** Nothing changed: the recording is gone, at another epoch, or has a container id. */
		UNCHANGED

	}

	/**
	 * Claims the failover of the recorder of {@code observedEpoch}: increments the epoch (which
	 * fences the old recorder), counts the failover, marks the new epoch as pending for this
	 * controller and appends the history entry, unless {@code maxConcurrentBackups} backups of
	 * other recordings run (CAPPED: the next epoch's history entry says {@code deferred}). See
	 * failover-claim.lua for the codes.
	 */
	LuaAnswer<ClaimCode> claim(RecordingId id, long observedEpoch, int maxFailovers, String controllerId, Instant now,
			long backoffMillis, long attemptLeaseMillis, FailoverReason reason, Map<String, Object> entry,
			boolean manual, int maxConcurrentBackups) {
		return lua.run(CLAIM,
				List.of(RedisKeys.recording(id), RedisKeys.failoverState(id), RedisKeys.failovers(id),
						RedisKeys.failoverStats(), RedisKeys.backupIndex()),
				List.of(Long.toString(observedEpoch), Integer.toString(maxFailovers), controllerId,
						Long.toString(now.toEpochMilli()), Long.toString(backoffMillis), Long.toString(attemptLeaseMillis),
						reason.slug(), json.writeValueAsString(entry), manual ? "1" : "0",
						Integer.toString(maxConcurrentBackups), RedisKeys.RECORDING_KEY_PREFIX, id.value()),
				ClaimCode.class);
	}

	/** Takes the next start attempt of a pending epoch. Codes: see failover-attempt.lua. */
	LuaAnswer<AttemptCode> takeAttempt(RecordingId id, long epoch, String controllerId, Instant now, long leaseMillis,
			int maxAttempts) {
		return lua.run(ATTEMPT, List.of(RedisKeys.recording(id), RedisKeys.failoverState(id), RedisKeys.failovers(id)),
				List.of(Long.toString(epoch), controllerId, Long.toString(now.toEpochMilli()),
						Long.toString(leaseMillis), Integer.toString(maxAttempts)), AttemptCode.class);
	}

	/**
	 * Records the started backup for its epoch. Codes: see failover-started.lua.
	 *
	 * @param endpoint the engine it runs on (the container history's {@code host} when the host name is unknown)
	 * @param hostName the engine's host name, the recording's {@code host} from now on and in its
	 *        container history, as a primary's registered host (empty: unknown)
	 */
	LuaAnswer<StartedCode> started(RecordingId id, long epoch, String containerId, String endpoint, String hostName,
			Instant now, long startChunk, Map<String, Object> patch) {
		Map<String, Object> container = new LinkedHashMap<>();
		container.put("epoch", epoch);
		container.put("containerId", containerId);
		container.put("host", hostName == null || hostName.isEmpty() ? endpoint : hostName);
		container.put("role", "backup");
		container.put("since", now.toEpochMilli());
		if (startChunk >= 0) {
			// where the backup's media time starts, for the finalization's timeline even when that chunk is lost
			container.put("startChunk", startChunk);
		}
		return lua.run(STARTED,
				List.of(RedisKeys.recording(id), RedisKeys.failoverState(id), RedisKeys.failovers(id),
						RedisKeys.containers(id), RedisKeys.containerIndex()),
				List.of(Long.toString(epoch), containerId, json.writeValueAsString(container),
						Long.toString(now.toEpochMilli()), id.value(), json.writeValueAsString(patch),
						Long.toString(startChunk), hostName == null ? "" : hostName), StartedCode.class);
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

	/** Records the container id of a primary found by OpenVidu's exact container name. */
	boolean adoptPrimary(RecordingId id, long epoch, String containerId) {
		return lua.run(ADOPT, List.of(RedisKeys.recording(id), RedisKeys.containers(id), RedisKeys.containerIndex()),
				List.of(Long.toString(epoch), containerId, id.value()), AdoptCode.class)
			.code() == AdoptCode.ADOPTED;
	}

	/**
	 * The sweep's chunk progress bookkeeping ({@link Snapshot#progressGrew}): the highest chunk
	 * from the manifest or a heartbeat, and when it grew.
	 */
	void trackProgress(Snapshot s, Instant now) {
		update(s.id(), s.createdAt(), null, null,
				Map.of("progressSeq", Long.toString(s.progressSeq()), "progressAt", Long.toString(now.toEpochMilli())));
	}

}
