package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.finalize.ChunkExaminer.Candidate;
import io.ov2ha.controller.recording.ChunkFindings.Range;

/**
 * The pure parts of the chunk plan: which unreported chunks a newer epoch supersedes, and the
 * gaps of a plan. The listing and the parallel examination run in the finalize API tests.
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

	private static JoinPlan.Kept kept(long seq) {
		return new JoinPlan.Kept(seq, 0, Path.of("x"), 2.0, "local", true, null);
	}

}
