package io.ov2ha.controller.webhook;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.recording.FinalEventOwner;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStore;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Webhook events the controller creates itself, for what OpenVidu cannot report: above all the
 * final {@code recordingStatusChanged} ({@code ready}/{@code failed}) of a recording a backup
 * recorder finished (the controller announces it: {@link FinalEventOwner}), whose OpenVidu-side stop fails.
 * They are shaped exactly like OpenVidu's and go through the same durable, ordered relay, with
 * {@code X-OV2HA-Origin: controller}.
 */
@Component
public class ControllerEvents {

	private static final Log LOG = LogFactory.getLog(ControllerEvents.class);

	private final WebhookQueue queue;

	private final RecordingStore store;

	private final RelayWorker relay;

	private final JsonMapper json;

	private final Clock clock;

	ControllerEvents(WebhookQueue queue, RecordingStore store, RelayWorker relay, JsonMapper json, Clock clock) {
		this.queue = queue;
		this.store = store;
		this.relay = relay;
		this.json = json;
		this.clock = clock;
	}

	/**
	 * Emits OpenVidu's {@code recordingStatusChanged} for {@code recording}: stored durably, then
	 * relayed in order. Fields and order as OpenVidu 2.32 sends them: {@code sessionId},
	 * {@code uniqueSessionId}, {@code timestamp} (now), {@code startTime} (= createdAt),
	 * {@code duration}, {@code reason} (the recording's stop reason, when known), {@code id},
	 * {@code name}, {@code outputMode}, {@code resolution}/{@code frameRate}/{@code recordingLayout}
	 * (COMPOSED with video; {@code customLayout} when CUSTOM), {@code hasAudio}, {@code hasVideo},
	 * {@code size}, {@code status}, {@code event}. Session, name and layout come from the recorder's
	 * RECORDING_JSON, or from OpenVidu's {@code started} event.
	 *
	 * <p>
	 * Idempotent: the event id is {@code <recordingId>:<createdAt>:<status>}; emitting the same
	 * status again (a retry after a crash) stores nothing new and returns the same id. Call it after
	 * the recording's final state is stored.
	 *
	 * @param recording the recording, as currently stored
	 * @param status usually {@link OpenViduRecordingStatus#READY} or {@link OpenViduRecordingStatus#FAILED}
	 * @param media the final file ({@code ready}); null: size 0, duration 0.0 and the requested
	 * resolution/frame rate (as OpenVidu does for {@code failed})
	 * @return the event id, sent as {@code X-OV2HA-Event-Id}, and whether this call stored it
	 */
	public Emitted emitRecordingStatusChanged(Recording recording, OpenViduRecordingStatus status,
			RecordingMedia media) {
		String eventId = eventId(recording, status);
		byte[] body = recordingStatusChanged(recording, status, media, clock.millis());
		WebhookQueue.Stored stored = queue.store(new WebhookQueue.NewEvent(WebhookQueue.Origin.CONTROLLER,
				WebhookEvent.RECORDING_STATUS_CHANGED, new String(body, StandardCharsets.UTF_8), eventId,
				recording.id().value(), recording.createdAt(), false, false, "ctl:" + eventId,
				WebhookQueue.CONTROLLER_DEDUP_WINDOW, null, clock.millis()));
		if (!stored.duplicate()) {
			store.annotate(recording.id(), recording.createdAt(),
					Map.of("controllerEventStatus", status.wire(), "controllerEventId", eventId, "controllerEventAt",
							Long.toString(clock.millis())),
					Map.of());
			LOG.info("event=webhook.controller_event eventId=" + eventId + " status=" + status.wire() + " entryId="
					+ stored.entryId());
		}
		relay.wake();
		return new Emitted(eventId, !stored.duplicate());
	}

	/**
	 * An emitted event.
	 *
	 * @param eventId sent as {@code X-OV2HA-Event-Id}
	 * @param stored true when this call stored it; false when it was stored already (the same
	 *        status emitted again: by another path of this controller, another controller, or a retry)
	 */
	public record Emitted(String eventId, boolean stored) {
	}

	/** {@code <recordingId>:<createdAt>:<status>} */
	public static String eventId(Recording recording, OpenViduRecordingStatus status) {
		return recording.id().value() + ":" + recording.createdAt() + ":" + status.wire();
	}

	/** The event body, byte for byte what is relayed. */
	byte[] recordingStatusChanged(Recording recording, OpenViduRecordingStatus status, RecordingMedia media, long now) {
		JsonNode template = template(recording);
		ObjectNode e = json.createObjectNode();
		String sessionId = text(template, "sessionId", recording.sessionId());
		e.put("sessionId", sessionId == null ? "" : sessionId);
		String uniqueSessionId = text(template, "uniqueSessionId", null);
		if (uniqueSessionId != null) {
			e.put("uniqueSessionId", uniqueSessionId);
		}
		e.put("timestamp", now);
		e.put("startTime", recording.createdAt());
		e.put("duration", media == null ? 0.0 : media.duration());
		if (recording.stopReason() != null && !recording.stopReason().isEmpty()) {
			e.put("reason", recording.stopReason());
		}
		e.put("id", recording.id().value());
		e.put("name", text(template, "name", recording.name() == null ? recording.id().value() : recording.name()));
		String outputMode = text(template, "outputMode", "COMPOSED");
		e.put("outputMode", outputMode);
		boolean requestedVideo = bool(template, "hasVideo", true);
		if (outputMode.startsWith("COMPOSED") && requestedVideo) {
			String resolution = media != null && media.resolution() != null ? media.resolution()
					: text(template, "resolution", "1280x720");
			e.put("resolution", resolution);
			Integer frameRate = media != null && media.frameRate() != null ? media.frameRate()
					: template.path("frameRate").isIntegralNumber() ? Integer.valueOf(template.path("frameRate").intValue())
							: Integer.valueOf(25);
			e.put("frameRate", frameRate);
			String layout = text(template, "recordingLayout", "BEST_FIT");
			e.put("recordingLayout", layout);
			String customLayout = text(template, "customLayout", null);
			if ("CUSTOM".equals(layout) && customLayout != null && !customLayout.isEmpty()) {
				e.put("customLayout", customLayout);
			}
		}
		e.put("hasAudio", media != null ? media.hasAudio() : bool(template, "hasAudio", true));
		e.put("hasVideo", media != null ? media.hasVideo() : requestedVideo);
		e.put("size", media == null ? 0L : media.size());
		e.put("status", status.wire());
		e.put("event", WebhookEvent.RECORDING_STATUS_CHANGED);
		return json.writeValueAsBytes(e);
	}

	/** The recorder's RECORDING_JSON, else OpenVidu's started event, else nothing. */
	private JsonNode template(Recording recording) {
		for (String candidate : new String[] { recording.recordingJson(), startedEvent(recording) }) {
			if (candidate != null && !candidate.isEmpty()) {
				try {
					JsonNode node = json.readTree(candidate);
					if (node != null && node.isObject()) {
						return node;
					}
				}
				catch (JacksonException ex) {
					// try the next source
				}
			}
		}
		return json.createObjectNode();
	}

	private String startedEvent(Recording recording) {
		List<String> values = store.fields(recording.id(), "webhookStartedJson");
		return values.get(0);
	}

	private static String text(JsonNode node, String field, String fallback) {
		JsonNode v = node.get(field);
		return v != null && v.isString() && !v.asString().isEmpty() ? v.asString() : fallback;
	}

	private static boolean bool(JsonNode node, String field, boolean fallback) {
		JsonNode v = node.get(field);
		return v != null && v.isBoolean() ? v.booleanValue() : fallback;
	}

}
