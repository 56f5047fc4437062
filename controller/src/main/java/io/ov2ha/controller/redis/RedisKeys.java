package io.ov2ha.controller.redis;

import io.ov2ha.controller.kernel.RecordingId;

/**
 * The one Redis key schema of the controller. Every key the controller reads or writes is
 * built here; nothing uses {@code KEYS} or {@code SCAN} to find data, listings go through the
 * indexes below. Every stored document carries {@code schema} (its version).
 *
 * <pre>
 * ov2ha:rec:{id}                       HASH  the recording document (fields: see RecordingStore)
 * ov2ha:rec:{id}:chunks                HASH  chunk manifest: "&lt;seq:06d&gt;-e&lt;epoch&gt;" -> chunk JSON
 * ov2ha:rec:{id}:containers            HASH  recorder containers: "&lt;epoch&gt;" -> container JSON
 * ov2ha:rec:{id}:previous              LIST  documents of earlier recordings with this id (OpenVidu reuses ids)
 * ov2ha:rec:{id}:chunks:&lt;createdAt&gt;    HASH  chunk manifest of such an earlier recording
 * ov2ha:rec:{id}:containers:&lt;createdAt&gt; HASH  its containers
 * ov2ha:idx:recordings                 ZSET  every recording id, score = createdAt (ms)
 * ov2ha:idx:status:&lt;STATUS&gt;            ZSET  recording ids in that status, score = createdAt (ms)
 * ov2ha:idx:heartbeat                  ZSET  non-final recordings, score = last heartbeat (ms)
 * ov2ha:idx:upload-backlog             ZSET  non-final recordings, score = upload backlog of their last heartbeat
 * ov2ha:lease:&lt;name&gt;                   STRING  a lease held by one controller (RedisLease), value = controller id
 * ov2ha:standby:claim:&lt;containerId&gt;     STRING  a warm standby being handed a recording (StandbyPool), value =
 *                                            controller id, TTL 2 min (the standby takes the backup's name meanwhile)
 * ov2ha:rec:{id}:failover              HASH  failover state of the recording (schema 1; see FailoverStore)
 * ov2ha:rec:{id}:failovers             HASH  failover history: "&lt;new epoch&gt;" -> failover JSON (schema 1)
 * ov2ha:rec:{id}:failovers:&lt;createdAt&gt; HASH  failover history of an earlier recording with this id
 * ov2ha:idx:containers                 HASH  recorder container id -> recording id (maps Docker events)
 * ov2ha:failover:stats                 HASH  failovers ever claimed, by reason (all controllers)
 * ov2ha:idx:backups                    ZSET  recordings whose backup was claimed, score = claim time (ms); for
 *                                            HA_MAX_CONCURRENT_BACKUPS, pruned at each claim (recorder-claim.lua)
 * ov2ha:session:{sid}:recordings       SET   recording ids OpenVidu reported for session sid (webhooks; TTL 7 days)
 * ov2ha:webhook:events                 STREAM every accepted webhook event, in order (OpenVidu's and the controller's own);
 *                                            entry fields: schema, origin, type, recordingId, receivedAt, relay (1/0),
 *                                            note, body (the exact bytes received), [eventId] (default: the entry id),
 *                                            [authorization] (only with HA_WEBHOOK_RELAY_FORWARD_AUTHORIZATION)
 * ov2ha:webhook:relay                  HASH  relay state: schema, position (last processed entry id), counters,
 *                                            last error, the head event's attempts and next attempt time
 * ov2ha:webhook:pending                SET   entry ids stored but whose recording state change is not applied yet
 * ov2ha:webhook:dedup:&lt;key&gt;            STRING entry id of an event already stored (OpenVidu retry of the same bytes,
 *                                            or a controller event id), with a TTL
 * ov2ha:webhook:dead                   HASH  dead letters: event id -> JSON document (schema 1)
 * ov2ha:webhook:dead:idx               ZSET  dead letter event ids, score = when they were given up (ms)
 * ov2ha:rec:{id}:finalize:&lt;createdAt&gt;  HASH  finalization of that recording (FinalizationStore, schema 1)
 * ov2ha:idx:retention                 ZSET  "&lt;id&gt;:&lt;createdAt&gt;" of verified finals whose chunks await deletion,
 *                                            score = when they may be deleted (ms)
 * ov2ha:idx:chunk-backfill            ZSET  "&lt;id&gt;:&lt;createdAt&gt;" with chunk files on the local disk only, to be
 *                                            copied to S3 (ChunkBackfill), score = when the next copy is due (ms)
 * ov2ha:idx:final-upload              ZSET  "&lt;id&gt;:&lt;createdAt&gt;" of sealed finals to upload to S3
 *                                            (HA_UPLOAD_FINAL, FinalUpload), score = when the next try is due (ms)
 * </pre>
 *
 * Retention: when a recording becomes final, every {@code ov2ha:rec:{id}...} key of it gets the
 * expiry {@code HA_STATE_RETENTION} (transition.lua, abandon.lua; removed again if it becomes
 * active); {@code FinishedStatePruner} then removes its index entries once the keys are gone.
 * The scripts build a recording's key list in {@code redis/lib/reckeys.lua} from the suffixes
 * above: a new per-recording key must be added there too, or it neither expires nor is deleted.
 *
 * The {@code {id}} hash tag keeps a recording's keys in one Redis Cluster slot. The indexes are
 * updated in the same Lua script as the document, which needs a single Redis primary
 * (standalone or Sentinel).
 */
