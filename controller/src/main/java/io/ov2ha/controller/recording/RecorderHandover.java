package io.ov2ha.controller.recording;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Repository;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.redis.LuaRunner;
import io.ov2ha.controller.redis.LuaScripts;
import io.ov2ha.controller.redis.RedisKeys;
import tools.jackson.databind.json.JsonMapper;

/**
 * Which recorder holds a recording: the writes of the recording hash's {@code epoch},
 * {@code failoverCount}, {@code containerId}, {@code identity} and {@code host} that a failover
 * makes. Each is one Lua script, atomic with the failover's own state and history (keys:
 * {@link RedisKeys}; the failover package owns those fields and decides when to call):
 * <ul>
 * <li>{@link #claim}: the next epoch, which fences the old recorder (recorder-claim.lua);</li>
 * <li>{@link #started}: the backup container that holds the claimed epoch (recorder-started.lua);</li>
 * <li>{@link #adoptPrimary}: the container id of a primary that registered without one, found by
 * OpenVidu's exact container name (recorder-adopt.lua).</li>
 * </ul>
 * With {@link RecordingStore}, the only writers of the recording hash.
 */
@Repository
public class RecorderHandover {

	private static final RedisScript<List> CLAIM = LuaScripts.load("recorder-claim");

	private static final RedisScript<List> STARTED = LuaScripts.load("recorder-started");

	private static final RedisScript<List> ADOPT = LuaScripts.load("recorder-adopt");

	private final LuaRunner lua;

	private final JsonMapper json;

	public RecorderHandover(LuaRunner lua, JsonMapper json) {
		this.lua = lua;
		this.json = json;
	}

	/** Answers of recorder-claim.lua. */
	public enum ClaimCode {

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

	/** Answers of recorder-started.lua. */
	public enum StartedCode {

		/** The backup holds the epoch; value 0: the recording's status. */
		RECORDED,
		/** No such recording. */
		NOT_FOUND,
		/** A later epoch was claimed meanwhile; value 0: the current epoch. */
		EPOCH_CHANGED,
		/** The recording ended meanwhile; value 0: its status. */
		FINAL

	}

	/** Answers of recorder-adopt.lua. */
	public enum AdoptCode {

		/** The container id is recorded. */
		ADOPTED,
		/** Nothing changed: the recording is gone, at another epoch, or has a container id. */
		UNCHANGED

	}

	/**
	 * The limits a claim is held to.
	 *
	 * @param maxFailovers HA_MAX_FAILOVERS
	 * @param backoffMillis the back-off after the first failover, doubled at each (up to 16x)
	 * @param attemptLeaseMillis how long the first start attempt holds the claimed epoch
	 * @param maxConcurrentBackups HA_MAX_CONCURRENT_BACKUPS, across every controller
	 * @param manual an operator's failover: no back-off (the other limits hold)
	 */
	public record ClaimLimits(int maxFailovers, long backoffMillis, long attemptLeaseMillis, int maxConcurrentBackups,
			boolean manual) {
	}

	/**
	 * Claims the failover of the recorder of {@code observedEpoch}: increments the epoch (which
	 * fences the old recorder), counts the failover, marks the new epoch as pending for this
	 * controller and appends the history entry, unless {@code maxConcurrentBackups} backups of
	 * other recordings run (CAPPED: the next epoch's history entry says {@code deferred}). See
	 * recorder-claim.lua for the codes.
	 *
	 * @param reason the failover reason's slug (history and statistics)
	 * @param entry the history entry's observations (the script adds the epochs and the claim)
	 */
	public LuaAnswer<ClaimCode> claim(RecordingId id, long observedEpoch, String controllerId, Instant now,
			String reason, ClaimLimits limits, Map<String, Object> entry) {
		return lua.run(CLAIM,
				List.of(RedisKeys.recording(id), RedisKeys.failoverState(id), RedisKeys.failovers(id),
						RedisKeys.failoverStats(), RedisKeys.backupIndex()),
				List.of(Long.toString(observedEpoch), Integer.toString(limits.maxFailovers()), controllerId,
						Long.toString(now.toEpochMilli()), Long.toString(limits.backoffMillis()),
						Long.toString(limits.attemptLeaseMillis()), reason, json.writeValueAsString(entry),
						limits.manual() ? "1" : "0", Integer.toString(limits.maxConcurrentBackups()),
						RedisKeys.RECORDING_KEY_PREFIX, id.value()),
				ClaimCode.class);
	}

	/**
	 * Records the started backup for its epoch. Codes: see recorder-started.lua.
	 *
	 * @param endpoint the engine it runs on (the container history's {@code host} when the host name is unknown)
	 * @param hostName the engine's host name, the recording's {@code host} from now on and in its
	 *        container history, as a primary's registered host (empty: unknown)
	 * @param startChunk the backup's first chunk (negative: unknown)
	 * @param patch merged into the epoch's failover history entry
	 */
	public LuaAnswer<StartedCode> started(RecordingId id, long epoch, String containerId, String endpoint,
			String hostName, Instant now, long startChunk, Map<String, Object> patch) {
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
						Long.toString(startChunk), hostName == null ? "" : hostName),
				StartedCode.class);
	}

	/** Records the container id of a primary found by OpenVidu's exact container name. */
	public boolean adoptPrimary(RecordingId id, long epoch, String containerId) {
		return lua.run(ADOPT, List.of(RedisKeys.recording(id), RedisKeys.containers(id), RedisKeys.containerIndex()),
				List.of(Long.toString(epoch), containerId, id.value()), AdoptCode.class)
			.code() == AdoptCode.ADOPTED;
	}

}
