package io.ov2ha.controller.finalize;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

import io.ov2ha.controller.recording.BlankTail;
import io.ov2ha.controller.recording.ChunkFindings;

/**
 * The chunks of an attempt, as {@link ChunkPlanner} found them: those that go into the final in
 * (seq, epoch) order, those dropped (with why), and the sequence numbers no kept chunk covers.
 */
record JoinPlan(List<Kept> kept, List<ChunkFindings.Dropped> dropped, List<ChunkFindings.Range> gaps) {

	/** A chunk that goes into the final. */
	record Kept(long seq, long epoch, Path file, double duration, String source, boolean reported, TsScan.Info info) {
	}

	/** Sequence numbers from 0 to the highest known one that no kept chunk has. */
	static List<ChunkFindings.Range> gaps(List<Kept> kept, long lastSeq) {
		return ChunkFindings.Range.gaps(kept.stream().map(Kept::seq).toList(), lastSeq);
	}

	/**
	 * This plan without the blank tail of a recording ended for a loss: the kept chunks of the
	 * tail's epoch that start (in that epoch's media time, the kept chunks' durations added in seq
	 * order) in the tail ({@link BlankTail#covers}: after the last shown probe and a probe's margin)
	 * are dropped, with the reason, and are no gap. The trim is by chunk: a chunk that starts before
	 * stays whole. A trim that would leave nothing is not made: a recording whose every chunk is
	 * blank keeps them.
	 *
	 * @param drop the dropped entry of a kept chunk, with a reason
	 */
	JoinPlan withoutBlankTail(BlankTail tail, BiFunction<Kept, String, ChunkFindings.Dropped> drop) {
		List<Kept> keep = new ArrayList<>();
		List<Kept> blank = new ArrayList<>();
		double startMs = 0;
		for (Kept k : kept) {
			if (k.epoch() == tail.epoch()) {
				(tail.covers(k.epoch(), startMs) ? blank : keep).add(k);
				startMs += k.duration() * 1000;
			}
			else {
				keep.add(k);
			}
		}
		if (blank.isEmpty() || keep.isEmpty()) {
			return this;
		}
		String reason = "blank tail: recorded after the session was lost (no picture or sound after "
				+ (tail.afterMediaMs() < 0 ? "the start of epoch " + tail.epoch()
						: String.format(Locale.ROOT, "%.1f s of epoch %d", tail.afterMediaMs() / 1000.0, tail.epoch()))
				+ ")";
		List<ChunkFindings.Dropped> allDropped = new ArrayList<>(dropped);
		blank.forEach(k -> allDropped.add(drop.apply(k, reason)));
		allDropped.sort(Comparator.comparingLong(ChunkFindings.Dropped::seq).thenComparingLong(ChunkFindings.Dropped::epoch));
		// chunks dropped for another reason after the tail's start (a last fragment) are no gap either
		long tailFrom = blank.stream().mapToLong(Kept::seq).min().orElseThrow();
		long lastSeq = keep.stream().mapToLong(Kept::seq).max().orElse(-1);
		for (ChunkFindings.Dropped d : dropped) {
			if (d.seq() < tailFrom) {
				lastSeq = Math.max(lastSeq, d.seq());
			}
		}
		return new JoinPlan(keep, allDropped, gaps(keep, lastSeq));
	}

	/** The chunks this plan drops as a blank tail. */
	List<ChunkFindings.Dropped> blankTail() {
		return dropped.stream().filter(d -> d.reason().startsWith("blank tail:")).toList();
	}

	double expectedSeconds() {
		return kept.stream().mapToDouble(Kept::duration).sum();
	}

	boolean hasAudio() {
		return kept.stream().anyMatch(k -> k.info().hasAudio());
	}

}
