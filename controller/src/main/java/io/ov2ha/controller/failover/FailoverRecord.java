package io.ov2ha.controller.failover;

import java.time.Duration;
import java.time.Instant;

import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.JsonNode;

/**
 * One failover in a recording's history (hash {@code ov2ha:rec:{id}:failovers}, field = the
 * new epoch, JSON schema 1; times are stored as epoch milliseconds).
 */
@Schema(description = "One failover: what failed, when it was seen, which backup replaced it")
public record FailoverRecord(@Schema(example = "ses_AbC~1") String recordingId,
		@Schema(example = "1700000005000") long createdAt, @Schema(example = "0") long fromEpoch,
		@Schema(example = "1") long toEpoch,
		@Schema(description = "1 for the recording's first failover", example = "1") int failoverNumber,
		@Schema(description = "container-died, oom-killed, heartbeat-lost, hung, chunk-stall, media-stall, start-timeout, manual", example = "container-died") String reason,
		@Schema(example = "exit code 137") String detail,
		@Schema(description = "best estimate of when the recorder failed") Instant failedAt,
		@Schema(description = "where failedAt comes from: docker-event, container-finished, last-heartbeat, last-chunk, request", example = "docker-event") String failedAtSource,
		@Schema(description = "when the controller concluded it failed") Instant detectedAt,
		@Schema(description = "when the new epoch was claimed (fenced)") Instant claimedAt,
		@Schema(description = "controller that claimed it") String claimedBy,
		@Schema(description = "the replaced recorder's container") String oldContainerId,
		@Schema(description = "whether the controller had to kill it") Boolean oldContainerKilled,
		@Schema(description = "HA_START_CHUNK of the backup: highest known chunk + 1", example = "13") Long startChunk,
		@Schema(description = "start attempts of the backup", example = "1") int attempts,
		String backupContainerId, @Schema(example = "ov2ha-backup-ses_AbC_1-e1") String backupContainerName,
		Instant backupStartedAt,
		@Schema(description = "whether the backup was a warm standby handed the recording (false: started cold; null: not started)") Boolean standby,
		@Schema(description = "when the backup's first chunk was reported") Instant firstChunkAt,
		@Schema(description = "starting, started, start-failed, abandoned, superseded; deferred: not claimed yet because HA_MAX_CONCURRENT_BACKUPS backups run (error says so; replaced by the claim)", example = "started") String outcome,
		@Schema(description = "why starting the backup failed (last attempt)") String error,
		@Schema(description = "when the backup was stopped at the end of the recording") Instant stoppedAt,
		Long stopExitCode,
		@Schema(description = "detectedAt - failedAt, ms", example = "35") Long detectionMillis,
		@Schema(description = "backupStartedAt - failedAt, ms", example = "420") Long backupStartMillis,
		@Schema(description = "firstChunkAt - failedAt, ms", example = "3100") Long firstChunkMillis) {

	static FailoverRecord fromJson(JsonNode n) {
		Instant failedAt = time(n, "failedAt");
		Instant detectedAt = time(n, "detectedAt");
		Instant startedAt = time(n, "backupStartedAt");
		Instant firstChunkAt = time(n, "firstChunkAt");
		return new FailoverRecord(text(n, "recordingId"), n.path("createdAt").asLong(), n.path("fromEpoch").asLong(),
				n.path("toEpoch").asLong(), n.path("failoverNumber").asInt(), text(n, "reason"), text(n, "detail"),
				failedAt, text(n, "failedAtSource"), detectedAt, time(n, "claimedAt"), text(n, "claimedBy"),
				text(n, "oldContainerId"), n.path("oldContainerKilled").isBoolean() ? n.path("oldContainerKilled").asBoolean() : null,
				n.path("startChunk").isNumber() ? n.path("startChunk").asLong() : null, n.path("attempts").asInt(),
				text(n, "backupContainerId"), text(n, "backupContainerName"), startedAt,
				n.path("standby").isBoolean() ? n.path("standby").asBoolean() : null, firstChunkAt,
				text(n, "outcome"), text(n, "error"), time(n, "stoppedAt"),
				n.path("stopExitCode").isNumber() ? n.path("stopExitCode").asLong() : null, millis(failedAt, detectedAt),
				millis(failedAt, startedAt), millis(failedAt, firstChunkAt));
	}

	private static Long millis(Instant from, Instant to) {
		return from == null || to == null ? null : Duration.between(from, to).toMillis();
	}

	private static String text(JsonNode n, String field) {
		JsonNode v = n.path(field);
		return v.isMissingNode() || v.isNull() ? null : v.asString();
	}

	private static Instant time(JsonNode n, String field) {
		JsonNode v = n.path(field);
		return v.isNumber() ? Instant.ofEpochMilli(v.asLong()) : null;
	}

}
