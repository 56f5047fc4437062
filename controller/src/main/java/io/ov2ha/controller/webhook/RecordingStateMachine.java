package io.ov2ha.controller.webhook;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.FinalEventOwner;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStopRequested;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.recording.RecordingStore.WebhookStartedCode;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.redis.LuaScripts;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.LogValues;

/**
 * Drives each recording's state from OpenVidu's events. Every step is idempotent and only moves
 * a recording forward, so applying an event twice (a duplicate, or the relay re-applying an event
 * whose first application was cut short by a crash) or late changes nothing:
 *
 * <ul>
 * <li>{@code started}: the recording is known as RECORDING (created, {@code source=webhook}, when the
 * recorder has not registered yet; only for COMPOSED recordings with video, which OpenVidu records
 * with a container of the recording image).</li>
 * <li>{@code stopped}: STOPPING with OpenVidu's reason, then {@link RecordingStopRequested} (source
 * {@code openvidu}) is published: the one hook where failover-stop and finalization act. OpenVidu
 * sends it before it touches the container.</li>
 * <li>{@code ready}/{@code failed}: final (READY/FAILED, replacing a sweeper's ABANDONED), unless the
 * controller announces the recording's outcome ({@link FinalEventOwner}): then
 * OpenVidu's outcome is only recorded ({@code openviduFinalStatus}, {@code openviduFinalSuppressed}).</li>
 * <li>{@code sessionDestroyed}: the session's recordings that are not final are flagged
 * ({@code sessionDestroyedAt}) for the stale recording check (a shorter timeout).</li>
 * </ul>
 *
 * An event about another recording that had the same id (its {@code startTime} is not the
 * document's {@code createdAt}) changes nothing.
 */
@Component
class RecordingStateMachine {

	private static final Log LOG = LogFactory.getLog(RecordingStateMachine.class);

	/** A session's recording index lives this long after its last event (sessionDestroyed deletes it). */
	static final Duration SESSION_INDEX_TTL = Duration.ofDays(7);

	private static final List<RecordingStatus> ACTIVE_OR_ABANDONED = List.of(RecordingStatus.RECORDING,
			RecordingStatus.STOPPING, RecordingStatus.FINALIZING, RecordingStatus.ABANDONED);

	private static final Set<String> STATUSES = Set.of("started", "stopped", "ready", "failed");

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> INDEX_SESSION = LuaScripts.load("session-index");

	/** Answers of session-index.lua. */
	enum SessionIndexCode {

		/** The recording is in its session's index, which lives its time to live from now. */
		INDEXED

	}

	private final RecordingStore store;

	private final StringRedisTemplate redis;

	private final ApplicationEventPublisher events;

	private final Clock clock;

	RecordingStateMachine(RecordingStore store, StringRedisTemplate redis, ApplicationEventPublisher events,
			Clock clock) {
		this.store = store;
		this.redis = redis;
		this.events = events;
		this.clock = clock;
	}

	/** Whether this event may change a recording's state (so it is marked pending until applied). */
	static boolean affectsState(WebhookEvent event) {
		if (event instanceof WebhookEvent.RecordingStatusChanged r) {
			return RecordingId.isValid(r.id()) && r.startTime() != null && r.startTime() > 0
					&& r.status() != null && STATUSES.contains(r.status());
		}
		return event instanceof WebhookEvent.SessionDestroyed s && RecordingId.isValid(s.sessionId());
	}

	/** OpenVidu's final event, which is not relayed when the controller finalizes that recording. */
	static boolean isOpenViduFinal(WebhookEvent event) {
		return event instanceof WebhookEvent.RecordingStatusChanged r
				&& ("ready".equals(r.status()) || "failed".equals(r.status()));
	}

	/** Applies one OpenVidu event ({@code body}: its JSON as received; {@code eventId}: for log lines). */
	void apply(WebhookEvent event, String body, String eventId) {
		if (!affectsState(event)) {
			return;
		}
		if (event instanceof WebhookEvent.RecordingStatusChanged r) {
			recordingStatusChanged(r, body, eventId);
		}
		else if (event instanceof WebhookEvent.SessionDestroyed s) {
			sessionDestroyed(s, eventId);
		}
	}

