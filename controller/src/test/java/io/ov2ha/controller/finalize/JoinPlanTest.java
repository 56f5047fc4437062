package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.finalize.JoinPlan.Kept;
import io.ov2ha.controller.recording.BlankTail;
import io.ov2ha.controller.recording.ChunkEntry;
import io.ov2ha.controller.recording.ChunkFindings;
import io.ov2ha.controller.recording.LossCut;

/**
 * The blank tail's trim of a plan (by chunk) and the cut at a loss (inside a chunk): in their epoch
 * only, never to nothing.
 */
class JoinPlanTest {

	private static Kept kept(long seq, long epoch, double duration) {
		return new Kept(seq, epoch, Path.of(seq + "-e" + epoch + ".ts"), duration, "s3", true, null);
	}

	/** A manifest entry: a chunk its recorder reported, of that length. */
	private static ChunkEntry report(long seq, long epoch, double seconds) {
		return new ChunkEntry(seq, epoch, seconds, 1000, null, null, null);
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

	/** A chunk with timestamps (its own PTS start at 1.4 s, as the segment muxer writes them). */
	private static Kept timed(long seq, long epoch, double duration) {
		TsScan.Info info = new TsScan.Info(1000, true, 10, 0, 0, 5, 5, duration, duration, null, 1.4);
		return new Kept(seq, epoch, Path.of(seq + "-e" + epoch + ".ts"), duration, "s3", true, info);
	}

	/** Primary chunks 0-2 (epoch 0), backup chunks 3-6 (epoch 1, 10 s each), with timestamps. */
	private static JoinPlan timedPlan() {
		List<Kept> kept = List.of(timed(0, 0, 10), timed(1, 0, 10), timed(2, 0, 4.2), timed(3, 1, 10), timed(4, 1, 10),
				timed(5, 1, 10), timed(6, 1, 3));
		return new JoinPlan(kept, List.of(), JoinPlan.gaps(kept, 6));
	}

	private static LossCut cutAt(long epoch, long mediaMs) {
		return new LossCut(epoch, 1_767_225_600_000L, mediaMs);
	}

	@Test
	void aLossCutsInsideTheChunkThatHoldsItAndDropsTheRest() {
		// lost 12.5 s into epoch 1: inside chunk 4 (10-20 s)
		JoinPlan cut = timedPlan().cutAt(cutAt(1, 12_500), JoinPlanTest::drop);
		assertThat(seqs(cut)).containsExactly(0L, 1L, 2L, 3L, 4L);
		Kept inside = cut.cutChunk();
		assertThat(inside.seq()).isEqualTo(4);
		assertThat(inside.cutAt()).isEqualTo(2.5, within(1e-9));
		assertThat(inside.duration()).isEqualTo(2.5, within(1e-9));
		assertThat(inside.outpoint()).as("the chunk's own timestamps").isEqualTo(3.9,
				within(1e-9));
		assertThat(cut.kept().get(3).cutAt()).isNull();
		assertThat(cut.afterLoss()).extracting(ChunkFindings.Dropped::seq).containsExactly(5L, 6L);
		assertThat(cut.afterLoss().get(0).reason()).startsWith("after the loss:").contains("12.5 s of epoch 1")
			.contains("2026-01-01T00:00:00Z");
		assertThat(cut.gaps()).as("what was recorded after the loss is no gap").isEmpty();
		assertThat(cut.expectedSeconds()).isEqualTo(24.2 + 10 + 2.5, within(1e-9));
	}

	@Test
	void aCutOnAChunkBoundaryOrBeyondTheMediaCutsNothingInside() {
		JoinPlan boundary = timedPlan().cutAt(cutAt(1, 20_000), JoinPlanTest::drop);
		assertThat(seqs(boundary)).containsExactly(0L, 1L, 2L, 3L, 4L);
		assertThat(boundary.cutChunk()).isNull();
		assertThat(boundary.afterLoss()).extracting(ChunkFindings.Dropped::seq).containsExactly(5L, 6L);
		JoinPlan p = timedPlan();
		assertThat(p.cutAt(cutAt(1, 33_000), JoinPlanTest::drop)).as("the loss after the last frame").isSameAs(p);
	}

	@Test
	void lessThanHalfASecondBeforeTheCutDropsTheChunk() {
		JoinPlan cut = timedPlan().cutAt(cutAt(1, 20_400), JoinPlanTest::drop);
		assertThat(seqs(cut)).containsExactly(0L, 1L, 2L, 3L, 4L);
		assertThat(cut.afterLoss()).extracting(ChunkFindings.Dropped::seq).containsExactly(5L, 6L);
		assertThat(seqs(timedPlan().cutAt(cutAt(1, 20_500), JoinPlanTest::drop))).endsWith(5L);
	}

	@Test
	void aChunkWithoutTimestampsIsNotCutInsideButDropped() {
		JoinPlan cut = plan().cutAt(cutAt(1, 12_500), JoinPlanTest::drop);
		assertThat(seqs(cut)).containsExactly(0L, 1L, 2L, 3L);
		assertThat(cut.cutChunk()).isNull();
		assertThat(cut.afterLoss()).extracting(ChunkFindings.Dropped::seq).containsExactly(4L, 5L, 6L);
	}

	@Test
	void aLossCutsOnlyItsEpochAndNeverToNothing() {
		JoinPlan p = timedPlan();
		JoinPlan cut = p.cutAt(cutAt(0, 15_000), JoinPlanTest::drop);
		// epoch 0 cut inside chunk 1; chunk 2 dropped; epoch 1 untouched (a cut is always of the
		// last epoch in practice)
		assertThat(seqs(cut)).containsExactly(0L, 1L, 3L, 4L, 5L, 6L);
		assertThat(cut.cutChunk().seq()).isEqualTo(1);
		List<Kept> one = List.of(timed(0, 0, 0.3));
		JoinPlan tiny = new JoinPlan(one, List.of(), List.of());
		assertThat(tiny.cutAt(cutAt(0, 100), JoinPlanTest::drop)).isSameAs(tiny);
		assertThat(p.cutAt(cutAt(3, 0), JoinPlanTest::drop)).as("another epoch").isSameAs(p);
	}

	@Test
	void aFragmentDroppedAfterTheCutMakesNoGap() {
		List<Kept> kept = List.of(timed(0, 0, 10), timed(1, 1, 10), timed(2, 1, 10));
		List<ChunkFindings.Dropped> dropped = List.of(new ChunkFindings.Dropped(3, 1, "k3", "undecodable"));
		JoinPlan cut = new JoinPlan(kept, dropped, JoinPlan.gaps(kept, 3)).cutAt(cutAt(1, 5_000), JoinPlanTest::drop);
		assertThat(seqs(cut)).containsExactly(0L, 1L);
		assertThat(cut.gaps()).isEmpty();
		// the cut inside the last kept chunk: its recorder's last fragment, dropped, is no gap
		JoinPlan last = new JoinPlan(kept, dropped, JoinPlan.gaps(kept, 3)).cutAt(cutAt(1, 15_000), JoinPlanTest::drop);
		assertThat(seqs(last)).containsExactly(0L, 1L, 2L);
		assertThat(last.cutChunk().seq()).isEqualTo(2);
		assertThat(last.gaps()).isEmpty();
		// a chunk dropped before the cut stays a gap
		List<ChunkFindings.Dropped> before = List.of(new ChunkFindings.Dropped(1, 1, "k1", "undecodable"));
		List<Kept> holed = List.of(timed(0, 0, 10), timed(2, 1, 10), timed(3, 1, 10));
		JoinPlan gap = new JoinPlan(holed, before, JoinPlan.gaps(holed, 3)).cutAt(cutAt(1, 15_000), JoinPlanTest::drop);
		assertThat(gap.gaps()).extracting(ChunkFindings.Range::fromSeq).containsExactly(1L);
	}

	@Test
	void aChunkMissingBeforeTheCutStillCountsInItsEpochsMediaTime() {
		// epoch 1's chunk 4 was dropped (its report says 10 s) and chunk 5 is known nowhere (a
		// chunk of 10 s, the recorders' length): chunk 6 starts at 30 s of epoch 1, not at 10 s
		List<Kept> kept = List.of(timed(0, 0, 10), timed(3, 1, 10), timed(6, 1, 10), timed(7, 1, 10));
		List<ChunkFindings.Dropped> dropped = List.of(new ChunkFindings.Dropped(4, 1, "k4", "checksum mismatch"));
		JoinPlan p = new JoinPlan(kept, dropped, JoinPlan.gaps(kept, 7));
		EpochTimeline timeline = new EpochTimeline(List.of(report(3, 1, 10), report(4, 1, 10)), 10);
		JoinPlan cut = p.cutAt(cutAt(1, 35_000), timeline, JoinPlanTest::drop);
		assertThat(seqs(cut)).containsExactly(0L, 3L, 6L);
		assertThat(cut.cutChunk().seq()).isEqualTo(6);
		assertThat(cut.cutChunk().cutAt()).isEqualTo(5.0, within(1e-9));
		assertThat(cut.afterLoss()).extracting(ChunkFindings.Dropped::seq).containsExactly(7L);
		assertThat(cut.gaps()).as("the lost chunks stay gaps").extracting(ChunkFindings.Range::fromSeq)
			.containsExactly(1L, 4L);
		// the blank tail reads the same timeline: shown at 26 s of epoch 1, so chunk 6 (30-40 s)
		// does not start more than a probe's margin later, chunk 7 (40-50 s) does
		JoinPlan trimmed = p.withoutBlankTail(new BlankTail(1, 26_000), timeline, JoinPlanTest::drop);
		assertThat(seqs(trimmed)).containsExactly(0L, 3L, 6L);
		// the epoch's first chunk counts from its first report, even when that chunk is lost
		EpochTimeline lostFirst = new EpochTimeline(List.of(report(2, 1, 4)), 10);
		assertThat(lostFirst.starts(kept, 1)).containsEntry(3L, 4.0).containsEntry(6L, 34.0);
		// OpenVidu's recorder starts at seq 0: its chunk 0 lost everywhere still counts
		List<Kept> primary = List.of(timed(1, 0, 10), timed(2, 0, 10));
		assertThat(new EpochTimeline(List.of(), 10).starts(primary, 0)).containsEntry(1L, 10.0)
			.containsEntry(2L, 20.0);
		// a chunk known only from storage with an absurd seq costs one step, not a loop over the seqs
		List<Kept> absurd = List.of(timed(3, 1, 10), timed(999_999_999_999L, 1, 10));
		assertThat(new EpochTimeline(List.of(), 10).starts(absurd, 1)).containsEntry(3L, 0.0);
	}

	@Test
	void aBackupsFirstChunkLostEverywhereCountsFromItsStartChunk() {
		// the backup of epoch 1 started at chunk 2 (HA_START_CHUNK, its container history); chunk 2
		// has no report, no upload and no file: chunk 3 starts at 10 s of epoch 1, not at 0 s
		List<Kept> kept = List.of(timed(0, 0, 10), timed(1, 0, 10), timed(3, 1, 10), timed(4, 1, 10));
		EpochTimeline known = new EpochTimeline(List.of(), 10, Map.of(1L, 2L));
		assertThat(known.starts(kept, 1)).containsEntry(3L, 10.0).containsEntry(4L, 20.0);
		assertThat(new EpochTimeline(List.of(), 10).starts(kept, 1)).as("without it: from the lowest known seq")
			.containsEntry(3L, 0.0);
		// so the loss at 25 s of epoch 1 cuts chunk 4 at 5 s (counted from the lowest known seq, it would
		// fall after chunk 4 ended: nothing cut)
		JoinPlan p = new JoinPlan(kept, List.of(), JoinPlan.gaps(kept, 4));
		JoinPlan cut = p.cutAt(cutAt(1, 25_000), known, JoinPlanTest::drop);
		assertThat(cut.cutChunk().seq()).isEqualTo(4);
		assertThat(cut.cutChunk().cutAt()).isEqualTo(5.0, within(1e-9));
		// a start chunk above the lowest known seq (a stale record) never moves the known chunks later
		assertThat(new EpochTimeline(List.of(), 10, Map.of(1L, 4L)).starts(kept, 1)).containsEntry(3L, 0.0);
		// the primary's epoch is not moved by it
		assertThat(new EpochTimeline(List.of(), 10, Map.of(0L, 5L)).starts(kept, 0)).containsEntry(1L, 10.0);
	}

}
