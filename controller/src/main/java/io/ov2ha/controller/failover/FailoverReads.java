package io.ov2ha.controller.failover;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations;
import org.springframework.stereotype.Repository;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.ChunkEntry;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.redis.RedisKeys;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the failover code reads back from Redis with plain commands (keys: {@link RedisKeys}):
 * the failover state and history the scripts of {@link FailoverStore} and
 * {@link io.ov2ha.controller.recording.RecorderHandover} write (FailoverStore's Javadoc has the
 * schema), the failover stats, the chunk manifest's report times, the container index, and
 * the {@link Snapshot}s failure detection judges, read in pipelined round trips. Its one write is
 * the container index's cleanup, which needs no script: it only drops entries of recordings that
 * are final or gone.
 */
@Repository
public class FailoverReads {

	private static final String[] SNAPSHOT_FIELDS = { "status", "epoch", "createdAt", "containerId", "lastChunkSeq",
			"lastChunkAt", "hbLastChunkSeq", "failoverCount", "registeredAt", "createdInRegistryAt", "updatedAt",
			"hbEpoch", "hbPhase", "hbMediaTimeMs", "hbFrames", "hbSpeed", "hbAdvancedAt", "hbContent", "hbBlankMs",
			"hbShownMediaMs", "hbMediaAtMs", "host", "lastHeartbeatAt", "openviduActivityAt", "activityAt",
			"sessionDestroyedAt", "sessionDestroyedReason" };

	private final StringRedisTemplate redis;

	private final JsonMapper json;

	FailoverReads(StringRedisTemplate redis, JsonMapper json) {
		this.redis = redis;
		this.json = json;
	}

	FailoverState state(RecordingId id, long recordingCreatedAt) {
		return FailoverState.fromHash(strings(redis.opsForHash().entries(RedisKeys.failoverState(id))),
				recordingCreatedAt);
	}

	/** The failovers of the recording created at {@code createdAt}, by epoch. */
	List<FailoverRecord> history(RecordingId id, long createdAt) {
		List<FailoverRecord> out = new ArrayList<>();
		for (Object v : redis.opsForHash().values(RedisKeys.failovers(id))) {
			FailoverRecord r = FailoverRecord.fromJson(json.readTree(v.toString()));
			if (r.createdAt() == createdAt) {
				out.add(r);
			}
		}
		out.sort(Comparator.comparingLong(FailoverRecord::toEpoch));
		return out;
	}

	Optional<FailoverRecord> historyEntry(RecordingId id, long epoch) {
		Object v = redis.opsForHash().get(RedisKeys.failovers(id), Long.toString(epoch));
		return v == null ? Optional.empty() : Optional.of(FailoverRecord.fromJson(json.readTree(v.toString())));
	}

	/** Failovers ever claimed by all controllers sharing this Redis, by reason. */
	Map<String, Long> stats() {
		Map<String, Long> out = new LinkedHashMap<>();
		redis.opsForHash()
			.entries(RedisKeys.failoverStats())
			.forEach((k, v) -> out.put(k.toString(), Long.parseLong(v.toString())));
		return out;
	}

	/** The recording a recorder container belongs to, from the container index. */
	public Optional<RecordingId> recordingOfContainer(String containerId) {
		Object v = redis.opsForHash().get(RedisKeys.containerIndex(), containerId);
		return v == null || !RecordingId.isValid(v.toString()) ? Optional.empty()
				: Optional.of(RecordingId.of(v.toString()));
	}

	/** When the chunk (seq, epoch) was reported, if it is in the manifest. */
	Optional<Instant> chunkReportedAt(RecordingId id, long seq, long epoch) {
		Object v = redis.opsForHash().get(RedisKeys.chunks(id), ChunkEntry.field(seq, epoch));
		if (v == null) {
			return Optional.empty();
		}
		JsonNode n = json.readTree(v.toString());
		return n.path("reportedAt").isNumber() ? Optional.of(Instant.ofEpochMilli(n.path("reportedAt").asLong()))
				: Optional.empty();
	}

