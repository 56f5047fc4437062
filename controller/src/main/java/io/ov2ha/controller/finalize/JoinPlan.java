package io.ov2ha.controller.finalize;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

import io.ov2ha.controller.recording.BlankTail;
import io.ov2ha.controller.recording.ChunkFindings;
import io.ov2ha.controller.recording.LossCut;

/**
 * The chunks of an attempt, as {@link ChunkPlanner} found them: those that go into the final in
 * (seq, epoch) order, those dropped (with why), and the sequence numbers no kept chunk covers.
 */
record JoinPlan(List<Kept> kept, List<ChunkFindings.Dropped> dropped, List<ChunkFindings.Range> gaps) {

	/**
	 * A chunk that goes into the final.
	 *
	 * @param duration what of it goes into the final, seconds
	 * @param cutAt null: the whole chunk; else it is cut this many seconds after its start (what
	 *        follows was recorded after a loss, {@link LossCut}), and {@code duration} is that
	 */
	record Kept(long seq, long epoch, Path file, double duration, String source, boolean reported, TsScan.Info info,
			Double cutAt) {

		Kept(long seq, long epoch, Path file, double duration, String source, boolean reported, TsScan.Info info) {
			this(seq, epoch, file, duration, source, reported, info, null);
		}

		/**
		 * The concat list's {@code outpoint} (the file's own timestamps, s) of a cut chunk; null for a
		 * whole one. The demuxer compares it with each packet's DTS, which equals its PTS for the
		 * recorders' x264 without B-frames (else a cut would end a few frames early).
		 */
		Double outpoint() {
			return cutAt == null ? null : info.startSeconds() + cutAt;
		}

	}

	/** A cut inside a chunk that would keep less than this of it drops the chunk instead, s. */
	static final double MIN_CUT_SECONDS = 0.5;

	/** The reason of a chunk dropped after a loss starts with this. */
	static final String AFTER_LOSS = "after the loss:";

	/** Sequence numbers from 0 to the highest known one that no kept chunk has. */
	static List<ChunkFindings.Range> gaps(List<Kept> kept, long lastSeq) {
		return ChunkFindings.Range.gaps(kept.stream().map(Kept::seq).toList(), lastSeq);
	}

	/**
	 * This plan without the blank tail of a recording ended for a loss: the kept chunks of the
	 * tail's epoch that start ({@link EpochTimeline}) in the tail ({@link BlankTail#covers}: after the
	 * last shown probe and a probe's margin) are dropped, with the reason, and are no gap. The trim
	 * is by chunk: a chunk that starts before stays whole. A trim that would leave nothing is not
	 * made: a recording whose every chunk is blank keeps them.
	 *
	 * @param drop the dropped entry of a kept chunk, with a reason
	 */
	JoinPlan withoutBlankTail(BlankTail tail, EpochTimeline timeline,
			BiFunction<Kept, String, ChunkFindings.Dropped> drop) {
		Map<Long, Double> starts = timeline.starts(kept, tail.epoch());
		List<Kept> keep = new ArrayList<>();
		List<Kept> blank = new ArrayList<>();
		for (Kept k : kept) {
			boolean covered = k.epoch() == tail.epoch() && tail.covers(k.epoch(), starts.get(k.seq()) * 1000);
			(covered ? blank : keep).add(k);
		}
		String reason = "blank tail: recorded after the session was lost (no picture or sound after "
				+ (tail.afterMediaMs() < 0 ? "the start of epoch " + tail.epoch()
						: String.format(Locale.ROOT, "%.1f s of epoch %d", tail.afterMediaMs() / 1000.0, tail.epoch()))
				+ ")";
		return without(keep, blank, reason, blank.stream().mapToLong(Kept::seq).min().orElse(Long.MAX_VALUE), drop);
	}

	JoinPlan withoutBlankTail(BlankTail tail, BiFunction<Kept, String, ChunkFindings.Dropped> drop) {
		return withoutBlankTail(tail, EpochTimeline.KEPT_ONLY, drop);
	}

