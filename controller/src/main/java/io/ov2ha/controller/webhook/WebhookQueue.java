package io.ov2ha.controller.webhook;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.redis.LuaRunner;
import io.ov2ha.controller.redis.LuaScripts;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.EpochMillis;
import tools.jackson.databind.json.JsonMapper;

/**
 * The durable webhook queue in Redis (keys: {@link RedisKeys#webhookEvents()} and siblings): one
 * stream holds every accepted event in order; the relay state hash holds the position of the
 * last processed entry, counters and the head entry's attempts; dead letters are a hash plus an
 * index. Every change is one Lua script; the relay's changes are fenced by its lease, so a
 * controller that lost the lease can never move the position.
 */
@Component
class WebhookQueue {

	static final String LEASE_NAME = "webhook-relay";

	/** OpenVidu retries a failed POST at once; the same bytes within this window are one event. */
	static final Duration DEDUP_WINDOW = Duration.ofMinutes(10);

	/** A controller event id is de-duplicated this long (a re-emission after a restart). */
	static final Duration CONTROLLER_DEDUP_WINDOW = Duration.ofDays(7);

	private static final RedisScript<List> INTAKE = script("webhook-intake");

	private static final RedisScript<List> COMMIT = script("webhook-commit");

	private static final RedisScript<List> FAIL = script("webhook-fail");

	private static final RedisScript<List> RETRY = script("webhook-dead-retry");

	private final StringRedisTemplate redis;

	private final LuaRunner lua;

	private final JsonMapper json;

	private final String owner;

	WebhookQueue(StringRedisTemplate redis, LuaRunner lua, JsonMapper json, ControllerInstance instance) {
		this.lua = lua;
		this.redis = redis;
		this.json = json;
		this.owner = instance.id();
	}

	private static RedisScript<List> script(String name) {
		return LuaScripts.load(name);
	}

	/** Answers of webhook-intake.lua. */
	enum IntakeCode {

		/** The same event within the de-duplication window: values 0: the earlier entry id. */
		DUPLICATE,
		/** Stored: values 0: the entry id, 1: "1" when it is to be relayed. */
		STORED

	}

	/** Answers of webhook-commit.lua. */
	enum CommitCode {

		/** Another controller holds the relay lease: nothing changed. */
		NOT_LEADER,
		/** The position is already past the entry: nothing changed. */
		ALREADY,
		/** Committed: values: the ids of dead letters dropped to respect the limit. */
		OK

	}

	/** Answers of webhook-fail.lua. */
	enum FailCode {

		/** Another controller holds the relay lease: nothing changed. */
		NOT_LEADER,
		/** Recorded: values 0: attempts, 1: first attempt ms, 2: next attempt ms. */
		OK

	}

	/** Answers of webhook-dead-retry.lua. */
	enum RetryCode {

		/** No such dead letter. */
		NOT_FOUND,
		/** Queued again: values 0: the new entry id. */
		QUEUED

	}

	static String leaseKey() {
		return RedisKeys.lease(LEASE_NAME);
	}

	String owner() {
		return owner;
	}

	/** Where an event came from (header {@code X-OV2HA-Origin}). */
	enum Origin {

		OPENVIDU, CONTROLLER;

		String wire() {
			return name().toLowerCase();
		}

		static Origin of(String value) {
			return "controller".equals(value) ? CONTROLLER : OPENVIDU;
		}

	}

	/**
	 * An event to store.
	 *
	 * @param eventId explicit event id (controller events), or null: the stream entry id
	 * @param recordingId the recording it is about (valid id) or null
	 * @param createdAt that recording's createdAt, for the suppression check
	 * @param suppressIfControllerFinalizes OpenVidu's ready/failed: not relayed when the controller finalizes
	 * @param pendingApply its recording state change is applied after storing
	 * @param dedupKey de-duplication key (body digest, or {@code ctl:<eventId>})
	 */
	record NewEvent(Origin origin, String type, String body, String eventId, String recordingId, Long createdAt,
			boolean suppressIfControllerFinalizes, boolean pendingApply, String dedupKey, Duration dedupWindow,
			String authorization, long receivedAt) {
	}

	/** @param entryId the stream entry id (of the earlier copy when duplicate) */
	record Stored(String entryId, boolean duplicate, boolean relay) {
	}

