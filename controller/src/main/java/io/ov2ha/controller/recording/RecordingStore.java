package io.ov2ha.controller.recording;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Repository;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.redis.LuaRunner;
import io.ov2ha.controller.redis.LuaScripts;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ProblemType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Recording state in Redis (keys: {@link RedisKeys}). Every change is one Lua script, so it is
 * atomic across controller replicas sharing one Redis, and fenced by the epoch.
 */
@Repository
public class RecordingStore {

	private static final RedisScript<List> REGISTER = script("register");

	private static final RedisScript<List> HEARTBEAT = script("heartbeat");

	private static final RedisScript<List> CHUNK = script("chunk");

	private static final RedisScript<List> TRANSITION = script("transition");

	private static final RedisScript<List> DELETE = script("delete");

	private static final RedisScript<List> WEBHOOK_STARTED = script("webhook-started");

	private static final RedisScript<List> ANNOTATE = script("annotate");

	private static final RedisScript<List> ABANDON = script("abandon");

	private static final RedisScript<List> PRUNE = script("prune");

	/** Every status, for scripts that clear a recording from every status index. */
	private static final String ALL_STATUSES = String.join(",",
			java.util.Arrays.stream(RecordingStatus.values()).map(Enum::name).toList());

	private final StringRedisTemplate redis;

	private final LuaRunner lua;

	private final JsonMapper json;

	private final Clock clock;

	private final String retentionMillis;

	RecordingStore(StringRedisTemplate redis, LuaRunner lua, JsonMapper json, Clock clock, StateRetentionProperties retention) {
		this.lua = lua;
		this.redis = redis;
		this.json = json;
		this.clock = clock;
		this.retentionMillis = Long.toString(retention.retention().toMillis());
	}

	private static RedisScript<List> script(String name) {
		return LuaScripts.load(name);
	}

	/** Answers of register.lua. */
	enum RegisterCode {

		/** Registered: the recording is new (or replaces a finished one with its id). */
		CREATED,
		/** The same recorder registered again: nothing changed. */
		REPEATED,
		/** Another recording holding the id is active; values: its createdAt, its status. */
		ID_IN_USE,
		/** The recording is final; values: status, epoch. */
		FINAL,
		/** The epoch is not the current one; value 0: the current epoch. */
		STALE_EPOCH,
		/** Another container is registered at this epoch; value 0: the epoch. */
		CONTAINER_CONFLICT,
		/** A new recording at an epoch other than 0: one the controller never issued. */
		EPOCH_NOT_ISSUED

	}

	/** Answers of heartbeat.lua. */
	enum HeartbeatCode {

		/**
		 * Recorded; values: status, epoch, standstill ({@code 1}: a capturing heartbeat of the same
		 * epoch that shows no growth of media time or frames since the last one; else {@code 0}).
		 */
		OK,
		/** No such recording. */
		NOT_FOUND,
		/** The recording is final; values: status, epoch. */
		FINAL,
		/** The epoch is not the current one; value 0: the current epoch. */
		STALE_EPOCH

	}

	/** Answers of chunk.lua. */
	enum ChunkCode {

		/** Added to the manifest. */
		CREATED,
		/** Reported before with the same checksum: nothing changed. */
		REPEATED,
		/** Reported before with another checksum: nothing changed. */
		CHUNK_CONFLICT,
		/** No such recording. */
		NOT_FOUND,
		/** The recording is final; values: status, epoch. */
		FINAL,
		/** The epoch is not the current one; value 0: the current epoch. */
		STALE_EPOCH,
		/** The manifest is full; value 0: its chunk count. */
		TOO_MANY_CHUNKS

	}

	/** Answers of transition.lua. */
	public enum TransitionCode {

		/** Moved; value 0: the previous status. */
		CHANGED,
		/** Not moved (not allowed from the current status); value 0: the status. */
		UNCHANGED,
		/** No such recording. */
		NOT_FOUND,
		/** Not moved: the epoch is not the expected one; value 0: the current epoch. */
		STALE_EPOCH

	}

	/** Answers of delete.lua. */
	enum DeleteCode {

		/** Every key is gone; value 0: the status it had. */
		DELETED,
		/** Not deleted: not final and not forced; value 0: the status. */
		ACTIVE,
		/** No such recording. */
		NOT_FOUND

	}

	/** Answers of webhook-started.lua. */
	public enum WebhookStartedCode {

