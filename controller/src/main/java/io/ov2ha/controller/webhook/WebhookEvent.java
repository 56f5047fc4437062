package io.ov2ha.controller.webhook;

import tools.jackson.databind.JsonNode;

/**
 * An OpenVidu 2 webhook event, typed (shared/research/openvidu2-recording-facts.md section 5).
 * Parsing is lenient: a field of the wrong type reads as null, never as an error; the relay always
 * sends the original bytes, never a re-serialisation of these records.
 */
public sealed interface WebhookEvent {

	String RECORDING_STATUS_CHANGED = "recordingStatusChanged";

	String SESSION_CREATED = "sessionCreated";

	String SESSION_DESTROYED = "sessionDestroyed";

	String PARTICIPANT_JOINED = "participantJoined";

	String PARTICIPANT_LEFT = "participantLeft";

	String WEBRTC_CONNECTION_CREATED = "webrtcConnectionCreated";

	String WEBRTC_CONNECTION_DESTROYED = "webrtcConnectionDestroyed";

	/** The {@code event} field (empty when absent). */
	String event();

	String sessionId();

	String uniqueSessionId();

	/** ms */
	Long timestamp();

	/**
	 * {@code recordingStatusChanged}. {@code startTime} is the recording's {@code createdAt};
	 * {@code status} is {@code started}, {@code stopped}, {@code ready} or {@code failed};
	 * {@code duration} is seconds (double), {@code size} bytes.
	 */
	record RecordingStatusChanged(String sessionId, String uniqueSessionId, Long timestamp, Long startTime,
			Double duration, String reason, String id, String name, String outputMode, String resolution,
			Integer frameRate, String recordingLayout, String customLayout, Boolean hasAudio, Boolean hasVideo, Long size,
			String status) implements WebhookEvent {

		@Override
		public String event() {
			return RECORDING_STATUS_CHANGED;
		}

		/** A recording OpenVidu records with a container of the recording image (ours). */
		boolean containerRecording() {
			return (outputMode == null || outputMode.equals("COMPOSED")) && !Boolean.FALSE.equals(hasVideo);
		}

	}

	record SessionCreated(String sessionId, String uniqueSessionId, Long timestamp) implements WebhookEvent {

		@Override
		public String event() {
			return SESSION_CREATED;
		}

	}

	/** {@code duration}: integer seconds of the session; {@code reason}: why it ended. */
	record SessionDestroyed(String sessionId, String uniqueSessionId, Long timestamp, Long startTime, Long duration,
			String reason) implements WebhookEvent {

		@Override
		public String event() {
			return SESSION_DESTROYED;
		}

	}

	record ParticipantJoined(String sessionId, String uniqueSessionId, Long timestamp, String participantId,
			String connectionId, String location, String ip, String platform, String clientData, String serverData)
			implements WebhookEvent {

		@Override
		public String event() {
			return PARTICIPANT_JOINED;
		}

	}

	record ParticipantLeft(String sessionId, String uniqueSessionId, Long timestamp, String participantId,
			String connectionId, String location, String ip, String platform, String clientData, String serverData,
			Long startTime, Long duration, String reason) implements WebhookEvent {

		@Override
		public String event() {
			return PARTICIPANT_LEFT;
		}

	}

	/** {@code connection}: INBOUND or OUTBOUND; {@code receivingFrom} only for INBOUND. */
	record WebrtcConnectionCreated(String sessionId, String uniqueSessionId, Long timestamp, String participantId,
			String connectionId, String streamId, String connection, String receivingFrom, String videoSource,
			Integer videoFramerate, String videoDimensions, Boolean audioEnabled, Boolean videoEnabled)
			implements WebhookEvent {

		@Override
		public String event() {
			return WEBRTC_CONNECTION_CREATED;
		}

	}

	record WebrtcConnectionDestroyed(String sessionId, String uniqueSessionId, Long timestamp, String participantId,
			String connectionId, String streamId, String connection, String receivingFrom, String videoSource,
			Integer videoFramerate, String videoDimensions, Boolean audioEnabled, Boolean videoEnabled, Long startTime,
			Long duration, String reason) implements WebhookEvent {

		@Override
		public String event() {
			return WEBRTC_CONNECTION_DESTROYED;
		}

	}