public final class RedisKeys {

	public static final String PREFIX = "ov2ha:";

	/** Prefix of the per-status indexes; the status name follows. */
	public static final String STATUS_INDEX_PREFIX = PREFIX + "idx:status:";

	/** Prefix of a recording's key ({@link #recording}: prefix, id, closing brace); for scripts. */
	public static final String RECORDING_KEY_PREFIX = PREFIX + "rec:{";

	private RedisKeys() {
	}

	public static String recording(RecordingId id) {
		return RECORDING_KEY_PREFIX + id.value() + "}";
	}

	public static String chunks(RecordingId id) {
		return recording(id) + ":chunks";
	}

	public static String containers(RecordingId id) {
		return recording(id) + ":containers";
	}

	public static String previous(RecordingId id) {
		return recording(id) + ":previous";
	}

	public static String failoverState(RecordingId id) {
		return recording(id) + ":failover";
	}

	public static String failovers(RecordingId id) {
		return recording(id) + ":failovers";
	}

	public static String containerIndex() {
		return PREFIX + "idx:containers";
	}

	public static String failoverStats() {
		return PREFIX + "failover:stats";
	}

	public static String allIndex() {
		return PREFIX + "idx:recordings";
	}

	public static String statusIndex(String status) {
		return STATUS_INDEX_PREFIX + status;
	}

	/**
	 * Recordings whose backup was claimed (member: id, score: claim time in ms), for the global
	 * cap HA_MAX_CONCURRENT_BACKUPS; members no longer RECORDING/STOPPING are pruned at each claim.
	 */
	public static String backupIndex() {
		return PREFIX + "idx:backups";
	}

	public static String heartbeatIndex() {
		return PREFIX + "idx:heartbeat";
	}

	/** Non-final recordings by the upload backlog (chunks) their recorder reported last. */
	public static String uploadBacklogIndex() {
		return PREFIX + "idx:upload-backlog";
	}

	/** The finalization of the recording (id, createdAt); keyed by createdAt because OpenVidu reuses ids. */
	public static String finalization(RecordingId id, long createdAt) {
		return recording(id) + ":finalize:" + createdAt;
	}

	public static String retentionIndex() {
		return PREFIX + "idx:retention";
	}

	/**
	 * Recordings with chunk files that are on the local disk only, to be copied to S3 (member
	 * {@code <id>:<createdAt>}, score: when the next copy is due, in ms).
	 */
	public static String chunkBackfillIndex() {
		return PREFIX + "idx:chunk-backfill";
	}

	/**
	 * Sealed finals to upload to S3 ({@code HA_UPLOAD_FINAL}; member {@code <id>:<createdAt>},
	 * score: when the next try is due, in ms).
	 */
	public static String finalUploadIndex() {
		return PREFIX + "idx:final-upload";
	}

	/** The claim on a warm standby recorder while it is handed a recording (an exact container id). */
	public static String standbyClaim(String containerId) {
		if (!containerId.matches("[0-9a-f]{64}")) {
			throw new IllegalArgumentException("not an exact container id");
		}
		return PREFIX + "standby:claim:" + containerId;
	}

	/** A lease named {@code name} ({@code [a-z0-9:._-]}); per-recording leases add the recording id. */
	public static String lease(String name) {
		if (!name.matches("[a-z0-9:._-]{1,64}")) {
			throw new IllegalArgumentException("bad lease name");
		}
		return PREFIX + "lease:" + name;
	}

	public static String lease(String name, RecordingId id) {
		return lease(name) + ":{" + id.value() + "}";
	}

	/** The lease of the recording's finalization: held by the controller running an attempt. */
	public static String finalizeLease(RecordingId id) {
		return lease("finalize", id);
	}

	/**
	 * Recording ids OpenVidu reported for one session (webhook {@code sessionId}, same character
	 * rules as a recording id).
	 */
	public static String sessionRecordings(String sessionId) {
		if (!RecordingId.isValid(sessionId)) {
			throw new IllegalArgumentException("bad session id");
		}
		return PREFIX + "session:{" + sessionId + "}:recordings";
	}

	/** The webhook event stream (inbox of the state machine and outbox of the relay). */
	public static String webhookEvents() {
		return PREFIX + "webhook:events";
	}

	public static String webhookRelay() {
		return PREFIX + "webhook:relay";
	}

	public static String webhookPending() {
		return PREFIX + "webhook:pending";
	}

	/** {@code key}: a SHA-256 hex digest of a body, or {@code ctl:<controller event id>}. */
	public static String webhookDedup(String key) {
		if (!key.matches("[A-Za-z0-9_~:.-]{1,200}")) {
			throw new IllegalArgumentException("bad dedup key");
		}
		return PREFIX + "webhook:dedup:" + key;
	}

	public static String webhookDeadLetters() {
		return PREFIX + "webhook:dead";
	}

	public static String webhookDeadLetterIndex() {
		return PREFIX + "webhook:dead:idx";
	}

}
