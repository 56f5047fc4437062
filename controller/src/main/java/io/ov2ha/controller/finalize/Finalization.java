package io.ov2ha.controller.finalize;

import java.time.Instant;
import java.util.List;

import io.ov2ha.controller.recording.ChunkFindings;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The finalization of one recording (id, createdAt), as stored in Redis
 * ({@code ov2ha:rec:{id}:finalize:<createdAt>}) and answered by the API.
 *
 * @param recordingId the recording
 * @param createdAt OpenVidu's createdAt; with the id the unique recording key
 * @param recordingStatus the recording's status when this was read
 * @param state where the finalization is
 * @param step the last step reached in the current or last attempt
 * @param attempts attempts started so far (all of them, an admin's retries included)
 * @param trigger who asked last: recorder, admin, failover or recovery
 * @param requestedAt first request
 * @param startedAt start of the current or last attempt
 * @param finishedAt end of the last attempt that ended
 * @param nextAttemptAt when the next automatic attempt is due (state RETRY_WAIT)
 * @param controllerId controller that ran the current or last attempt
 * @param error why the last attempt failed
 * @param output the final file (once verified)
 * @param keptChunks chunks joined, in order
 * @param droppedChunks chunks left out, with the reason
 * @param gaps sequence numbers missing from the final
 * @param verified whether the final file passed verification (only then are chunks ever deleted)
 * @param finalKey S3 key of the uploaded final ({@code HA_UPLOAD_FINAL})
 * @param finalUploadError why the last upload of the final failed, while it waits for the next
 * @param chunksDeleteAfter when retention may delete the chunks
 * @param chunksDeletedAt when retention deleted them
 */
@Schema(description = "Finalization of a recording: chunks joined into OpenVidu's MP4, verified, sealed")
public record Finalization(@Schema(example = "ses_AbC~1") String recordingId,
		@Schema(example = "1700000005000") long createdAt, @Schema(example = "READY") String recordingStatus,
		@Schema(example = "DONE") State state, @Schema(example = "DONE") Step step, @Schema(example = "1") int attempts,
		@Schema(example = "recorder") String trigger, Instant requestedAt, Instant startedAt, Instant finishedAt,
		Instant nextAttemptAt, String controllerId, String error, Output output, List<KeptChunk> keptChunks,
		List<ChunkFindings.Dropped> droppedChunks, List<ChunkFindings.Range> gaps, boolean verified, String finalKey,
		@Schema(description = "HA_UPLOAD_FINAL: why the last upload of the final to S3 failed; null once it is uploaded (downloads stream the local final meanwhile)", example = "S3 unreachable: connect timed out") String finalUploadError,
		Instant chunksDeleteAfter, Instant chunksDeletedAt) {

	/** Where a finalization is. */
	public enum State {

		/** Requested, not started yet. */
		PENDING,
		/** An attempt is running (or its controller died; recovery resumes it). */
		RUNNING,
		/** The last attempt could not reach chunk storage; the next one is due at {@code nextAttemptAt}. */
		RETRY_WAIT,
		/** Final: verified, sealed, the recording is READY. */
		DONE,
		/** Final: the recording is FAILED; chunks are kept and an admin can retry. */
		FAILED;

		public boolean terminal() {
			return this == DONE || this == FAILED;
		}

	}

	/** Steps of an attempt, in order. */
	public enum Step {

		PREPARING, JOINING, VERIFYING, VERIFIED, COMMITTED, SEALED, DONE

	}

	@Schema(description = "The final MP4 as verified and sealed")
	public record Output(@Schema(example = "ses_AbC~1.mp4") String fileName,
			@Schema(example = "301578721") long sizeBytes, @Schema(example = "3600.022") double durationSeconds,
			@Schema(description = "sum of the kept chunks' durations", example = "3600.021") double expectedSeconds,
			boolean hasAudio, boolean hasVideo, @Schema(example = "1280x720") String resolution,
			@Schema(example = "25") Integer frameRate,
			@Schema(example = "https://openvidu.example.com/openvidu/recordings/ses_AbC~1/ses_AbC~1.mp4") String url) {
	}

	@Schema(description = "A chunk in the final, in join order")
	public record KeptChunk(@Schema(example = "12") long seq, @Schema(example = "0") long epoch,
			@Schema(example = "10.0") double durationSeconds,
			@Schema(description = "where its bytes came from: local or s3", example = "local") String source,
			@Schema(description = "false when only a storage listing knew it (its report was lost, or a partial chunk of a dead recorder)") boolean reported,
			@Schema(description = "null: the whole chunk; else the chunk was cut this many seconds after its start, where the recording was lost (what its recorder recorded afterwards is not in the final); durationSeconds is then that", example = "1.42") Double cutAtSeconds) {
	}



}
