package io.ov2ha.controller.recording;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import io.ov2ha.controller.kernel.RecordingId;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * What the last finalization found in a recording's chunks, for the manifest view
 * ({@code GET /api/recordings/{id}/chunks}). Implemented by the finalize feature.
 */
public interface ChunkFindings {

	/** The findings for the recording (id, createdAt), if it was ever finalized. */
	Optional<Report> find(RecordingId id, long createdAt);

	/** The findings and the chunks left out. */
	record Report(Findings findings, List<Dropped> dropped) {
	}

	@Schema(description = "What the last finalization found in the chunks")
	record Findings(@Schema(example = "DONE") String state, Instant finishedAt,
			@Schema(example = "42") long keptCount, @Schema(example = "418.7") double keptSeconds,
			@Schema(description = "chunks kept that only a storage listing knew (lost report, or a dead recorder's partial chunk)") List<Chunk> keptUnreported,
			@Schema(description = "sequence numbers missing from the final") List<Range> gaps, String error) {
	}

	@Schema(description = "A chunk, by (seq, epoch)")
	record Chunk(@Schema(example = "12") long seq, @Schema(example = "0") long epoch) {
	}

	@Schema(description = "A range of sequence numbers")
	record Range(@Schema(example = "7") long fromSeq, @Schema(example = "8") long toSeq) {

		/**
		 * The sequence numbers from 0 to LAST_SEQ (or to the highest of SEQS when LAST_SEQ is
		 * lower) that SEQS does not hold, as ranges.
		 */
		public static List<Range> gaps(Collection<Long> seqs, long lastSeq) {
			List<Range> gaps = new ArrayList<>();
			long expected = 0;
			for (long seq : new TreeSet<>(seqs)) {
				if (seq > expected) {
					gaps.add(new Range(expected, seq - 1));
				}
				expected = seq + 1;
			}
			if (lastSeq >= expected) {
				gaps.add(new Range(expected, lastSeq));
			}
			return gaps;
		}
	}

	@Schema(description = "A chunk the last finalization left out, with the reason")
	record Dropped(@Schema(example = "7") long seq, @Schema(example = "0") long epoch,
			@Schema(example = "recordings/ses_AbC~1/1700000005000/000007-e0.ts") String storageKey,
			@Schema(example = "empty (0 bytes)") String reason) {
	}

}