	/** Any other event (signalSent, filterEventDispatched, mediaNodeStatusChanged, ..., or unknown). */
	record Other(String event, String sessionId, String uniqueSessionId, Long timestamp) implements WebhookEvent {
	}

	/** Reads a JSON object into its typed event. Never throws for any object. */
	static WebhookEvent of(JsonNode n) {
		String event = text(n, "event");
		String sid = text(n, "sessionId");
		String usid = text(n, "uniqueSessionId");
		Long ts = longValue(n, "timestamp");
		return switch (event == null ? "" : event) {
			case RECORDING_STATUS_CHANGED -> new RecordingStatusChanged(sid, usid, ts, longValue(n, "startTime"),
					doubleValue(n, "duration"), text(n, "reason"), text(n, "id"), text(n, "name"), text(n, "outputMode"),
					text(n, "resolution"), intValue(n, "frameRate"), text(n, "recordingLayout"), text(n, "customLayout"),
					bool(n, "hasAudio"), bool(n, "hasVideo"), longValue(n, "size"), text(n, "status"));
			case SESSION_CREATED -> new SessionCreated(sid, usid, ts);
			case SESSION_DESTROYED -> new SessionDestroyed(sid, usid, ts, longValue(n, "startTime"),
					longValue(n, "duration"), text(n, "reason"));
			case PARTICIPANT_JOINED -> new ParticipantJoined(sid, usid, ts, text(n, "participantId"),
					text(n, "connectionId"), text(n, "location"), text(n, "ip"), text(n, "platform"),
					text(n, "clientData"), text(n, "serverData"));
			case PARTICIPANT_LEFT -> new ParticipantLeft(sid, usid, ts, text(n, "participantId"),
					text(n, "connectionId"), text(n, "location"), text(n, "ip"), text(n, "platform"),
					text(n, "clientData"), text(n, "serverData"), longValue(n, "startTime"), longValue(n, "duration"),
					text(n, "reason"));
			case WEBRTC_CONNECTION_CREATED -> new WebrtcConnectionCreated(sid, usid, ts, text(n, "participantId"),
					text(n, "connectionId"), text(n, "streamId"), text(n, "connection"), text(n, "receivingFrom"),
					text(n, "videoSource"), intValue(n, "videoFramerate"), text(n, "videoDimensions"),
					bool(n, "audioEnabled"), bool(n, "videoEnabled"));
			case WEBRTC_CONNECTION_DESTROYED -> new WebrtcConnectionDestroyed(sid, usid, ts, text(n, "participantId"),
					text(n, "connectionId"), text(n, "streamId"), text(n, "connection"), text(n, "receivingFrom"),
					text(n, "videoSource"), intValue(n, "videoFramerate"), text(n, "videoDimensions"),
					bool(n, "audioEnabled"), bool(n, "videoEnabled"), longValue(n, "startTime"),
					longValue(n, "duration"), text(n, "reason"));
			default -> new Other(event == null ? "" : event, sid, usid, ts);
		};
	}

	private static String text(JsonNode n, String field) {
		JsonNode v = n.get(field);
		return v != null && v.isString() ? v.asString() : null;
	}

	private static Long longValue(JsonNode n, String field) {
		JsonNode v = n.get(field);
		if (v == null || !v.isNumber()) {
			return null;
		}
		try {
			if (v.isIntegralNumber()) {
				return v.canConvertToLong() ? v.longValue() : null;
			}
			double d = v.doubleValue();
			return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.0e15 ? (long) d : null;
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	private static Integer intValue(JsonNode n, String field) {
		Long v = longValue(n, field);
		return v == null || v > Integer.MAX_VALUE || v < Integer.MIN_VALUE ? null : v.intValue();
	}

	private static Double doubleValue(JsonNode n, String field) {
		JsonNode v = n.get(field);
		if (v == null || !v.isNumber()) {
			return null;
		}
		try {
			double d = v.doubleValue();
			return Double.isFinite(d) ? d : null;
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	private static Boolean bool(JsonNode n, String field) {
		JsonNode v = n.get(field);
		return v != null && v.isBoolean() ? v.booleanValue() : null;
	}

}
