package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.finalize.JoinPlan.Kept;
import io.ov2ha.controller.recording.BlankTail;
import io.ov2ha.controller.recording.ChunkFindings;

/** The blank tail's trim of a plan: by chunk, in the tail's epoch only, never to nothing. */
class JoinPlanTest {

	private static Kept kept(long seq, long epoch, double duration) {
		return new Kept(seq, epoch, Path.of(seq + "-e" + epoch + ".ts"), duration, "s3", true, null);
	}

	private static ChunkFindings.Dropped drop(Kept k, String reason) {
		return new ChunkFindings.Dropped(k.seq(), k.epoch(), "key-" + k.seq() + "-" + k.epoch(), reason);
	}

	/** Primary chunks 0-2 (epoch 0), backup chunks 3-6 (epoch 1, 10 s each). */
	private static JoinPlan plan() {
		List<Kept> kept = List.of(kept(0, 0, 10), kept(1, 0, 10), kept(2, 0, 4.2), kept(3, 1, 10), kept(4, 1, 10),
				kept(5, 1, 10), kept(6, 1, 3));
		return new JoinPlan(kept, List.of(), JoinPlan.gaps(kept, 6));
	}

	private static List<Long> seqs(JoinPlan p) {
		return p.kept().stream().map(Kept::seq).toList();
	}

	@Test
	void aBackupThatNeverShowedAnythingIsDroppedWhole() {
		JoinPlan trimmed = plan().withoutBlankTail(new BlankTail(1, -1), JoinPlanTest::drop);
		assertThat(seqs(trimmed)).containsExactly(0L, 1L, 2L);
		assertThat(trimmed.dropped()).extracting(ChunkFindings.Dropped::seq).containsExactly(3L, 4L, 5L, 6L);
		assertThat(trimmed.blankTail()).hasSize(4);
		assertThat(trimmed.dropped().get(0).reason()).startsWith("blank tail:").contains("the start of epoch 1");
		assertThat(trimmed.gaps()).as("a trimmed tail is no gap").isEmpty();
	}

	@Test
	void theChunkHoldingTheLastShownProbeStaysWhole() {
		// shown at 12.5 s of epoch 1: inside chunk 4 (10-20 s); chunks 5 and 6 start more than a
		// probe's margin (5 s) later
		JoinPlan trimmed = plan().withoutBlankTail(new BlankTail(1, 12_500), JoinPlanTest::drop);
		assertThat(seqs(trimmed)).containsExactly(0L, 1L, 2L, 3L, 4L);
		assertThat(trimmed.blankTail()).extracting(ChunkFindings.Dropped::seq).containsExactly(5L, 6L);
		assertThat(trimmed.blankTail().get(0).reason()).contains("12.5 s of epoch 1");
		// shown 4 s before a chunk's start: the loss may have come after it began, so it is kept
		assertThat(seqs(plan().withoutBlankTail(new BlankTail(1, 16_000), JoinPlanTest::drop)))
			.containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
	}

	@Test
	void nothingIsTrimmedWhenTheEpochShowedToItsLastChunk() {
		JoinPlan p = plan();
		assertThat(p.withoutBlankTail(new BlankTail(1, 40_000), JoinPlanTest::drop)).isSameAs(p);
	}

	@Test
	void otherEpochsAreNeverTrimmed() {
		JoinPlan trimmed = plan().withoutBlankTail(new BlankTail(0, 5_000), JoinPlanTest::drop);
		// epoch 0's chunk 1 starts at 10 s (not after 5 + 5 s): kept; chunk 2 at 20 s: dropped (a
		// gap here, since later chunks follow: a tail is always the last epoch's in practice);
		// the backup's chunks stay
		assertThat(seqs(trimmed)).containsExactly(0L, 1L, 3L, 4L, 5L, 6L);
		assertThat(trimmed.gaps()).extracting(ChunkFindings.Range::fromSeq).containsExactly(2L);
	}

	@Test
	void aTrimThatWouldLeaveNothingIsNotMade() {
		List<Kept> kept = List.of(kept(0, 0, 10), kept(1, 0, 10));
		JoinPlan p = new JoinPlan(kept, List.of(), List.of());
		assertThat(p.withoutBlankTail(new BlankTail(0, -1), JoinPlanTest::drop)).isSameAs(p);
	}

	@Test
	void aFragmentDroppedAfterTheTailsStartMakesNoGap() {
		// the backup's chunks 3-5 are blank; its last piece, 6, was dropped as undecodable
		List<Kept> kept = List.of(kept(0, 0, 10), kept(1, 0, 10), kept(2, 0, 4.2), kept(3, 1, 10), kept(4, 1, 10),
				kept(5, 1, 10));
		List<ChunkFindings.Dropped> dropped = List.of(new ChunkFindings.Dropped(6, 1, "k6", "undecodable"));
		JoinPlan trimmed = new JoinPlan(kept, dropped, JoinPlan.gaps(kept, 6))
			.withoutBlankTail(new BlankTail(1, -1), JoinPlanTest::drop);
		assertThat(seqs(trimmed)).containsExactly(0L, 1L, 2L);
		assertThat(trimmed.gaps()).isEmpty();
		assertThat(trimmed.dropped()).extracting(ChunkFindings.Dropped::seq).containsExactly(3L, 4L, 5L, 6L);
	}

	@Test
	void chunksDroppedForOtherReasonsStayAndCountForGaps() {
		List<Kept> kept = List.of(kept(0, 0, 10), kept(2, 0, 10), kept(3, 1, 10));
		List<ChunkFindings.Dropped> dropped = List.of(new ChunkFindings.Dropped(1, 0, "k1", "undecodable"));
		JoinPlan p = new JoinPlan(kept, dropped, JoinPlan.gaps(kept, 3));
		JoinPlan trimmed = p.withoutBlankTail(new BlankTail(1, -1), JoinPlanTest::drop);
		assertThat(seqs(trimmed)).containsExactly(0L, 2L);
		assertThat(trimmed.dropped()).extracting(ChunkFindings.Dropped::reason)
			.containsExactly("undecodable", trimmed.blankTail().get(0).reason());
		assertThat(trimmed.gaps()).extracting(ChunkFindings.Range::fromSeq).containsExactly(1L);
	}

}