	Stored store(NewEvent e) {
		String recKey = e.recordingId() != null && e.suppressIfControllerFinalizes()
				? RedisKeys.recording(io.ov2ha.controller.kernel.RecordingId.of(e.recordingId()))
				: RedisKeys.webhookEvents();
		List<String> args = new ArrayList<>(List.of(Long.toString(e.dedupWindow().toMillis()),
				e.suppressIfControllerFinalizes() && e.recordingId() != null ? "1" : "0",
				e.createdAt() == null ? "" : e.createdAt().toString(), e.pendingApply() ? "1" : "0"));
		addField(args, "schema", "1");
		addField(args, "origin", e.origin().wire());
		if (e.eventId() != null) {
			addField(args, "eventId", e.eventId());
		}
		addField(args, "type", e.type());
		addField(args, "recordingId", e.recordingId() == null ? "" : e.recordingId());
		addField(args, "receivedAt", Long.toString(e.receivedAt()));
		if (e.authorization() != null) {
			addField(args, "authorization", e.authorization());
		}
		addField(args, "body", e.body());
		LuaAnswer<IntakeCode> out = lua.run(INTAKE, List.of(RedisKeys.webhookEvents(), RedisKeys.webhookRelay(),
				RedisKeys.webhookDedup(e.dedupKey()), RedisKeys.webhookPending(), recKey), args, IntakeCode.class);
		return switch (out.code()) {
			case DUPLICATE -> new Stored(out.value(0), true, false);
			case STORED -> new Stored(out.value(0), false, "1".equals(out.value(1)));
		};
	}

	private static void addField(List<String> args, String name, String value) {
		args.add(name);
		args.add(value == null ? "" : value);
	}

	/** One stored event as the relay reads it. */
	record Entry(String entryId, String eventId, Origin origin, String type, String recordingId, long receivedAt,
			boolean relay, String note, String body, String authorization) {
	}

	/** Up to {@code count} entries after {@code position}, in order. */
	List<Entry> after(String position, int count) {
		List<MapRecord<String, Object, Object>> records = redis.opsForStream()
			.range(RedisKeys.webhookEvents(), Range.rightUnbounded(Range.Bound.inclusive(successor(position))),
					Limit.limit().count(count));
		List<Entry> entries = new ArrayList<>();
		if (records == null) {
			return entries;
		}
		for (MapRecord<String, Object, Object> r : records) {
			Map<Object, Object> v = r.getValue();
			String entryId = r.getId().getValue();
			String eventId = str(v.get("eventId"));
			entries.add(new Entry(entryId, eventId == null || eventId.isEmpty() ? entryId : eventId,
					Origin.of(str(v.get("origin"))), nonNull(v.get("type")), nonNull(v.get("recordingId")),
					EpochMillis.longOr(str(v.get("receivedAt")), millis(entryId)), !"0".equals(str(v.get("relay"))),
					nonNull(v.get("note")), nonNull(v.get("body")), str(v.get("authorization"))));
		}
		return entries;
	}

	/** The smallest stream id greater than {@code id}. */
	static String successor(String id) {
		int dash = id.indexOf('-');
		long ms = Long.parseLong(id.substring(0, dash));
		long seq = Long.parseLong(id.substring(dash + 1));
		return seq == Long.MAX_VALUE ? (ms + 1) + "-0" : ms + "-" + (seq + 1);
	}

	/** The time part of a stream id (ms). */
	static long millis(String entryId) {
		int dash = entryId.indexOf('-');
		return Long.parseLong(dash < 0 ? entryId : entryId.substring(0, dash));
	}

	/** The relay state hash (empty map before the first event). */
	Map<String, String> state() {
		Map<String, String> out = new LinkedHashMap<>();
		redis.opsForHash().entries(RedisKeys.webhookRelay()).forEach((k, v) -> out.put(k.toString(), str(v)));
		return out;
	}

	String position() {
		Object pos = redis.opsForHash().get(RedisKeys.webhookRelay(), "position");
		return pos == null ? "0-0" : pos.toString();
	}

	boolean isPending(String entryId) {
		return Boolean.TRUE.equals(redis.opsForSet().isMember(RedisKeys.webhookPending(), entryId));
	}

	void clearPending(String entryId) {
		redis.opsForSet().remove(RedisKeys.webhookPending(), entryId);
	}

	/** Outcome of finishing an entry: its counter in the relay state. */
	enum Outcome {

		DELIVERED("delivered"), NOT_RELAYED("notRelayed"), SUPPRESSED("suppressed"), DEAD_LETTERED("deadLettered");

		private final String counter;

		Outcome(String counter) {
			this.counter = counter;
		}

	}

	/**
	 * Moves the position past {@code entry} (only while this controller holds the lease).
	 *
	 * @return null when this controller is no longer the leader; otherwise the ids of dead letters
	 * dropped to respect the limit (usually none)
	 */
	List<String> commit(Entry entry, Outcome outcome, long now, DeadLetter dead, int deadLetterMax) {
		LuaAnswer<CommitCode> out = lua.run(COMMIT,
				List.of(leaseKey(), RedisKeys.webhookRelay(), RedisKeys.webhookPending(), RedisKeys.webhookDeadLetters(),
						RedisKeys.webhookDeadLetterIndex()),
				List.of(owner, entry.entryId(), outcome.counter, Long.toString(now), entry.eventId(),
						dead == null ? "" : json.writeValueAsString(dead), Integer.toString(deadLetterMax)),
				CommitCode.class);
		return switch (out.code()) {
			case NOT_LEADER -> null;
			case ALREADY -> List.of();
			case OK -> out.values();
		};
	}

