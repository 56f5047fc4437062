package io.ov2ha.controller.finalize;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.finalize.FinalizationRequest.Source;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecorderLimits;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.storage.ChunkStorage;
import io.ov2ha.controller.web.ApiErrors;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ApiRoles;
import io.ov2ha.controller.web.ProblemType;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

@RestController
@RequestMapping("/api/recordings")
@Tag(name = "Finalization", description = "Joining a recording's chunks into OpenVidu's final MP4, and getting it")
class FinalizeController {

	private final FinalizationService service;

	private final RecordingStore recordings;

	private final ChunkStorage storage;

	private final HaProperties properties;

	FinalizeController(FinalizationService service, RecordingStore recordings, ChunkStorage storage,
			HaProperties properties) {
		this.service = service;
		this.recordings = recordings;
		this.storage = storage;
		this.properties = properties;
	}

	@Schema(description = "Finalize request; recorders send their epoch")
	record FinalizeRequest(@Schema(description = "The caller's epoch, 0..1000000; required for recorders", example = "0", minimum = "0", maximum = "1000000") Long epoch) {
	}

	@PostMapping("/{id}/finalize")
	@Operation(summary = "Finalize a recording", description = """
			Joins the recording's chunks into `<VIDEO_NAME>.mp4` in its folder, verifies it, and writes \
			OpenVidu's `<id>.info`, `<id>.jpg` and `.recording.<id>` (sealed `ready`). Called once by the \
			recorder after it stopped (body `{"epoch":N}`; a stale epoch gets 409 stale-epoch), by admins \
			(no body needed), and by the controller itself after a failover. The finalization runs once \
			even when several callers or controllers ask at the same time; every caller gets the same \
			result. The call answers 200 when it has ended (state DONE: recording READY; state FAILED: \
			recording FAILED with the reason, chunks kept), or 202 with the current state after \
			`waitSeconds` (default 20, at most 25, so that a stopping recorder exits inside OpenVidu's 30 s). \
			If chunk storage is unreachable the attempt is repeated automatically (state RETRY_WAIT), up \
			to `HA_FINALIZE_ATTEMPTS` attempts. An admin retries a FAILED (or ABANDONED) recording with \
			`force=true`: the retry gets `HA_FINALIZE_ATTEMPTS` attempts of its own (`attempts` counts \
			them all); a READY recording is never rebuilt.""")
	@ApiResponse(responseCode = "200", description = "Finalization ended (DONE or FAILED)")
	@ApiResponse(responseCode = "202", description = "Still running (or waiting for a retry); poll again")
	@ApiRoles({ "RECORDER", "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.RECORDING_NOT_FOUND, ProblemType.STALE_EPOCH,
			ProblemType.RECORDING_FINAL, ProblemType.RECORDING_ACTIVE })
	ResponseEntity<Finalization> finalizeRecording(
			@Parameter(description = "Recording id", example = "ses_AbC~1") @PathVariable String id,
			@Parameter(description = "Seconds to wait for the result, 0..25", example = "20") @RequestParam(defaultValue = "20") int waitSeconds,
			@Parameter(description = "Admin only: retry a FAILED or ABANDONED recording (with HA_FINALIZE_ATTEMPTS attempts of its own), or run a waiting retry now (its count goes on)") @RequestParam(defaultValue = "false") boolean force,
			@RequestBody(required = false) FinalizeRequest request, Authentication caller) {
		RecordingId recordingId = RecordingId.of(id);
		if (waitSeconds < 0 || waitSeconds > FinalizationService.MAX_WAIT.toSeconds()) {
			throw new ApiException(ProblemType.INVALID_REQUEST,
					"waitSeconds must be between 0 and " + FinalizationService.MAX_WAIT.toSeconds() + ".");
		}
		boolean admin = caller.getAuthorities().stream().anyMatch(a -> "ROLE_ADMIN".equals(a.getAuthority()));
		Long epoch = request == null ? null : request.epoch();
		if (!admin && epoch == null) {
			throw new ApiException(ProblemType.INVALID_REQUEST, "epoch is required.");
		}
		if (epoch != null && (epoch < 0 || epoch > RecorderLimits.MAX_EPOCH)) {
			throw new ApiException(ProblemType.INVALID_REQUEST,
					"epoch must be between 0 and " + RecorderLimits.MAX_EPOCH + ".");
		}
		if (!admin && force) {
			throw new ApiException(ProblemType.INVALID_REQUEST, "force is for admins only.");
		}
		FinalizationRequest trigger = new FinalizationRequest(admin ? Source.ADMIN : Source.RECORDER, epoch, force);
		Finalization result = service.finalize(recordingId, trigger, Duration.ofSeconds(waitSeconds));
		boolean ended = result.state() == null || result.state().terminal();
		return ResponseEntity.status(ended ? HttpStatus.OK : HttpStatus.ACCEPTED).body(result);
	}

