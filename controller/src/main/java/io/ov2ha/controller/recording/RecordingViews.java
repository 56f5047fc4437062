package io.ov2ha.controller.recording;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.JsonNode;

/** What the API answers about recordings. */
final class RecordingViews {

	private RecordingViews() {
	}

	@Schema(description = "Answer to a registration")
	record Registered(@Schema(example = "ses_AbC~1") String recordingId, @Schema(example = "0") long epoch,
			@Schema(example = "RECORDING") RecordingStatus status,
			@Schema(description = "Heartbeat period the controller expects, seconds", example = "2") long heartbeatIntervalSeconds) {
	}

	@Schema(description = "Answer to a heartbeat")
	record HeartbeatAck(@Schema(example = "ses_AbC~1") String recordingId, @Schema(example = "0") long epoch,
			@Schema(example = "RECORDING") RecordingStatus status) {
	}

	@Schema(description = "Answer to a chunk report")
	record ChunkAccepted(@Schema(example = "ses_AbC~1") String recordingId, @Schema(example = "12") long seq,
			@Schema(example = "0") long epoch, @Schema(description = "false when this report repeats an earlier identical one") boolean created) {
	}

	@Schema(description = "A recording in a listing")
	record Summary(@Schema(example = "ses_AbC~1") String recordingId, @Schema(example = "1700000005000") long createdAt,
			RecordingStatus status, @Schema(example = "0") long epoch, @Schema(example = "ses_AbC") String sessionId,
			@Schema(example = "ses_AbC~1") String name, Instant lastHeartbeatAt, @Schema(example = "42") long chunkCount,
			@Schema(example = "420.0") double chunkSeconds, @Schema(example = "0") int failoverCount) {

		static Summary of(Recording r) {
			return new Summary(r.id().value(), r.createdAt(), r.status(), r.epoch(), r.sessionId(), r.name(),
					r.lastHeartbeatAt(), r.chunkCount(), r.chunkSeconds(), r.failoverCount());
		}

	}

	@Schema(description = "One page of recordings, newest first")
	record Page(List<Summary> items, @Schema(example = "1") long total, @Schema(example = "50") int limit,
			@Schema(example = "0") int offset) {
	}

	@Schema(description = "Last heartbeat of the current recorder")
	record LastHeartbeat(Instant at, Long lastChunkSeq, Long uploadBacklog, Long freeDiskBytes,
			@Schema(description = "The current recorder's phase (starting, capturing, stopping); null when it reports none or has not sent a heartbeat yet", example = "capturing") String phase,
			@Schema(description = "Media time its ffmpeg has written in this epoch, ms", example = "123400") Long mediaTimeMs,
			@Schema(description = "Frames its ffmpeg has written in this epoch", example = "3085") Long frames,
			@Schema(description = "ffmpeg's speed, 1.0 = real time", example = "0.99") Double speed,
			@Schema(description = "Capturing slower than real time (speed < 0.9): reported, never failed over for it alone") boolean slow,
			@Schema(description = "Last heartbeat of this epoch that showed the media time advancing") Instant progressAt,
			@Schema(description = "What the current recorder's screen and audio show: shown, blank (a uniform frame and silence), or pending (it probes, no probe concluded yet, or its probes went stale before the page showed); null when it does not report it or its last probe is stale", example = "shown") String content,
			@Schema(description = "How long its screen had been blank at the heartbeat, ms", example = "0") Long blankMs,
			@Schema(description = "Its media time at its last probe that showed something, ms; null when none did", example = "121400") Long shownMediaMs) {

		static LastHeartbeat of(Recording r) {
			RecorderProgress p = r.progress().of(r.epoch()) ? r.progress() : RecorderProgress.NONE;
			return new LastHeartbeat(r.lastHeartbeatAt(), r.heartbeatLastChunkSeq(), r.uploadBacklog(), r.freeDiskBytes(),
					p.phase() == null ? null : p.phase().slug(), p.mediaTimeMs(), p.frames(), p.speed(), p.slow(),
					p.advancedAt(), p.content().state() == null ? null : p.content().state().slug(), p.content().blankMs(),
					p.content().shownMediaMs());
		}
	}

	@Schema(description = "Chunk totals from the manifest")
	record ChunkTotals(long count, double seconds, Long lastSeq, Instant lastAt) {
	}

	@Schema(description = "A recording in detail")
	record Detail(@Schema(example = "ses_AbC~1") String recordingId, @Schema(example = "1700000005000") long createdAt,
			RecordingStatus status, String statusReason, String stopReason, @Schema(example = "0") long epoch,
			String sessionId, String name, @Schema(description = "who created the record: recorder or webhook") String source,
			ContainerEntry currentContainer, List<ContainerEntry> containers, Instant registeredAt, Instant updatedAt,
			LastHeartbeat lastHeartbeat, ChunkTotals chunks, int failoverCount,
			@Schema(description = "OpenVidu's RECORDING_JSON") JsonNode recordingJson,
			@Schema(description = "OpenVidu environment of the primary; the OpenVidu secret is masked") Map<String, String> env) {
	}

	@Schema(description = "The chunk manifest of a recording, ordered by (seq, epoch)")
	record Manifest(@Schema(example = "ses_AbC~1") String recordingId, List<ChunkEntry> chunks, List<ChunkFindings.Range> gaps,
			@Schema(example = "42") long count, @Schema(example = "420.0") double seconds,
			@Schema(description = "chunks the last finalization left out, with the reason") List<ChunkFindings.Dropped> dropped,
			@Schema(description = "the last finalization's findings; null before any") ChunkFindings.Findings finalization) {
	}

}
