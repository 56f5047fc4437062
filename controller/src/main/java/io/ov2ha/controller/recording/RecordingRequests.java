package io.ov2ha.controller.recording;

import java.util.Map;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import tools.jackson.databind.JsonNode;

/** Bodies the recorder sends (docs/recorder-protocol.md). */
final class RecordingRequests {

	private RecordingRequests() {
	}

	@Schema(description = "A recorder registers when it starts (primary recorders only; backups are known to the controller).")
	record Register(
			@Schema(description = "OpenVidu's recording id (VIDEO_ID)", example = "ses_AbC~1") @NotBlank String recordingId,
			@Schema(description = "Recorder epoch; 0 for the recorder OpenVidu started", example = "0") @NotNull @PositiveOrZero Long epoch,
			@Schema(description = "OpenVidu's RECORDING_JSON (object, or the same JSON as a string); must contain id and createdAt",
					example = "{\"id\":\"ses_AbC~1\",\"name\":\"ses_AbC~1\",\"sessionId\":\"ses_AbC\",\"createdAt\":1700000005000,\"outputMode\":\"COMPOSED\",\"status\":\"started\"}") @NotNull JsonNode recordingJson,
			@Schema(description = "The OpenVidu environment the container was started with (URL, RESOLUTION, ...). Stored to start backups; never logged, masked in responses.") @NotNull Map<String, String> env,
			@Schema(description = "Docker container id of the recorder (empty when it cannot tell)", example = "4f2a9c0e1b7d") @NotNull @Pattern(regexp = "[0-9a-f]{0,64}", message = "must be a hexadecimal Docker container id or empty") String containerId,
			@Schema(description = "Host the recorder runs on", example = "openvidu-1") @NotNull @Size(max = 253) @Pattern(regexp = "[A-Za-z0-9._-]*", message = "must be a host name") String host) {
	}

	@Schema(description = "Periodic sign of life of a recorder")
	record Heartbeat(@Schema(description = "Recorder epoch", example = "0") @NotNull @PositiveOrZero Long epoch,
			@Schema(description = "Highest complete chunk, null before the first", example = "12") @PositiveOrZero Long lastChunkSeq,
			@Schema(description = "Complete chunks not yet uploaded and reported", example = "0") @PositiveOrZero Long uploadBacklog,
			@Schema(description = "Free disk space of the recorder, bytes", example = "52613349376") @PositiveOrZero Long freeDiskBytes) {
	}

	@Schema(description = "A chunk has been stored (uploaded in S3 mode, complete on disk in local mode)")
	record ChunkReport(@Schema(description = "Chunk sequence number", example = "12") @NotNull @PositiveOrZero Long seq,
			@Schema(description = "Epoch of the recorder that wrote it", example = "0") @NotNull @PositiveOrZero Long epoch,
			@Schema(description = "Media duration from the segment list, seconds", example = "10.0") @NotNull @PositiveOrZero Double durationSeconds,
			@Schema(description = "Stored size in bytes", example = "1048576") @NotNull @PositiveOrZero Long sizeBytes,
			@Schema(description = "sha256 of the stored bytes", example = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08") @NotNull @Pattern(regexp = "sha256:[0-9a-f]{64}", message = "must be sha256:<64 lowercase hex>") String checksum,
			@Schema(description = "Object key (S3) or path relative to the recordings folder (local)", example = "recordings/ses_AbC~1/1700000005000/000012-e0.ts") @NotBlank @Size(max = 1024) String storageKey) {
	}

}
