package io.ov2ha.controller.webhook;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HexFormat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Service;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.Secrets;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ProblemType;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Accepts one webhook from OpenVidu: checks it is a JSON object, stores it durably (the answer
 * to OpenVidu comes only after that), applies it to the recording state, and wakes the relay.
 */
@Service
class WebhookIntake {

	private static final Log LOG = LogFactory.getLog(WebhookIntake.class);

	/** Strict: trailing content after the object is malformed too. */
	private static final JsonMapper PARSER = JsonMapper.builder()
		.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
		.build();

	private final WebhookQueue queue;

	private final RecordingStateMachine stateMachine;

	private final RelayWorker relay;

	private final WebhookProperties properties;

	private final WebhookToken token;

	private final Clock clock;

	private final Counter stored;

	private final Counter duplicates;

	private final Counter malformed;

	WebhookIntake(WebhookQueue queue, RecordingStateMachine stateMachine, RelayWorker relay,
			WebhookProperties properties, WebhookToken token, Clock clock, MeterRegistry meters) {
		this.queue = queue;
		this.stateMachine = stateMachine;
		this.relay = relay;
		this.properties = properties;
		this.token = token;
		this.clock = clock;
		this.stored = received(meters, "stored");
		this.duplicates = received(meters, "duplicate");
		this.malformed = received(meters, "malformed");
	}

	private static Counter received(MeterRegistry meters, String result) {
		return Counter.builder("ov2ha.webhook.received")
			.description("Webhooks received from OpenVidu, by result")
			.tag("result", result)
			.register(meters);
	}

	/** @param eventId the event's id (X-OV2HA-Event-Id of its relay) */
	record Accepted(String eventId, String type, boolean duplicate) {
	}

	Accepted receive(byte[] body, String authorization) {
		if (body == null || body.length == 0) {
			throw malformed("The body is empty; OpenVidu sends one JSON object per event.");
		}
		String text;
		try {
			text = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(body))
				.toString();
		}
		catch (CharacterCodingException ex) {
			throw malformed("The body is not valid UTF-8.");
		}
		JsonNode node;
		try {
			node = PARSER.readTree(text);
		}
		catch (JacksonException ex) {
			throw malformed("The body is not valid JSON.");
		}
		if (node == null || !node.isObject()) {
			throw malformed("The body must be a JSON object.");
		}
		WebhookEvent event = WebhookEvent.of(node);
		String recordingId = event instanceof WebhookEvent.RecordingStatusChanged r && RecordingId.isValid(r.id())
				? r.id() : null;
		Long createdAt = event instanceof WebhookEvent.RecordingStatusChanged r ? r.startTime() : null;
		boolean pending = RecordingStateMachine.affectsState(event);
		String forwarded = properties.relay().forwardAuthorization() && authorization != null
				&& !authorization.isBlank() && !token.isToken(authorization) ? authorization : null;
		long now = clock.millis();
		WebhookQueue.Stored result = queue.store(new WebhookQueue.NewEvent(WebhookQueue.Origin.OPENVIDU, event.event(),
				text, null, recordingId, createdAt, RecordingStateMachine.isOpenViduFinal(event), pending,
				sha256(body), WebhookQueue.DEDUP_WINDOW, forwarded, now));
		if (result.duplicate()) {
			duplicates.increment();
			LOG.info("event=webhook.duplicate eventId=" + result.entryId() + " type=" + LogValues.quote(event.event()));
		}
		else {
			stored.increment();
			if (LOG.isDebugEnabled()) {
				LOG.debug("event=webhook.received eventId=" + result.entryId() + " type=" + LogValues.quote(event.event())
						+ " relay=" + result.relay());
			}
		}
		if (pending) {
			// applied on every copy: a retry of an event whose first application was cut short completes it
			try {
				stateMachine.apply(event, text, result.entryId());
				queue.clearPending(result.entryId());
			}
			catch (RuntimeException ex) {
				// stored durably: the relay applies it again before passing it on
				LOG.error("event=webhook.apply_failed eventId=" + result.entryId() + " type=" + LogValues.quote(event.event())
						+ " error=" + ex.getClass().getSimpleName(), ex);
			}
		}
		relay.wake();
		return new Accepted(result.entryId(), event.event(), result.duplicate());
	}

	private ApiException malformed(String detail) {
		malformed.increment();
		return new ApiException(ProblemType.INVALID_REQUEST, detail);
	}

	static String sha256(byte[] body) {
		return HexFormat.of().formatHex(Secrets.sha256(body));
	}

}
