package io.ov2ha.controller.finalize;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.ov2ha.controller.finalize.JoinPlan.Kept;
import io.ov2ha.controller.recording.ChunkEntry;

/**
 * Where the kept chunks of an epoch start in that epoch's media time (which counts from its first
 * chunk, as its recorder's ffmpeg does): the durations of the epoch's chunks before them added in
 * seq order, a kept chunk's own, a chunk's that was left out from its report ({@code reported},
 * the manifest), and the recorders' chunk length for a chunk nothing knows (lost with its
 * recorder's disk). Where a blank tail and a cut at a loss fall ({@link JoinPlan}).
 *
 * @param startSeqs a backup epoch's first chunk ({@code HA_START_CHUNK}, from its container
 *        history): its media time counts from there even when that chunk is known nowhere
 */
record EpochTimeline(List<ChunkEntry> reported, double chunkSeconds, Map<Long, Long> startSeqs) {

	/** Only the kept chunks count (no blank tail and no cut to place, and tests). */
	static final EpochTimeline KEPT_ONLY = new EpochTimeline(List.of(), 0);

	EpochTimeline {
		startSeqs = Map.copyOf(startSeqs);
	}

	/** No backup's first chunk known: each starts at its lowest known seq. */
	EpochTimeline(List<ChunkEntry> reported, double chunkSeconds) {
		this(reported, chunkSeconds, Map.of());
	}

	/**
	 * The start (s) of each kept chunk of {@code epoch}, by seq. Epoch 0 (OpenVidu's recorder)
	 * starts at seq 0; a backup at its first chunk ({@link #startSeqs}) when known, else at its
	 * lowest known seq.
	 */
	Map<Long, Double> starts(List<Kept> kept, long epoch) {
		TreeMap<Long, Double> known = new TreeMap<>();
		reported.stream().filter(c -> c.epoch() == epoch).forEach(c -> known.put(c.seq(), c.durationSeconds()));
		Set<Long> own = new HashSet<>();
		kept.stream().filter(k -> k.epoch() == epoch).forEach(k -> {
			known.put(k.seq(), k.duration());
			own.add(k.seq());
		});
		Map<Long, Double> starts = new HashMap<>();
		if (own.isEmpty()) {
			return starts;
		}
		// one step per known chunk; a run of chunks known nowhere counts the chunk length each
		long next = epoch == 0 ? 0 : Math.min(known.firstKey(), startSeqs.getOrDefault(epoch, known.firstKey()));
		double at = 0;
		for (Map.Entry<Long, Double> e : known.entrySet()) {
			at += Math.max(0, e.getKey() - next) * chunkSeconds;
			if (own.contains(e.getKey())) {
				starts.put(e.getKey(), at);
			}
			at += e.getValue();
			next = e.getKey() + 1;
		}
		return starts;
	}

}