	@GetMapping("/{id}/finalization")
	@Operation(summary = "Get the finalization of a recording", description = """
			State, attempts, steps, the verified output, the chunks kept and dropped (with reasons), \
			the gaps, and when the chunks are deleted.""")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.RECORDING_NOT_FOUND, ProblemType.NOT_FOUND })
	Finalization finalization(@Parameter(description = "Recording id", example = "ses_AbC~1") @PathVariable String id) {
		RecordingId recordingId = RecordingId.of(id);
		recordings.require(recordingId);
		return service.find(recordingId)
			.orElseThrow(() -> new ApiException(ProblemType.NOT_FOUND, "Recording " + id + " was never finalized."));
	}

	@Schema(description = "A presigned download URL of the final MP4")
	record DownloadLink(@Schema(example = "ses_AbC~1") String recordingId,
			@Schema(example = "https://s3.example.com/recordings/recordings/ses_AbC~1/1700000005000/final/ses_AbC~1.mp4?X-Amz-Signature=...") String url,
			Instant expiresAt) {
	}

	@GetMapping("/{id}/download")
	@Operation(summary = "Download the final MP4", description = """
			For a READY recording. When the final was uploaded to S3 (HA_UPLOAD_FINAL=true): 302 to a \
			presigned URL valid for HA_DOWNLOAD_URL_EXPIRY (the body also carries it). Otherwise the file \
			is streamed from the recordings folder (200, video/mp4). `curl -L` works for both.""")
	@ApiResponse(responseCode = "200", description = "The MP4 file")
	@ApiResponse(responseCode = "302", description = "Redirect to a presigned URL")
	@ApiRoles({ "ADMIN" })
	@ApiErrors({ ProblemType.INVALID_RECORDING_ID, ProblemType.RECORDING_NOT_FOUND, ProblemType.FINAL_NOT_AVAILABLE })
	ResponseEntity<?> download(@Parameter(description = "Recording id", example = "ses_AbC~1") @PathVariable String id) {
		RecordingId recordingId = RecordingId.of(id);
		Recording recording = recordings.require(recordingId);
		if (recording.status() != RecordingStatus.READY) {
			throw new ApiException(ProblemType.FINAL_NOT_AVAILABLE,
					"Recording " + id + " is " + recording.status() + "; only a READY recording has a final file.",
					Map.of("recordingStatus", recording.status().name()));
		}
		Finalization f = service.find(recordingId).orElse(null);
		if (f != null && f.finalKey() != null) {
			Duration expiry = properties.storage().downloadUrlExpiry();
			URI url = storage.presignedGet(f.finalKey(), expiry).orElse(null);
			if (url != null) {
				return ResponseEntity.status(HttpStatus.FOUND)
					.location(url)
					.body(new DownloadLink(id, url.toString(), Instant.now().plus(expiry)));
			}
		}
		String fileName = f != null && f.output() != null ? f.output().fileName() : null;
		Path file = fileName == null ? null : properties.recordingsDir().resolve(recordingId.value()).resolve(fileName);
		if (file == null || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
			throw new ApiException(ProblemType.FINAL_NOT_AVAILABLE,
					"The final file of recording " + id + " is not in the recordings folder.");
		}
		Resource body = new FileSystemResource(file);
		return ResponseEntity.ok()
			.contentType(MediaType.parseMediaType("video/mp4"))
			.header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(fileName).build().toString())
			.body(body);
	}

}
