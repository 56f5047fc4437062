package io.ov2ha.controller.recording;

import java.util.Locale;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.web.ApiErrors;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ApiRoles;
import io.ov2ha.controller.web.ProblemType;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;

@RestController
@RequestMapping("/api/recordings")
@Tag(name = "Recordings", description = "Registry of recordings: what recorders report, what admins inspect")
class RecordingController {

	static final int DEFAULT_LIMIT = 50;

	static final int MAX_LIMIT = 500;

	private final RecordingService service;

	RecordingController(RecordingService service) {
		this.service = service;
	}

	@PostMapping
	@Operation(summary = "Register a recorder", description = """
			Called by a primary recorder when it starts. Idempotent: repeating the same registration \
			(same epoch and container) answers 200 with the same body. A different container at the \
			same epoch is refused with 409 container-conflict. A new recording registers at epoch 0 \
			only (409 epoch-not-issued). The environment is checked before it is stored (400 \
			invalid-recorder-environment naming the variable): URL must be http(s) on OpenVidu's host \
			(HA_OPENVIDU_URL, HA_RECORDER_URL_HOSTS), RESOLUTION 2x2..7680x4320, FRAMERATE 1..60, \
			VIDEO_FORMAT mp4 (docs/recorder-protocol.md). 400 invalid-request when \
			recordingJson.createdAt is not a positive integer within a 64-bit long, or when the final's \
			name (env.VIDEO_NAME, else recordingJson.name, else the id) is not a plain file name of at \
			most 200 characters or starts with the reserved `.recording.` or `.ov2ha-`.""")
	@ApiResponse(responseCode = "201", description = "Registered")
	@ApiResponse(responseCode = "200", description = "Already registered (identical repeat)")
	@ApiRoles({ "RECORDER", "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.INVALID_RECORDER_ENVIRONMENT, ProblemType.STALE_EPOCH,
			ProblemType.EPOCH_NOT_ISSUED, ProblemType.CONTAINER_CONFLICT, ProblemType.RECORDING_ID_IN_USE,
			ProblemType.RECORDING_FINAL })
	ResponseEntity<RecordingViews.Registered> register(@Valid @RequestBody RecordingRequests.Register request) {
		RecordingService.RegisterResult result = service.register(request);
		return ResponseEntity.status(result.created() ? HttpStatus.CREATED : HttpStatus.OK).body(result.answer());
	}

	@PutMapping("/{id}/heartbeat")
	@Operation(summary = "Heartbeat of a recorder", description = """
			Sent every HA_HEARTBEAT_INTERVAL seconds. A heartbeat whose epoch is not the current one \
			gets 409 stale-epoch and changes nothing: that recorder has been replaced and must stop.""")
	@ApiRoles({ "RECORDER", "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.RECORDING_NOT_FOUND, ProblemType.STALE_EPOCH,
			ProblemType.RECORDING_FINAL })
	RecordingViews.HeartbeatAck heartbeat(@Parameter(description = "Recording id", example = "ses_AbC~1") @PathVariable String id,
			@Valid @RequestBody RecordingRequests.Heartbeat request) {
		return service.heartbeat(RecordingId.of(id), request);
	}

	@PostMapping("/{id}/chunks")
	@Operation(summary = "Report a stored chunk", description = """
			Sent after each chunk is stored. Repeating an identical report answers 200; the same \
			(seq, epoch) with another checksum is 409 chunk-conflict; a stale epoch is 409 stale-epoch; \
			seq above 10000000 or epoch above 1000000 is 400; a recording with 100000 chunks gets 409 \
			too-many-chunks.""")
	@ApiResponse(responseCode = "201", description = "Added to the manifest")
	@ApiResponse(responseCode = "200", description = "Already in the manifest (identical repeat)")
	@ApiRoles({ "RECORDER", "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.RECORDING_NOT_FOUND, ProblemType.STALE_EPOCH,
			ProblemType.CHUNK_CONFLICT, ProblemType.TOO_MANY_CHUNKS, ProblemType.RECORDING_FINAL })
	ResponseEntity<RecordingViews.ChunkAccepted> reportChunk(
			@Parameter(description = "Recording id", example = "ses_AbC~1") @PathVariable String id,
			@Valid @RequestBody RecordingRequests.ChunkReport request) {
		RecordingViews.ChunkAccepted accepted = service.reportChunk(RecordingId.of(id), request);
		return ResponseEntity.status(accepted.created() ? HttpStatus.CREATED : HttpStatus.OK).body(accepted);
	}