	/**
	 * Every non-final recording (the heartbeat index), with its last heartbeat and the fields
	 * failure detection needs, read in one pipelined round trip.
	 */
	public List<Snapshot> snapshots() {
		var entries = redis.opsForZSet().rangeWithScores(RedisKeys.heartbeatIndex(), 0, -1);
		if (entries == null || entries.isEmpty()) {
			return List.of();
		}
		List<RecordingId> ids = new ArrayList<>();
		List<Double> scores = new ArrayList<>();
		for (ZSetOperations.TypedTuple<String> e : entries) {
			if (e.getValue() != null && RecordingId.isValid(e.getValue())) {
				ids.add(RecordingId.of(e.getValue()));
				scores.add(e.getScore());
			}
		}
		return read(ids, scores);
	}

	/**
	 * The snapshots of {@code ids}, read in one pipelined round trip, each with its heartbeat index
	 * score ({@code scores}, by position; null when it has none).
	 */
	private List<Snapshot> read(List<RecordingId> ids, List<Double> scores) {
		byte[][] fields = snapshotFields();
		List<Object> results = redis.executePipelined((RedisCallback<Object>) connection -> {
			for (RecordingId id : ids) {
				connection.hashCommands().hMGet(RedisKeys.recording(id).getBytes(), fields);
				connection.hashCommands().hGetAll(RedisKeys.failoverState(id).getBytes());
			}
			return null;
		});
		List<Snapshot> out = new ArrayList<>();
		for (int i = 0; i < ids.size(); i++) {
			snapshotOf(ids.get(i), (List<?>) results.get(2 * i), (Map<?, ?>) results.get(2 * i + 1), scores.get(i))
				.ifPresent(out::add);
		}
		return out;
	}

	/**
	 * The non-final recordings no recorder is tracked for: in a status index (RECORDING, STOPPING,
	 * FINALIZING) but not in the heartbeat index, as a recording OpenVidu's {@code started} webhook
	 * created and no recorder ever registered. Read as {@link #snapshots()} reads the others (their
	 * heartbeat the hash's, if any), in two pipelined round trips, for the questions that need no
	 * recorder: a finalization to resume, a stale recording. Never judged as recorders.
	 *
	 * @param tracked the snapshots of the heartbeat index, just read
	 */
	public List<Snapshot> untracked(List<Snapshot> tracked) {
		List<RecordingStatus> active = List.of(RecordingStatus.RECORDING, RecordingStatus.STOPPING,
				RecordingStatus.FINALIZING);
		List<Object> indexed = redis.executePipelined((RedisCallback<Object>) connection -> {
			for (RecordingStatus status : active) {
				connection.zSetCommands().zRange(RedisKeys.statusIndex(status.name()).getBytes(), 0, -1);
			}
			return null;
		});
		Set<String> seen = new HashSet<>();
		tracked.forEach(s -> seen.add(s.id().value()));
		List<RecordingId> ids = new ArrayList<>();
		for (Object members : indexed) {
			if (members instanceof Collection<?> c) {
				for (Object m : c) {
					String id = m.toString();
					if (RecordingId.isValid(id) && seen.add(id)) {
						ids.add(RecordingId.of(id));
					}
				}
			}
		}
		if (ids.isEmpty()) {
			return List.of();
		}
		List<Double> noScores = Collections.nCopies(ids.size(), (Double) null);
		return read(ids, noScores).stream().filter(s -> !s.status().isFinal()).toList();
	}

