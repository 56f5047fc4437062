package io.ov2ha.controller.redis;

import io.ov2ha.controller.recording.RecordingId;

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
 * ov2ha:lease:&lt;name&gt;                   STRING  a lease held by one controller (RedisLease), value = controller id
 * ov2ha:rec:{id}:finalize:&lt;createdAt&gt;  HASH  finalization of that recording (FinalizationStore, schema 1)
 * ov2ha:idx:retention                 ZSET  "&lt;id&gt;:&lt;createdAt&gt;" of verified finals whose chunks await deletion,
 *                                            score = when they may be deleted (ms)
 * </pre>
 *
 * The {@code {id}} hash tag keeps a recording's keys in one Redis Cluster slot. The indexes are
 * updated in the same Lua script as the document, which needs a single Redis primary
 * (standalone or Sentinel).
 */
public final class RedisKeys {

	public static final String PREFIX = "ov2ha:";

	/** Prefix of the per-status indexes; the status name follows. */
	public static final String STATUS_INDEX_PREFIX = PREFIX + "idx:status:";

	private RedisKeys() {
	}

	public static String recording(RecordingId id) {
		return PREFIX + "rec:{" + id.value() + "}";
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

	public static String allIndex() {
		return PREFIX + "idx:recordings";
	}

	public static String statusIndex(String status) {
		return STATUS_INDEX_PREFIX + status;
	}

	public static String heartbeatIndex() {
		return PREFIX + "idx:heartbeat";
	}

	/** The finalization of the recording (id, createdAt); keyed by createdAt because OpenVidu reuses ids. */
	public static String finalization(RecordingId id, long createdAt) {
		return recording(id) + ":finalize:" + createdAt;
	}

	public static String retentionIndex() {
		return PREFIX + "idx:retention";
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

}
