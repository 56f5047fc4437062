package io.ov2ha.controller.webhook;

import java.time.Instant;
import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;

/** What the webhook endpoints answer. */
final class WebhookViews {

	private WebhookViews() {
	}

	@Schema(description = "The event is stored durably")
	record Ack(@Schema(description = "Event id, sent as X-OV2HA-Event-Id when relayed", example = "1700000005000-0") String eventId,
			@Schema(description = "The same bytes were received moments ago: stored once", example = "false") boolean duplicate) {
	}

	@Schema(description = "Webhook intake and relay")
	record Status(Relay relay, Queue queue, Counters counters, LastError lastError, Head head, DeadLetters deadLetters) {
	}

	@Schema(description = "Relay configuration and leader")
	record Relay(@Schema(description = "HA_WEBHOOK_RELAY_URL is set") boolean enabled,
			@Schema(description = "Target without user info or query", example = "https://app.example.com/openvidu-events") String target,
			@Schema(description = "Names of the extra headers (values are never shown)") List<String> headerNames,
			@Schema(description = "OpenVidu's Authorization header is passed on") boolean forwardAuthorization,
			@Schema(description = "Controller instance holding the relay lease", example = "host-1a2b3c4d") String leader,
			@Schema(description = "This controller is the leader") boolean thisController) {
	}

	@Schema(description = "Events stored but not processed by the relay yet")
	record Queue(@Schema(description = "Events waiting", example = "0") long depth,
			@Schema(description = "Last processed stream entry", example = "1700000005000-0") String position,
			@Schema(description = "When the oldest waiting event was received") Instant oldestWaitingSince,
			@Schema(description = "Entries kept in the stream (waiting plus processed within HA_WEBHOOK_RETENTION)") long stored) {
	}

	@Schema(description = "Totals since the queue was created")
	record Counters(@Schema(description = "Events stored (from OpenVidu and the controller)") long received,
			@Schema(description = "Repeats of an event already stored (OpenVidu's transport retries)") long duplicates,
			@Schema(description = "Delivered to the target") long delivered,
			@Schema(description = "Not relayed because the relay was disabled") long notRelayed,
			@Schema(description = "OpenVidu's ready/failed of recordings the controller finalizes itself") long suppressed,
			@Schema(description = "Failed delivery attempts") long failedAttempts,
			@Schema(description = "Events given up") long deadLettered,
			@Schema(description = "Dead letters queued again") long retried) {
	}

	@Schema(description = "The last failed delivery attempt")
	record LastError(Instant at, String eventId, @Schema(example = "HTTP 503") String message) {
	}

	@Schema(description = "The event the relay is retrying (it blocks the ones after it: order is kept)")
	record Head(String eventId, int attempts, Instant firstAttemptAt, Instant nextAttemptAt) {
	}

	@Schema(description = "Events given up after HA_WEBHOOK_RELAY_MAX_ATTEMPTS or HA_WEBHOOK_RELAY_MAX_AGE")
	record DeadLetters(long count, @Schema(description = "Newest first, at most 50") List<DeadLetter> newest) {
	}

	record DeadLetter(@Schema(description = "Event id; retry with POST /api/webhooks/dead-letters/{id}/retry") String id,
			@Schema(example = "openvidu") String origin, @Schema(example = "recordingStatusChanged") String type,
			String recordingId, Instant receivedAt, Instant deadAt, int attempts, String lastError, int bodyBytes) {

		static DeadLetter of(WebhookQueue.DeadLetter d) {
			return new DeadLetter(d.id(), d.origin(), d.type(), d.recordingId() == null || d.recordingId().isEmpty() ? null : d.recordingId(),
					Instant.ofEpochMilli(d.receivedAt()), Instant.ofEpochMilli(d.deadAt()), d.attempts(), d.lastError(),
					d.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
		}

	}

	@Schema(description = "The dead letter is queued again, at the end of the queue, with its original event id")
	record Requeued(@Schema(example = "1700000005000-0") String id,
			@Schema(description = "Its new stream entry", example = "1700000099000-0") String entryId) {
	}

}