		/** The document was created from the webhook. */
		CREATED,
		/** The recording (id, createdAt) exists (its recorder registered first); value 0: its status. */
		EXISTS,
		/** A finished recording with the id was archived, the document created; value 0: its createdAt. */
		REPLACED,
		/** An active recording holds the id; values: its createdAt, its status. */
		ID_IN_USE,
		/** A late event: a newer recording holds the id; value 0: its createdAt. */
		OLDER

	}

	/** Answers of annotate.lua. */
	public enum AnnotateCode {

		/** The fields are set; values: status, failoverCount. */
		OK,
		/** No such recording. */
		NOT_FOUND,
		/** Another recording now holds the id: nothing set; value 0: its createdAt. */
		OTHER_RECORDING

	}

	/** Answers of abandon.lua. */
	public enum AbandonCode {

		/** Moved to ABANDONED; value 0: the previous status. */
		ABANDONED,
		/** Not idle: kept; value 0: its latest activity (ms). */
		ACTIVE,
		/**
		 * Its finalization runs or will run again (its lease held, or PENDING, RUNNING,
		 * RETRY_WAIT): kept for the finalizer to end; value 0: the finalization's state.
		 */
		FINALIZATION_PENDING,
		/** Final already; value 0: its status. */
		FINAL,
		/** No such recording. */
		NOT_FOUND,
		/** Another recording now holds the id: nothing changed; value 0: its createdAt. */
		OTHER_RECORDING

	}

	/** A new registration's document fields. */
	record Registration(RecordingId id, long createdAt, long epoch, String containerId, String host,
			String recordingJson, String envJson, String sessionId, String name) {

		String identity() {
			return containerId.isEmpty() ? "host:" + host : containerId;
		}

	}

	/**
	 * Registers the recorder of {@code epoch}. Codes: CREATED, REPEATED, ID_IN_USE (createdAt,
	 * status), FINAL (status), STALE_EPOCH (current epoch), CONTAINER_CONFLICT, EPOCH_NOT_ISSUED
	 * (a new recording at an epoch other than 0).
	 */
	LuaAnswer<RegisterCode> register(Registration r) {
		long now = clock.millis();
		String container = toJson(Map.of("epoch", r.epoch(), "containerId", r.containerId(), "host", r.host(), "role",
				r.epoch() == 0 ? "primary" : "backup", "since", now));
		List<String> args = new ArrayList<>(List.of(r.id().value(), Long.toString(r.createdAt()),
				Long.toString(r.epoch()), r.identity(), container, Long.toString(now), RedisKeys.STATUS_INDEX_PREFIX));
		args.addAll(List.of("containerId", r.containerId(), "host", r.host(), "recordingJson", r.recordingJson(), "env",
				r.envJson(), "sessionId", r.sessionId(), "name", r.name()));
		return lua.run(REGISTER, List.of(RedisKeys.recording(r.id()), RedisKeys.containers(r.id()), RedisKeys.chunks(r.id()),
				RedisKeys.previous(r.id()), RedisKeys.allIndex(), RedisKeys.heartbeatIndex(),
				RedisKeys.containerIndex()), args, RegisterCode.class);
	}

	/** Codes: OK (status, epoch, standstill), NOT_FOUND, FINAL (status, epoch), STALE_EPOCH (current epoch). */
	LuaAnswer<HeartbeatCode> heartbeat(RecordingId id, long epoch, Long lastChunkSeq, long uploadBacklog,
			long freeDiskBytes, RecorderProgress.Phase phase, Long mediaTimeMs, Long frames, Double speed,
			Long progressAgeMs, RecorderContent content) {
		return lua.run(HEARTBEAT, List.of(RedisKeys.recording(id), RedisKeys.heartbeatIndex(), RedisKeys.uploadBacklogIndex()),
				List.of(Long.toString(epoch), orEmpty(lastChunkSeq), Long.toString(uploadBacklog),
						Long.toString(freeDiskBytes), Long.toString(clock.millis()), id.value(),
						phase == null ? "" : phase.slug(), orEmpty(mediaTimeMs), orEmpty(frames),
						speed == null || !Double.isFinite(speed) ? "" : Double.toString(speed), orEmpty(progressAgeMs),
						content.state() == null ? "" : content.state().slug(), orEmpty(content.blankMs()),
						orEmpty(content.shownMediaMs())),
				HeartbeatCode.class);
	}

	private static String orEmpty(Long value) {
		return value == null ? "" : value.toString();
	}

