package io.ov2ha.controller.webhook;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.ov2ha.controller.web.ApiErrors;
import io.ov2ha.controller.web.ApiRoles;
import io.ov2ha.controller.web.ProblemType;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

@RestController
@RequestMapping("/api/webhooks")
@Tag(name = "Webhooks", description = "OpenVidu's webhooks: intake, recording state, relay to your endpoint")
class WebhookAdminController {

	private final WebhookAdmin admin;

	WebhookAdminController(WebhookAdmin admin) {
		this.admin = admin;
	}

	@GetMapping("/status")
	@Operation(summary = "Webhook relay status", description = """
			The relay target and leader, queue depth (events stored and not yet processed), totals \
			(received, duplicates, delivered, failed attempts, dead letters), the last error, the event \
			being retried, and the newest dead letters.""")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({})
	WebhookViews.Status status() {
		return admin.status();
	}

	@PostMapping("/dead-letters/{id}/retry")
	@Operation(summary = "Retry a dead letter", description = """
			Queues the given-up event again, at the end of the queue (after the events received since), \
			with its original X-OV2HA-Event-Id so that your endpoint can de-duplicate it. Refused with 409 \
			while the relay is disabled.""")
	@ApiResponse(responseCode = "202", description = "Queued again")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({ ProblemType.WEBHOOK_DEAD_LETTER_NOT_FOUND, ProblemType.WEBHOOK_RELAY_DISABLED })
	@ResponseStatus(HttpStatus.ACCEPTED)
	WebhookViews.Requeued retry(
			@Parameter(description = "Dead letter (event) id", example = "1700000005000-0") @PathVariable String id) {
		return admin.retry(id);
	}

}
