package io.ov2ha.controller.webhook;

import java.io.IOException;
import java.time.Duration;

import jakarta.servlet.http.HttpServletRequest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.web.ApiErrors;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ApiRoles;
import io.ov2ha.controller.web.ProblemType;
import io.ov2ha.controller.web.Problems;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;

/** Where OpenVidu sends its webhooks ({@code OPENVIDU_WEBHOOK_ENDPOINT}). */
@RestController
@Tag(name = "Webhooks", description = "OpenVidu's webhooks: intake, recording state, relay to your endpoint")
class WebhookController {

	private static final Log LOG = LogFactory.getLog(WebhookController.class);

	static final String STARTED_EXAMPLE = """
			{"sessionId":"ses_AbC","uniqueSessionId":"ses_AbC_1700000000000","timestamp":1700000005000,\
			"startTime":1700000005000,"duration":0.0,"id":"ses_AbC","name":"ses_AbC","outputMode":"COMPOSED",\
			"resolution":"1280x720","frameRate":25,"recordingLayout":"BEST_FIT","hasAudio":true,"hasVideo":true,\
			"size":0,"status":"started","event":"recordingStatusChanged"}""";

	private final WebhookIntake intake;

	private final WebhookToken token;

	private final Counter unauthorized;

	/** At most one unauthorized line per 10 s, one relay-loop line per minute, each with its count. */
	private final LogThrottle unauthorizedLog = new LogThrottle(Duration.ofSeconds(10));

	private final LogThrottle relayLoopLog = new LogThrottle(Duration.ofMinutes(1));

	WebhookController(WebhookIntake intake, WebhookToken token, MeterRegistry meters) {
		this.intake = intake;
		this.token = token;
		this.unauthorized = Counter.builder("ov2ha.webhook.received")
			.description("Webhooks received from OpenVidu, by result")
			.tag("result", "unauthorized")
			.register(meters);
	}

	@PostMapping(path = RelayTarget.WEBHOOK_PATH)
	@Operation(summary = "Receive an OpenVidu webhook", description = """
			OpenVidu's OPENVIDU_WEBHOOK_ENDPOINT. Authenticated by HA_WEBHOOK_TOKEN, sent by OpenVidu as \
			`Authorization: Bearer <token>` (put `["Authorization: Bearer <token>"]` into OPENVIDU_WEBHOOK_HEADERS) \
			or as `X-OV2HA-Webhook-Token: <token>`; HTTP Basic credentials are not accepted here. \
			Answers 200 only after the event is stored durably (OpenVidu counts only 200 as success and \
			never retries a refused event). The event then drives the recording's state \
			(recordingStatusChanged started/stopped/ready/failed, sessionDestroyed) and is relayed, byte for \
			byte and in order, to HA_WEBHOOK_RELAY_URL. Any JSON object is accepted, also unknown events; \
			malformed JSON, non-objects and bodies that are not UTF-8 get 400 and are neither stored nor relayed. \
			The same bytes again within 10 minutes (OpenVidu's transport retry) are stored once.""",
			security = @SecurityRequirement(name = WebhookConfig.TOKEN_SCHEME),
			requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
					description = "One OpenVidu 2 webhook event (any event type)",
					content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
							schema = @Schema(type = "object", description = "OpenVidu event; `event` names its type"),
							examples = @ExampleObject(name = "recordingStatusChanged", value = STARTED_EXAMPLE))))
	@ApiResponse(responseCode = "200", description = "Stored durably",
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = WebhookViews.Ack.class)))
	@ApiRoles({})
	@ApiErrors({ ProblemType.UNAUTHORIZED })
	ResponseEntity<?> receive(
			@Parameter(hidden = true) @RequestHeader(value = "Authorization", required = false) String authorization,
			@Parameter(hidden = true) @RequestHeader(value = WebhookToken.HEADER, required = false) String tokenHeader,
			@Parameter(hidden = true) @RequestHeader(value = RelayClient.ORIGIN, required = false) String relayedFrom,
			HttpServletRequest request) throws IOException {
		if (!token.matches(authorization, tokenHeader)) {
			refused();
			ProblemDetail problem = Problems.of(ProblemType.UNAUTHORIZED,
					"Send the webhook token: Authorization: Bearer <HA_WEBHOOK_TOKEN>.", Problems.safeInstance(request));
			return ResponseEntity.status(problem.getStatus())
				.header("WWW-Authenticate", "Bearer realm=\"ov2-ha-recorder-webhook\"")
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.body(problem);
		}
		if (relayedFrom != null) {
			long count = relayLoopLog.event();
			if (count > 0) {
				LOG.error("event=webhook.relay_loop origin=" + LogValues.quote(relayedFrom) + " action=refused count="
						+ count + " hint=HA_WEBHOOK_RELAY_URL_points_to_a_controller");
			}
			throw new ApiException(ProblemType.INVALID_REQUEST, "This request was sent by an OV2 HA Recorder relay"
					+ " (it has X-OV2HA-Origin): some controller's HA_WEBHOOK_RELAY_URL points to this webhook endpoint."
					+ " Point it to your own application instead.");
		}
		WebhookIntake.Accepted accepted = intake.receive(body(request), authorization);
		return ResponseEntity.ok()
			.contentType(MediaType.APPLICATION_JSON)
			.body(new WebhookViews.Ack(accepted.eventId(), accepted.duplicate()));
	}

	/**
	 * The raw body, read whatever the Content-Type says (OpenVidu always sends application/json;
	 * a wrong or wildcard type must not turn into an error before the body is even looked at).
	 */
	private static byte[] body(HttpServletRequest request) throws IOException {
		try {
			return request.getInputStream().readAllBytes();
		}
		catch (IOException ex) {
			for (Throwable t = ex; t != null; t = t.getCause()) {
				if (t.getClass().getSimpleName().equals("PayloadTooLargeException")) {
					throw ex; // the body size limit: answered 413 by the problem handler
				}
			}
			throw new ApiException(ProblemType.INVALID_REQUEST, "The request body could not be read.");
		}
	}

	private void refused() {
		unauthorized.increment();
		long count = unauthorizedLog.event();
		if (count > 0) {
			LOG.warn("event=webhook.unauthorized count=" + count
					+ " hint=check_OPENVIDU_WEBHOOK_HEADERS_and_HA_WEBHOOK_TOKEN");
		}
	}

}