	/**
	 * Codes: CREATED, REPEATED, CHUNK_CONFLICT, NOT_FOUND, FINAL (status, epoch), STALE_EPOCH
	 * (epoch), TOO_MANY_CHUNKS (count: the manifest holds {@code maxChunks} already).
	 */
	LuaAnswer<ChunkCode> reportChunk(RecordingId id, ChunkEntry chunk, int maxChunks) {
		Map<String, Object> doc = new LinkedHashMap<>();
		doc.put("schema", 1);
		doc.put("seq", chunk.seq());
		doc.put("epoch", chunk.epoch());
		doc.put("durationSeconds", chunk.durationSeconds());
		doc.put("sizeBytes", chunk.sizeBytes());
		doc.put("checksum", chunk.checksum());
		doc.put("storageKey", chunk.storageKey());
		doc.put("reportedAt", chunk.reportedAt().toEpochMilli());
		return lua.run(CHUNK, List.of(RedisKeys.recording(id), RedisKeys.chunks(id)),
				List.of(Long.toString(chunk.epoch()), ChunkEntry.field(chunk.seq(), chunk.epoch()), toJson(doc),
						chunk.checksum(), Double.toString(chunk.durationSeconds()), Long.toString(chunk.seq()),
						Long.toString(chunk.reportedAt().toEpochMilli()), Integer.toString(maxChunks)),
				ChunkCode.class);
	}

	/**
	 * Moves the recording to {@code target} only if that is a higher rank than its status (no
	 * event moves a recording backwards). Codes: CHANGED (previous status), UNCHANGED (status),
	 * NOT_FOUND.
	 */
	public LuaAnswer<TransitionCode> advance(RecordingId id, RecordingStatus target, Map<String, String> fields) {
		return transition(id, target, "advance", List.of(), null, fields);
	}

	/** Moves the recording to {@code target} only from one of {@code from} (compare-and-set). */
	public LuaAnswer<TransitionCode> transition(RecordingId id, RecordingStatus target, List<RecordingStatus> from,
			Map<String, String> fields) {
		return transition(id, target, "from", from, null, fields);
	}

	/**
	 * Like {@link #transition(RecordingId, RecordingStatus, List, Map)}, and only while the
	 * recording is at {@code epoch}, checked in the same atomic step: a failover that claimed the
	 * next epoch meanwhile makes it STALE_EPOCH (current epoch) and nothing changes.
	 */
	public LuaAnswer<TransitionCode> transitionAtEpoch(RecordingId id, RecordingStatus target,
			List<RecordingStatus> from, long epoch, Map<String, String> fields) {
		return transition(id, target, "from", from, epoch, fields);
	}

	private LuaAnswer<TransitionCode> transition(RecordingId id, RecordingStatus target, String mode,
			List<RecordingStatus> from, Long epoch, Map<String, String> fields) {
		List<String> args = new ArrayList<>(List.of(id.value(), target.name(), mode,
				String.join(",", from.stream().map(Enum::name).toList()), Long.toString(clock.millis()),
				RedisKeys.STATUS_INDEX_PREFIX, epoch == null ? "" : epoch.toString(), retentionMillis));
		fields.forEach((k, v) -> {
			args.add(k);
			args.add(v == null ? "" : v);
		});
		return lua.run(TRANSITION,
				List.of(RedisKeys.recording(id), RedisKeys.heartbeatIndex(), RedisKeys.uploadBacklogIndex()), args,
				TransitionCode.class);
	}

	/**
	 * Deletes every key of the recording (also those of earlier recordings with its id) and its
	 * entries in every index. Codes: DELETED (status), ACTIVE (status), NOT_FOUND.
	 */
	LuaAnswer<DeleteCode> delete(RecordingId id, boolean force) {
		return lua.run(DELETE, indexKeys(id), List.of(id.value(), force ? "1" : "0", RedisKeys.STATUS_INDEX_PREFIX,
				ALL_STATUSES), DeleteCode.class);
	}

	/** The document key and every index a recording can be in (delete.lua, prune.lua). */
	private static List<String> indexKeys(RecordingId id) {
		return List.of(RedisKeys.recording(id), RedisKeys.allIndex(), RedisKeys.heartbeatIndex(),
				RedisKeys.uploadBacklogIndex(), RedisKeys.backupIndex(), RedisKeys.containerIndex());
	}

	/** Answers of prune.lua. */
	public enum PruneCode {

		/** The recording is gone (its keys expired): its index entries were removed. */
		PRUNED,
		/** Final without an expiry (finished before HA_STATE_RETENTION existed): it got one. */
		EXPIRING,
		/** Final, expiring already. */
		KEPT,
		/** Not final (value 0: its status). */
		ACTIVE

	}

