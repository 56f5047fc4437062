package io.ov2ha.controller.finalize;

import java.nio.file.Path;
import java.util.List;

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

	double expectedSeconds() {
		return kept.stream().mapToDouble(Kept::duration).sum();
	}

	boolean hasAudio() {
		return kept.stream().anyMatch(k -> k.info().hasAudio());
	}

}