	/** @param attempts failed attempts of this entry so far, firstAttemptAt/nextAttemptAt ms */
	record Failure(int attempts, long firstAttemptAt, long nextAttemptAt) {
	}

	/** Records a failed attempt of the head entry; null when this controller is no longer the leader. */
	Failure fail(Entry entry, long now, String error, Duration initialDelay, Duration maxDelay) {
		LuaAnswer<FailCode> out = lua.run(FAIL, List.of(leaseKey(), RedisKeys.webhookRelay()),
				List.of(owner, entry.entryId(), Long.toString(now), error, entry.eventId(),
						Long.toString(initialDelay.toMillis()), Long.toString(maxDelay.toMillis())),
				FailCode.class);
		return switch (out.code()) {
			case NOT_LEADER -> null;
			case OK -> new Failure((int) out.longValue(0), out.longValue(1), out.longValue(2));
		};
	}

	/** Drops processed entries older than {@code olderThanMillis} (never one after the position). */
	void trim(long olderThanMillis) {
		String position = position();
		String cutoff = olderThanMillis + "-0";
		String minId = compare(position, cutoff) < 0 ? position : cutoff;
		if (!"0-0".equals(minId)) {
			redis.execute((org.springframework.data.redis.core.RedisCallback<Object>) c -> c.execute("XTRIM",
					RedisKeys.webhookEvents().getBytes(), "MINID".getBytes(), "~".getBytes(), minId.getBytes()));
		}
	}

	static int compare(String a, String b) {
		int ad = a.indexOf('-');
		int bd = b.indexOf('-');
		int c = Long.compare(Long.parseLong(a.substring(0, ad)), Long.parseLong(b.substring(0, bd)));
		return c != 0 ? c : Long.compare(Long.parseLong(a.substring(ad + 1)), Long.parseLong(b.substring(bd + 1)));
	}

	long streamLength() {
		Long n = redis.opsForStream().size(RedisKeys.webhookEvents());
		return n == null ? 0 : n;
	}

	/**
	 * A dead letter as stored (schema 1): the event and why it was given up. {@code authorization}
	 * is kept only to retry faithfully; the API never shows it.
	 */
	record DeadLetter(int schema, String id, String entryId, String origin, String type, String recordingId,
			long receivedAt, long deadAt, int attempts, String lastError, String body, String authorization) {
	}

	long deadLetterCount() {
		Long n = redis.opsForZSet().zCard(RedisKeys.webhookDeadLetterIndex());
		return n == null ? 0 : n;
	}

	/** The newest dead letters first. */
	List<DeadLetter> deadLetters(int limit) {
		var ids = redis.opsForZSet().reverseRange(RedisKeys.webhookDeadLetterIndex(), 0, limit - 1L);
		if (ids == null || ids.isEmpty()) {
			return List.of();
		}
		List<Object> docs = redis.opsForHash().multiGet(RedisKeys.webhookDeadLetters(), List.copyOf(ids));
		List<DeadLetter> out = new ArrayList<>();
		for (Object doc : docs) {
			if (doc != null) {
				out.add(json.readValue(doc.toString(), DeadLetter.class));
			}
		}
		return out;
	}

	Optional<DeadLetter> deadLetter(String id) {
		Object doc = redis.opsForHash().get(RedisKeys.webhookDeadLetters(), id);
		return doc == null ? Optional.empty() : Optional.of(json.readValue(doc.toString(), DeadLetter.class));
	}

	/** Queues a dead letter again at the end of the stream, same event id; the new entry id, or empty. */
	Optional<String> retry(DeadLetter d, long now) {
		List<String> args = new ArrayList<>(List.of(d.id()));
		addField(args, "schema", "1");
		addField(args, "origin", d.origin());
		addField(args, "eventId", d.id());
		addField(args, "type", d.type());
		addField(args, "recordingId", d.recordingId());
		addField(args, "receivedAt", Long.toString(d.receivedAt()));
		addField(args, "retriedAt", Long.toString(now));
		if (d.authorization() != null) {
			addField(args, "authorization", d.authorization());
		}
		addField(args, "body", d.body());
		LuaAnswer<RetryCode> out = lua.run(RETRY, List.of(RedisKeys.webhookDeadLetters(),
				RedisKeys.webhookDeadLetterIndex(), RedisKeys.webhookEvents(), RedisKeys.webhookRelay()), args,
				RetryCode.class);
		return switch (out.code()) {
			case NOT_FOUND -> Optional.empty();
			case QUEUED -> Optional.of(out.value(0));
		};
	}

	private static String str(Object o) {
		return o == null ? null : o.toString();
	}

	private static String nonNull(Object o) {
		return o == null ? "" : o.toString();
	}

}