	@GetMapping
	@Operation(summary = "List recordings", description = "Newest first (by OpenVidu's createdAt), optionally one status.")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({})
	RecordingViews.Page list(
			@Parameter(description = "Only recordings in this status", example = "RECORDING") @RequestParam(required = false) String status,
			@Parameter(description = "Page size, 1..500", example = "50") @RequestParam(defaultValue = "" + DEFAULT_LIMIT) int limit,
			@Parameter(description = "Items to skip", example = "0") @RequestParam(defaultValue = "0") int offset) {
		if (limit < 1 || limit > MAX_LIMIT) {
			throw new ApiException(ProblemType.INVALID_REQUEST, "limit must be between 1 and " + MAX_LIMIT + ".");
		}
		if (offset < 0) {
			throw new ApiException(ProblemType.INVALID_REQUEST, "offset must not be negative.");
		}
		return service.list(parseStatus(status), limit, offset);
	}

	private static RecordingStatus parseStatus(String status) {
		if (status == null || status.isBlank()) {
			return null;
		}
		try {
			return RecordingStatus.valueOf(status.trim().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			throw new ApiException(ProblemType.INVALID_REQUEST,
					"status must be one of " + java.util.Arrays.toString(RecordingStatus.values()) + ".");
		}
	}

	@GetMapping("/{id}")
	@Operation(summary = "Get a recording", description = "State, epoch, containers, last heartbeat, chunk totals, failovers.")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.RECORDING_NOT_FOUND })
	RecordingViews.Detail get(@Parameter(description = "Recording id", example = "ses_AbC~1") @PathVariable String id) {
		return service.get(RecordingId.of(id));
	}

	@GetMapping("/{id}/chunks")
	@Operation(summary = "Get the chunk manifest", description = "Every reported chunk ordered by (seq, epoch), with the gaps in the sequence.")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.RECORDING_NOT_FOUND })
	RecordingViews.Manifest chunks(@Parameter(description = "Recording id", example = "ses_AbC~1") @PathVariable String id) {
		return service.manifest(RecordingId.of(id));
	}

	@PostMapping("/{id}/stop")
	@Operation(summary = "Stop a recording", description = """
			Moves the recording to STOPPING (reason stoppedByAdmin); the controller then stops its \
			current recorder and finalizes. Stopping a recording that is already stopping is a no-op.""")
	@ApiResponse(responseCode = "202", description = "Stop accepted")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.RECORDING_NOT_FOUND, ProblemType.RECORDING_FINAL })
	@ResponseStatus(HttpStatus.ACCEPTED)
	RecordingViews.Detail stop(@Parameter(description = "Recording id", example = "ses_AbC~1") @PathVariable String id) {
		return service.stop(RecordingId.of(id));
	}

	@DeleteMapping("/{id}")
	@Operation(summary = "Delete a recording's state", description = """
			Removes the recording from the registry (document, manifest, containers). Refused with 409 \
			recording-active while it is not final, unless force=true. Stored chunks and the final MP4 \
			are not touched by this call.""")
	@ApiResponse(responseCode = "204", description = "Deleted")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.RECORDING_NOT_FOUND, ProblemType.RECORDING_ACTIVE })
	ResponseEntity<Void> delete(@Parameter(description = "Recording id", example = "ses_AbC~1") @PathVariable String id,
			@Parameter(description = "Delete even if the recording is not final") @RequestParam(defaultValue = "false") boolean force) {
		service.delete(RecordingId.of(id), force);
		return ResponseEntity.noContent().build();
	}

}