	/** The snapshot of one recording, as {@link #snapshots()} has it; empty when it is not there. */
	public Optional<Snapshot> snapshot(RecordingId id) {
		byte[][] fields = snapshotFields();
		// one round trip, as snapshots(): the heartbeat time and the fields it goes with
		List<Object> results = redis.executePipelined((RedisCallback<Object>) connection -> {
			connection.zSetCommands().zScore(RedisKeys.heartbeatIndex().getBytes(), id.value().getBytes());
			connection.hashCommands().hMGet(RedisKeys.recording(id).getBytes(), fields);
			connection.hashCommands().hGetAll(RedisKeys.failoverState(id).getBytes());
			return null;
		});
		if (!(results.get(0) instanceof Double score)) {
			return Optional.empty();
		}
		return snapshotOf(id, (List<?>) results.get(1), (Map<?, ?>) results.get(2), score);
	}

	private static byte[][] snapshotFields() {
		byte[][] fields = new byte[SNAPSHOT_FIELDS.length][];
		for (int i = 0; i < fields.length; i++) {
			fields[i] = SNAPSHOT_FIELDS[i].getBytes();
		}
		return fields;
	}

	private static Optional<Snapshot> snapshotOf(RecordingId id, List<?> values, Map<?, ?> failoverState,
			Double score) {
		Map<String, String> doc = new LinkedHashMap<>();
		for (int f = 0; f < SNAPSHOT_FIELDS.length; f++) {
			Object v = values == null || values.size() <= f ? null : values.get(f);
			doc.put(SNAPSHOT_FIELDS[f], v == null ? null : v.toString());
		}
		if (doc.get("status") == null || doc.get("createdAt") == null) {
			return Optional.empty();
		}
		return Optional.of(Snapshot.of(id, doc, strings(failoverState), heartbeatAt(score, doc.get("lastHeartbeatAt"))));
	}

	/**
	 * The last heartbeat: the later of the heartbeat index's score and the recording's
	 * {@code lastHeartbeatAt}. The index is read before the hash (another command, or another
	 * round trip), so a heartbeat recorded in between is in the hash only: its epoch ({@code hbEpoch},
	 * written with {@code lastHeartbeatAt}) must never be judged with the heartbeat time before it.
	 * Seen: a backup's first heartbeat read with its predecessor's last one, 4 s old, made the
	 * backup "hung" 0.2 s after its start, and it was killed.
	 */
	static Instant heartbeatAt(Double score, String lastHeartbeatAt) {
		Instant indexed = score == null ? null : Instant.ofEpochMilli(score.longValue());
		Instant recorded = FailoverState.instant(lastHeartbeatAt);
		if (indexed == null || recorded != null && recorded.isAfter(indexed)) {
			return recorded;
		}
		return indexed;
	}

	/**
	 * Drops container index entries of recordings that are final or gone (the index only maps
	 * events of live recorders). Iterates the index itself, in batches.
	 */
	public int cleanContainerIndex() {
		List<String[]> stale = new ArrayList<>();
		try (Cursor<Map.Entry<Object, Object>> cursor = redis.opsForHash()
			.scan(RedisKeys.containerIndex(), ScanOptions.scanOptions().count(500).build())) {
			while (cursor.hasNext()) {
				Map.Entry<Object, Object> e = cursor.next();
				String container = e.getKey().toString();
				String id = e.getValue().toString();
				if (!RecordingId.isValid(id)) {
					stale.add(new String[] { container });
					continue;
				}
				Object status = redis.opsForHash().get(RedisKeys.recording(RecordingId.of(id)), "status");
				if (status == null || RecordingStatus.valueOf(status.toString()).isFinal()) {
					stale.add(new String[] { container });
				}
			}
		}
		for (String[] s : stale) {
			redis.opsForHash().delete(RedisKeys.containerIndex(), s[0]);
		}
		return stale.size();
	}

	private static Map<String, String> strings(Map<?, ?> map) {
		Map<String, String> out = new LinkedHashMap<>();
		if (map != null) {
			map.forEach((k, v) -> out.put(k.toString(), v == null ? null : v.toString()));
		}
		return out;
	}

}