	/**
	 * Index upkeep of one recording id: if its document is gone, removes it from every index (and
	 * the given container ids from the container index, where they still map to it); if it is
	 * final without an expiry, sets one (HA_STATE_RETENTION from its last change).
	 */
	public LuaAnswer<PruneCode> prune(RecordingId id, List<String> containerIds) {
		List<String> args = new ArrayList<>(List.of(id.value(), RedisKeys.STATUS_INDEX_PREFIX, ALL_STATUSES,
				retentionMillis, Long.toString(clock.millis())));
		args.addAll(containerIds);
		return lua.run(PRUNE, indexKeys(id), args, PruneCode.class);
	}

	/**
	 * The container index (recorder container id -> recording id), read with HSCAN (Redis is not
	 * blocked), grouped by recording id.
	 */
	public Map<String, List<String>> containerIndex() {
		Map<String, List<String>> byRecording = new LinkedHashMap<>();
		try (var cursor = redis.<String, String>opsForHash()
			.scan(RedisKeys.containerIndex(), ScanOptions.scanOptions().count(500).build())) {
			cursor.forEachRemaining(
					e -> byRecording.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey()));
		}
		return byRecording;
	}

	/**
	 * OpenVidu's {@code started} webhook for ({@code id}, {@code createdAt}): creates the document
	 * ({@code source=webhook}, status RECORDING, epoch 0, no {@code registeredAt}) unless it exists;
	 * the recorder's registration completes it later. {@code fields} are set on creation. Codes:
	 * CREATED, EXISTS (status), REPLACED (createdAt of the finished recording archived as with a
	 * registration), ID_IN_USE (createdAt, status of the active recording holding the id), OLDER
	 * (createdAt of the newer recording holding the id).
	 */
	public LuaAnswer<WebhookStartedCode> createFromWebhook(RecordingId id, long createdAt, Map<String, String> fields) {
		List<String> args = new ArrayList<>(List.of(id.value(), Long.toString(createdAt), Long.toString(clock.millis()),
				RedisKeys.STATUS_INDEX_PREFIX));
		fields.forEach((k, v) -> {
			args.add(k);
			args.add(v == null ? "" : v);
		});
		return lua.run(WEBHOOK_STARTED, List.of(RedisKeys.recording(id), RedisKeys.containers(id), RedisKeys.chunks(id),
				RedisKeys.previous(id), RedisKeys.allIndex()), args, WebhookStartedCode.class);
	}

	/**
	 * Sets document fields other than the status, only on the recording ({@code id},
	 * {@code createdAt}): {@code fields} always, {@code fieldsIfAbsent} only where not set yet.
	 * Codes: OK (status, failoverCount), NOT_FOUND, OTHER_RECORDING (createdAt of the recording
	 * now holding the id).
	 */
	public LuaAnswer<AnnotateCode> annotate(RecordingId id, long createdAt, Map<String, String> fields,
			Map<String, String> fieldsIfAbsent) {
		List<String> args = new ArrayList<>(List.of(Long.toString(createdAt), Integer.toString(fields.size())));
		fields.forEach((k, v) -> {
			args.add(k);
			args.add(v == null ? "" : v);
		});
		fieldsIfAbsent.forEach((k, v) -> {
			args.add(k);
			args.add(v == null ? "" : v);
		});
		return lua.run(ANNOTATE, List.of(RedisKeys.recording(id)), args, AnnotateCode.class);
	}

	/**
	 * Moves the recording ({@code id}, {@code createdAt}) to ABANDONED if it is not final and none
	 * of its activity times (creation, registration, status change, heartbeat, chunk,
	 * {@code openviduActivityAt}, {@code activityAt}) is at or after {@code cutoffMillis} and no
	 * finalization of it runs or waits for its next attempt; checked and changed atomically, so a
	 * heartbeat that lands first keeps it alive. Codes: ABANDONED (previous status), ACTIVE (latest
	 * activity ms), FINALIZATION_PENDING (its state), FINAL (status), NOT_FOUND, OTHER_RECORDING.
	 */
	public LuaAnswer<AbandonCode> abandonIfIdle(RecordingId id, long createdAt, long cutoffMillis,
			Map<String, String> fields) {
		List<String> args = new ArrayList<>(List.of(id.value(), Long.toString(createdAt), Long.toString(cutoffMillis),
				Long.toString(clock.millis()), RedisKeys.STATUS_INDEX_PREFIX, retentionMillis));
		fields.forEach((k, v) -> {
			args.add(k);
			args.add(v == null ? "" : v);
		});
		return lua.run(ABANDON, List.of(RedisKeys.recording(id), RedisKeys.heartbeatIndex(), RedisKeys.uploadBacklogIndex(),
				RedisKeys.finalization(id, createdAt), RedisKeys.finalizeLease(id)), args, AbandonCode.class);
	}

	/** Raw document fields (null where absent), for fields {@link Recording} does not carry. */
	public List<String> fields(RecordingId id, String... names) {
		List<Object> values = redis.opsForHash().multiGet(RedisKeys.recording(id), List.of((Object[]) names));
		return values.stream().map(v -> v == null ? null : v.toString()).toList();
	}

	/** Recording ids in one status, oldest {@code createdAt} first (from the status index). */
	public List<String> idsInStatus(RecordingStatus status, long offset, long count) {
		var ids = redis.opsForZSet().range(RedisKeys.statusIndex(status.name()), offset, offset + count - 1);
		return ids == null ? List.of() : List.copyOf(ids);
	}

	/** The recording, or the API's "recording not found" problem. */
	public Recording require(RecordingId id) {
		return find(id).orElseThrow(() -> notFound(id));
	}

	/** The API's one "recording not found" problem (404). */
	public static ApiException notFound(RecordingId id) {
		return new ApiException(ProblemType.RECORDING_NOT_FOUND, "No recording " + id + " is known.");
	}

	public Optional<Recording> find(RecordingId id) {
		Map<Object, Object> hash = redis.opsForHash().entries(RedisKeys.recording(id));
		return hash.isEmpty() ? Optional.empty() : Optional.of(Recording.fromHash(strings(hash)));
	}

	public List<ContainerEntry> containers(RecordingId id) {
		return redis.opsForHash()
			.values(RedisKeys.containers(id))
			.stream()
			.map(v -> containerFromJson(v.toString()))
			.sorted(Comparator.comparingLong(ContainerEntry::epoch))
			.toList();
	}

	/** The chunk manifest ordered by (seq, epoch). */
	public List<ChunkEntry> chunks(RecordingId id) {
		return redis.opsForHash()
			.values(RedisKeys.chunks(id))
			.stream()
			.map(v -> chunkFromJson(v.toString()))
			.sorted(Comparator.comparingLong(ChunkEntry::seq).thenComparingLong(ChunkEntry::epoch))
			.toList();
	}

	/** One page of recording ids, newest {@code createdAt} first (ties: id, descending). */
	Page page(RecordingStatus status, int offset, int limit) {
		String index = status == null ? RedisKeys.allIndex() : RedisKeys.statusIndex(status.name());
		Long total = redis.opsForZSet().zCard(index);
		var ids = redis.opsForZSet().reverseRange(index, offset, (long) offset + limit - 1);
		if (ids == null || ids.isEmpty()) {
			return new Page(List.of(), total == null ? 0 : total);
		}
		List<String> idList = List.copyOf(ids);
		List<Object> hashes = redis.executePipelined((RedisCallback<Object>) connection -> {
			for (String id : idList) {
				connection.hashCommands().hGetAll(RedisKeys.recording(RecordingId.of(id)).getBytes());
			}
			return null;
		});
		List<Recording> recordings = new ArrayList<>();
		for (Object h : hashes) {
			if (h instanceof Map<?, ?> map && !map.isEmpty()) {
				recordings.add(Recording.fromHash(strings(map)));
			}
		}
		return new Page(recordings, total == null ? 0 : total);
	}

	record Page(List<Recording> items, long total) {
	}

	/** Recordings per status (from the indexes, O(1) each). */
	public Map<RecordingStatus, Long> countByStatus() {
		Map<RecordingStatus, Long> counts = new LinkedHashMap<>();
		for (RecordingStatus status : RecordingStatus.values()) {
			Long n = redis.opsForZSet().zCard(RedisKeys.statusIndex(status.name()));
			counts.put(status, n == null ? 0 : n);
		}
		return counts;
	}

	private static Map<String, String> strings(Map<?, ?> map) {
		Map<String, String> out = new LinkedHashMap<>();
		map.forEach((k, v) -> out.put(k.toString(), v == null ? null : v.toString()));
		return out;
	}

	private ContainerEntry containerFromJson(String value) {
		return ContainerEntry.fromJson(json.readTree(value));
	}

	private ChunkEntry chunkFromJson(String value) {
		JsonNode n = json.readTree(value);
		return new ChunkEntry(n.path("seq").asLong(), n.path("epoch").asLong(), n.path("durationSeconds").asDouble(),
				n.path("sizeBytes").asLong(), n.path("checksum").asString(""), n.path("storageKey").asString(""),
				Instant.ofEpochMilli(n.path("reportedAt").asLong()));
	}

	private String toJson(Object value) {
		return json.writeValueAsString(value);
	}

}