	private void recordingStatusChanged(WebhookEvent.RecordingStatusChanged e, String body, String eventId) {
		RecordingId id = RecordingId.of(e.id());
		long createdAt = e.startTime();
		String now = Long.toString(clock.millis());
		indexSession(e.sessionId(), id);
		switch (e.status()) {
			case "started" -> started(e, body, id, createdAt, now, eventId);
			case "stopped" -> stopped(e, id, createdAt, now, eventId);
			default -> finished(e, id, createdAt, now, eventId);
		}
	}

	private void started(WebhookEvent.RecordingStatusChanged e, String body, RecordingId id, long createdAt,
			String now, String eventId) {
		Map<String, String> markers = Map.of("openviduActivityAt", now);
		Map<String, String> once = new LinkedHashMap<>();
		once.put("openviduStartedAt", now);
		once.put("webhookStartedJson", body);
		if (e.containerRecording()) {
			Map<String, String> fields = new LinkedHashMap<>();
			fields.put("sessionId", e.sessionId() == null ? "" : e.sessionId());
			fields.put("name", e.name() == null ? id.value() : e.name());
			fields.put("openviduStartedAt", now);
			fields.put("openviduActivityAt", now);
			fields.put("webhookStartedJson", body);
			LuaAnswer<WebhookStartedCode> outcome = store.createFromWebhook(id, createdAt, fields);
			switch (outcome.code()) {
				case CREATED, REPLACED -> {
					LOG.info("event=recording.created_from_webhook recordingId=" + id + " createdAt=" + createdAt
							+ " eventId=" + eventId + (outcome.code() == WebhookStartedCode.REPLACED
									? " replacedCreatedAt=" + outcome.value(0) : ""));
					return;
				}
				case ID_IN_USE -> {
					LOG.warn("event=webhook.recording_id_in_use recordingId=" + id + " createdAt=" + createdAt
							+ " activeCreatedAt=" + outcome.value(0) + " eventId=" + eventId);
					return;
				}
				case OLDER -> {
					return;
				}
				case EXISTS -> {
					// the recorder registered first; record that OpenVidu confirmed the start
				}
			}
		}
		store.annotate(id, createdAt, markers, once);
	}

	private void stopped(WebhookEvent.RecordingStatusChanged e, RecordingId id, long createdAt, String now,
			String eventId) {
		if (!isThisRecording(id, createdAt)) {
			return;
		}
		String reason = e.reason() == null ? "" : e.reason();
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("stopReason", reason);
		fields.put("statusReason", "OpenVidu stopped the recording (" + reason + ")");
		fields.put("openviduStoppedAt", now);
		fields.put("openviduActivityAt", now);
		var outcome = store.advance(id, RecordingStatus.STOPPING, fields);
		if (outcome.code() == RecordingStore.TransitionCode.CHANGED) {
			LOG.info("event=recording.stop_requested recordingId=" + id + " source=openvidu reason="
					+ LogValues.quote(reason) + " eventId=" + eventId);
			publishStop(id, reason);
			return;
		}
		// already stopping or beyond: keep the first reason, record that OpenVidu said so
		store.annotate(id, createdAt, Map.of("openviduActivityAt", now),
				Map.of("openviduStoppedAt", now, "stopReason", reason));
	}

	private boolean isThisRecording(RecordingId id, long createdAt) {
		return Long.toString(createdAt).equals(store.fields(id, "createdAt").get(0));
	}

	private void publishStop(RecordingId id, String reason) {
		try {
			events.publishEvent(new RecordingStopRequested(id, reason, "openvidu"));
		}
		catch (RuntimeException ex) {
			// a listener's failure must not turn OpenVidu's webhook into an error: the state is stored
			LOG.error("event=webhook.stop_listener_failed recordingId=" + id + " error=" + ex.getClass().getSimpleName(),
					ex);
		}
	}

