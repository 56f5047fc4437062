package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.finalize.ChunkExaminer.Candidate;
import io.ov2ha.controller.recording.ChunkEntry;
import io.ov2ha.controller.recording.ChunkFindings.Range;
import io.ov2ha.controller.storage.ChunkStorage.StoredChunk;

/**
 * The pure parts of the chunk plan: which unreported chunks a newer epoch supersedes, the gaps
 * of a plan, and when a plan may do without S3. The listing and the parallel examination run in the finalize API tests.
 */
class ChunkPlannerTest {

	private static Candidate unreported(long seq, long epoch) {
		return new Candidate(seq, epoch, null, null, Path.of("x"));
	}

	@Test
	void anUnreportedChunkOfAnOlderEpochBeyondTheNextEpochsFirstSeqIsSuperseded() {
		// epoch 0 recorded 0..4, epoch 1 took over at seq 3 (the replaced recorder went on writing)
		Map<Long, Long> firstSeq = Map.of(0L, 0L, 1L, 3L);

		assertThat(ChunkPlanner.supersededBy(unreported(4, 0), firstSeq))
			.isEqualTo("superseded: written by epoch 0 after epoch 1 took over at seq 3");
		assertThat(ChunkPlanner.supersededBy(unreported(3, 0), firstSeq)).as("the switch's own seq").isNull();
		assertThat(ChunkPlanner.supersededBy(unreported(2, 0), firstSeq)).isNull();
		assertThat(ChunkPlanner.supersededBy(unreported(5, 1), firstSeq)).as("the newest epoch").isNull();
	}

	@Test
	void anyNewerEpochSupersedesNotOnlyTheNextOne() {
		// epoch 1 started late (at seq 10), epoch 2 earlier (at seq 6): seq 7 of epochs 0 and 1 is a zombie's
		Map<Long, Long> firstSeq = Map.of(0L, 0L, 1L, 10L, 2L, 6L);

		assertThat(ChunkPlanner.supersededBy(unreported(7, 0), firstSeq)).contains("after epoch 2");
		assertThat(ChunkPlanner.supersededBy(unreported(7, 1), firstSeq)).contains("after epoch 2");
		assertThat(ChunkPlanner.supersededBy(unreported(5, 0), firstSeq)).isNull();
		assertThat(ChunkPlanner.supersededBy(unreported(7, 3), firstSeq)).isNull();
	}

	@Test
	void theGapsAreTheSeqsUpToTheLastKnownOneThatNoKeptChunkHas() {
		List<JoinPlan.Kept> kept = List.of(kept(0), kept(1), kept(4), kept(5));

		assertThat(JoinPlan.gaps(kept, 7)).containsExactly(new Range(2, 3), new Range(6, 7));
		assertThat(JoinPlan.gaps(kept, 5)).containsExactly(new Range(2, 3));
	}

	@Test
	void s3MayBeSkippedOnlyWhenEveryReportedChunkIsLocalWithItsReportedSize() {
		List<StoredChunk> local = List.of(local(0, 0, 100), local(1, 0, 120), local(2, 0, 40));

		assertThat(ChunkPlanner.allReportedAreLocal(List.of(report(0, 0, 100), report(1, 0, 120)), local))
			.as("an unreported local chunk beside them").isTrue();
		assertThat(ChunkPlanner.allReportedAreLocal(List.of(report(0, 0, 100), report(1, 0, 121)), local))
			.as("a local file of another size").isFalse();
		assertThat(ChunkPlanner.allReportedAreLocal(List.of(report(0, 0, 100), report(3, 0, 100)), local))
			.as("a reported chunk with no local file").isFalse();
		assertThat(ChunkPlanner.allReportedAreLocal(List.of(report(1, 1, 120)), local)).as("another epoch").isFalse();
		assertThat(ChunkPlanner.allReportedAreLocal(List.of(), local)).as("nothing reported").isTrue();
		assertThat(ChunkPlanner.allReportedAreLocal(List.of(), List.of()))
			.as("nothing local: the chunks can only be in S3").isFalse();
	}

	private static StoredChunk local(long seq, long epoch, long size) {
		return new StoredChunk(seq, epoch, "id/chunks/" + seq + "-e" + epoch + ".ts", size);
	}

	private static ChunkEntry report(long seq, long epoch, long size) {
		return new ChunkEntry(seq, epoch, 10.0, size, "00", "key", null);
	}

	private static JoinPlan.Kept kept(long seq) {
		return new JoinPlan.Kept(seq, 0, Path.of("x"), 2.0, "local", true, null);
	}

}
