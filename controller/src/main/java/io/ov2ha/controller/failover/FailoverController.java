package io.ov2ha.controller.failover;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.web.ApiErrors;
import io.ov2ha.controller.web.ApiRoles;
import io.ov2ha.controller.web.ProblemType;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

@RestController
@Tag(name = "Failover", description = "Backup recorders: history, manual failover, availability")
class FailoverController {

	private final FailoverAdmin admin;

	FailoverController(FailoverAdmin admin) {
		this.admin = admin;
	}

	@GetMapping("/api/recordings/{id}/failovers")
	@Operation(summary = "Failover history of a recording", description = """
			Every failover of the recording, oldest first: why (container-died, oom-killed, heartbeat-lost, \
			hung, chunk-stall, media-stall, start-timeout, manual), when the recorder failed and when that was detected, the old and \
			the new container and epoch, the backup's start chunk, when it started and when its first \
			chunk arrived. Also the current epoch, the failover count and limit, and a pending start.""")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.RECORDING_NOT_FOUND })
	FailoverViews.History history(@Parameter(description = "Recording id", example = "ses_AbC~1") @PathVariable String id) {
		return admin.history(RecordingId.of(id));
	}

	@PostMapping("/api/recordings/{id}/failover")
	@Operation(summary = "Fail a recording over now", description = """
			Replaces the current recorder with a backup at once (reason manual): claims the next epoch \
			(the old recorder is fenced: its calls get 409 stale-epoch), kills the old container by its id \
			if it still runs, and starts a backup from the next chunk. Counts toward HA_MAX_FAILOVERS but \
			ignores the backoff. Answers the new history entry; if the backup could not be started, the \
			entry says why and the controller keeps retrying.""")
	@ApiResponse(responseCode = "202", description = "Failover claimed; the backup is starting or started")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.RECORDING_NOT_FOUND, ProblemType.RECORDING_FINAL,
			ProblemType.FAILOVER_REFUSED })
	@ResponseStatus(HttpStatus.ACCEPTED)
	FailoverRecord failover(@Parameter(description = "Recording id", example = "ses_AbC~1") @PathVariable String id) {
		return admin.manual(RecordingId.of(id));
	}

	@GetMapping("/api/failover/status")
	@Operation(summary = "Failover availability and activity", description = """
			Whether backups can be started (failover enabled, Docker reachable, recorder image present), \
			the Docker event stream, the reconciler lease holder, the recordings currently recorded by a \
			backup, and the failovers of all controllers by reason.""")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({})
	FailoverViews.Status status() {
		return admin.status();
	}

}
