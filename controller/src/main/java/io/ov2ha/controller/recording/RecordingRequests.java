package io.ov2ha.controller.recording;

import java.util.Map;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.Max;
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
			@Schema(description = "Recorder epoch: always 0 (the recorder OpenVidu started; a new recording at another epoch gets 409 epoch-not-issued). At most 1000000.", example = "0", minimum = "0", maximum = "1000000") @NotNull @PositiveOrZero @Max(RecorderLimits.MAX_EPOCH) Long epoch,
			@Schema(description = "OpenVidu's RECORDING_JSON (object, or the same JSON as a string); must contain id and createdAt",
					example = "{\"id\":\"ses_AbC~1\",\"name\":\"ses_AbC~1\",\"sessionId\":\"ses_AbC\",\"createdAt\":1700000005000,\"outputMode\":\"COMPOSED\",\"status\":\"started\"}") @NotNull JsonNode recordingJson,
			@Schema(description = "The OpenVidu environment the container was started with (URL, RESOLUTION, ...). Checked (URL http(s) on OpenVidu's host and port, RESOLUTION 2x2..7680x4320, FRAMERATE 1..60, VIDEO_FORMAT mp4, ONLY_VIDEO/DEBUG_MODE true|false, CONTAINER_WORKING_MODE COMPOSED, VIDEO_NAME 1..255 bytes without '/', '\\' or control characters; else 400 invalid-recorder-environment), other variables dropped. Stored to start backups; never logged, masked in responses.") @NotNull Map<String, String> env,
			@Schema(description = "Docker container id of the recorder (empty when it cannot tell)", example = "4f2a9c0e1b7d") @NotNull @Pattern(regexp = "[0-9a-f]{0,64}", message = "must be a hexadecimal Docker container id or empty") String containerId,
			@Schema(description = "Host the recorder runs on", example = "openvidu-1") @NotNull @Size(max = 253) @Pattern(regexp = "[A-Za-z0-9._-]*", message = "must be a host name") String host) {
	}

	@Schema(description = "Periodic sign of life of a recorder")
	record Heartbeat(@Schema(description = "Recorder epoch", example = "0") @NotNull @PositiveOrZero @Max(RecorderLimits.MAX_EPOCH) Long epoch,
			@Schema(description = "Highest complete chunk, null before the first", example = "12") @PositiveOrZero @Max(RecorderLimits.MAX_CHUNK_SEQ) Long lastChunkSeq,
			@Schema(description = "Complete chunks not yet uploaded and reported, 0..100000", example = "0", maximum = "100000") @PositiveOrZero @Max(RecorderLimits.MAX_UPLOAD_BACKLOG) Long uploadBacklog,
			@Schema(description = "Free disk space of the recorder, bytes, at most 2^50 (1 PiB)", example = "52613349376", maximum = "1125899906842624") @PositiveOrZero @Max(RecorderLimits.MAX_FREE_DISK_BYTES) Long freeDiskBytes,
			@Schema(description = "Recorder phase: starting (until ffmpeg wrote its first frame), capturing, stopping. "
					+ "Omitted by older recorders, which are then judged by their chunks", example = "capturing",
					allowableValues = { "starting", "capturing", "stopping" }) @Pattern(regexp = "starting|capturing|stopping", message = "must be starting, capturing or stopping") String phase,
			@Schema(description = "Media time ffmpeg has written in this epoch, ms (from -progress out_time); null before the first frame", example = "123400") @PositiveOrZero @Max(MAX_MEDIA_MS) Long mediaTimeMs,
			@Schema(description = "Frames ffmpeg has written in this epoch; null before the first frame", example = "3085") @PositiveOrZero @Max(MAX_FRAMES) Long frames,
			@Schema(description = "ffmpeg's speed (1.0 = real time); null when unknown", example = "0.99") @PositiveOrZero @DecimalMax("1000") Double speed,
			@Schema(description = "How long before this heartbeat ffmpeg's last progress report (the one mediaTimeMs and frames come from) arrived, ms, 0..one year; null when unknown (older recorders: the stall then counts from the heartbeat)", example = "240") @PositiveOrZero @Max(MAX_MEDIA_MS) Long progressAgeMs,
			@Schema(description = "What the recorder's screen and audio show, from a probe every 4 s: blank (a uniform frame and silence: e.g. a layout page whose session is gone) or shown (anything else); "
					+ "pending while the recorder probes but no probe has concluded yet (its first seconds: a media stall then is still its start, judged after HA_CPU_PRESSURE_TIMEOUT). "
					+ "Null or omitted when the recorder does not probe (older recorders, test sources) or its last probe is stale", example = "shown",
					allowableValues = { "shown", "blank", "pending" }) @Pattern(regexp = "shown|blank|pending", message = "must be shown, blank or pending") String content,
			@Schema(description = "How long the screen has been blank, ms, 0..one year (0 when shown); null when content is pending or null", example = "0") @PositiveOrZero @Max(MAX_MEDIA_MS) Long blankMs,
			@Schema(description = "The recorder's media time (as mediaTimeMs) at its last probe that showed something, ms; null when none of its probes did (a backup whose page never showed the session)", example = "121400") @PositiveOrZero @Max(MAX_MEDIA_MS) Long shownMediaMs) {

		/** A year of media: anything above is not a recorder's progress. */
		static final long MAX_MEDIA_MS = 366L * 24 * 3600 * 1000;

		/** A year at 60 frames/s. */
		static final long MAX_FRAMES = 366L * 24 * 3600 * 60;

		/** The same heartbeat from an older recorder, without phase and progress. */
		Heartbeat(Long epoch, Long lastChunkSeq, Long uploadBacklog, Long freeDiskBytes) {
			this(epoch, lastChunkSeq, uploadBacklog, freeDiskBytes, null, null, null, null, null, null, null, null);
		}
	}

	@Schema(description = "A chunk has been stored (uploaded in S3 mode, complete on disk in local mode)")
	record ChunkReport(@Schema(description = "Chunk sequence number, 0..10000000 (115 days of 1 s chunks); at most 100000 chunks per recording (409 too-many-chunks)", example = "12", minimum = "0", maximum = "10000000") @NotNull @PositiveOrZero @Max(RecorderLimits.MAX_CHUNK_SEQ) Long seq,
			@Schema(description = "Epoch of the recorder that wrote it, 0..1000000", example = "0", minimum = "0", maximum = "1000000") @NotNull @PositiveOrZero @Max(RecorderLimits.MAX_EPOCH) Long epoch,
			@Schema(description = "Media duration from the segment list, seconds, 0..3600", example = "10.0", maximum = "3600") @NotNull @PositiveOrZero @DecimalMax("3600") Double durationSeconds,
			@Schema(description = "Stored size in bytes, at most 64 GiB", example = "1048576", maximum = "68719476736") @NotNull @PositiveOrZero @Max(RecorderLimits.MAX_CHUNK_BYTES) Long sizeBytes,
			@Schema(description = "sha256 of the stored bytes", example = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08") @NotNull @Pattern(regexp = "sha256:[0-9a-f]{64}", message = "must be sha256:<64 lowercase hex>") String checksum,
			@Schema(description = "Object key (S3) or path relative to the recordings folder (local)", example = "recordings/ses_AbC~1/1700000005000/000012-e0.ts") @NotBlank @Size(max = 1024) String storageKey) {
	}

}