	private void finished(WebhookEvent.RecordingStatusChanged e, RecordingId id, long createdAt, String now,
			String eventId) {
		// only the fields needed (the whole document carries RECORDING_JSON and more)
		List<String> current = store.fields(id, "createdAt", "failoverCount", "stopReason", FinalEventOwner.FIELD,
				"status");
		if (!Long.toString(createdAt).equals(current.get(0))) {
			return;
		}
		String failoverCount = current.get(1) == null ? "0" : current.get(1);
		// the controller announces this outcome: a backup recorded, the controller decided it, or its
		// finalization still runs (OpenVidu's recorder gave up waiting for it)
		boolean controllerDecides = FinalEventOwner.controllerAnnounces(failoverCount, current.get(3), current.get(4));
		boolean hasStopReason = current.get(2) != null && !current.get(2).isEmpty();
		String status = e.status();
		Map<String, String> once = new LinkedHashMap<>();
		once.put("openviduFinalStatus", status);
		once.put("openviduFinalAt", now);
		if (controllerDecides) {
			once.put("openviduFinalSuppressed", "1");
			if (e.reason() != null) {
				once.put("stopReason", e.reason());
			}
			store.annotate(id, createdAt, Map.of("openviduActivityAt", now), once);
			LOG.info("event=webhook.openvidu_final_ignored recordingId=" + id + " status=" + status
					+ " reason=controller_finalizes failoverCount=" + failoverCount + " recordingStatus=" + current.get(4)
					+ " eventId=" + eventId);
			return;
		}
		RecordingStatus target = "ready".equals(status) ? RecordingStatus.READY : RecordingStatus.FAILED;
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("statusReason", "ready".equals(status) ? "OpenVidu reported the recording ready"
				: "OpenVidu reported the recording failed" + (e.reason() == null ? "" : " (" + e.reason() + ")"));
		fields.put("finalizedBy", "openvidu");
		fields.put("openviduFinalStatus", status);
		fields.put("openviduFinalAt", now);
		fields.put("openviduActivityAt", now);
		if (e.reason() != null && !hasStopReason) {
			fields.put("stopReason", e.reason());
		}
		var outcome = store.transition(id, target, ACTIVE_OR_ABANDONED, fields);
		if (outcome.code() == RecordingStore.TransitionCode.CHANGED) {
			LOG.info("event=recording.final recordingId=" + id + " status=" + target + " from=" + outcome.values().get(0)
					+ " source=openvidu eventId=" + eventId);
			return;
		}
		// already final (a duplicate, or the controller's finalizer was first): keep it, note OpenVidu's word
		store.annotate(id, createdAt, Map.of("openviduActivityAt", now), once);
	}

	private void sessionDestroyed(WebhookEvent.SessionDestroyed e, String eventId) {
		String key = RedisKeys.sessionRecordings(e.sessionId());
		var members = redis.opsForSet().members(key);
		String now = Long.toString(clock.millis());
		String reason = e.reason() == null ? "" : e.reason();
		if (members != null) {
			for (String member : members) {
				if (!RecordingId.isValid(member)) {
					continue;
				}
				RecordingId id = RecordingId.of(member);
				Optional<Recording> r = store.find(id);
				String recordingSession = r.isEmpty() ? null : r.get().sessionId();
				if (r.isEmpty() || r.get().isFinal()
						|| (recordingSession != null && !recordingSession.isEmpty() && !e.sessionId().equals(recordingSession))) {
					continue;
				}
				store.annotate(id, r.get().createdAt(), Map.of(),
						Map.of("sessionDestroyedAt", now, "sessionDestroyedReason", reason));
				LOG.info("event=recording.session_destroyed recordingId=" + id + " status=" + r.get().status()
						+ " reason=" + LogValues.quote(reason) + " eventId=" + eventId);
			}
		}
		redis.delete(key);
	}

	private void indexSession(String sessionId, RecordingId id) {
		if (!RecordingId.isValid(sessionId)) {
			return;
		}
		// one round trip on the shared connection (a pipeline would open a dedicated one): this runs
		// before OpenVidu gets its answer
		LuaAnswer.run(redis, INDEX_SESSION, List.of(RedisKeys.sessionRecordings(sessionId)),
				List.of(id.value(), Long.toString(SESSION_INDEX_TTL.toSeconds())), SessionIndexCode.class);
	}

}