	/**
	 * This plan cut at a loss ({@link LossCut}): in the cut's epoch ({@link EpochTimeline}), the kept
	 * chunks that start at or after the cut are dropped, with the reason, and are no gap; the one
	 * that holds the cut keeps what precedes it ({@link Kept#cutAt}), or is dropped too when that
	 * is less than {@link #MIN_CUT_SECONDS} or its timestamps are unknown (no audio or video
	 * packet: nothing to keep). A cut that would leave nothing is not made, and other epochs are
	 * not touched.
	 *
	 * @param drop the dropped entry of a kept chunk, with a reason
	 */
	JoinPlan cutAt(LossCut cut, EpochTimeline timeline, BiFunction<Kept, String, ChunkFindings.Dropped> drop) {
		double cutS = cut.mediaMs() / 1000.0;
		Map<Long, Double> starts = timeline.starts(kept, cut.epoch());
		List<Kept> keep = new ArrayList<>();
		List<Kept> after = new ArrayList<>();
		long afterFrom = Long.MAX_VALUE;
		for (Kept k : kept) {
			double within = k.epoch() == cut.epoch() ? cutS - starts.get(k.seq()) : Double.MAX_VALUE;
			if (within >= k.duration()) {
				keep.add(k);
			}
			else if (within >= MIN_CUT_SECONDS && k.info() != null && !Double.isNaN(k.info().startSeconds())) {
				keep.add(new Kept(k.seq(), k.epoch(), k.file(), within, k.source(), k.reported(), k.info(), within));
				afterFrom = Math.min(afterFrom, k.seq() + 1);
			}
			else {
				after.add(k);
				afterFrom = Math.min(afterFrom, k.seq());
			}
		}
		String reason = AFTER_LOSS + " recorded after " + String.format(Locale.ROOT, "%.1f s of epoch %d", cutS,
				cut.epoch()) + ", when the controller learned of the loss (" + Instant.ofEpochMilli(cut.atMs()) + ")";
		return without(keep, after, reason, afterFrom, drop);
	}

	JoinPlan cutAt(LossCut cut, BiFunction<Kept, String, ChunkFindings.Dropped> drop) {
		return cutAt(cut, EpochTimeline.KEPT_ONLY, drop);
	}

	/**
	 * This plan keeping {@code keep} and dropping {@code removed} (recorded after a loss, for
	 * {@code reason}); a chunk dropped for another reason from {@code tailFrom} on is no gap
	 * either (a last fragment). Unchanged when nothing changes, or when nothing would be left.
	 */
	private JoinPlan without(List<Kept> keep, List<Kept> removed, String reason, long tailFrom,
			BiFunction<Kept, String, ChunkFindings.Dropped> drop) {
		if (keep.isEmpty() || tailFrom == Long.MAX_VALUE) {
			return this;
		}
		List<ChunkFindings.Dropped> allDropped = new ArrayList<>(dropped);
		removed.forEach(k -> allDropped.add(drop.apply(k, reason)));
		allDropped.sort(Comparator.comparingLong(ChunkFindings.Dropped::seq).thenComparingLong(ChunkFindings.Dropped::epoch));
		long lastSeq = keep.stream().mapToLong(Kept::seq).max().orElse(-1);
		for (ChunkFindings.Dropped d : dropped) {
			if (d.seq() < tailFrom) {
				lastSeq = Math.max(lastSeq, d.seq());
			}
		}
		return new JoinPlan(keep, allDropped, gaps(keep, lastSeq));
	}

	/** The chunks this plan drops as recorded after a loss. */
	List<ChunkFindings.Dropped> afterLoss() {
		return dropped.stream().filter(d -> d.reason().startsWith(AFTER_LOSS)).toList();
	}

	/** The chunk this plan cuts inside at a loss, if any. */
	Kept cutChunk() {
		return kept.stream().filter(k -> k.cutAt() != null).findFirst().orElse(null);
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
