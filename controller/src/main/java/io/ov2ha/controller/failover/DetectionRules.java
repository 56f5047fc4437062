package io.ov2ha.controller.failover;

import java.time.Duration;
import java.time.Instant;

/**
 * The failure detection rules, as a pure function of what the registry knows (a
 * {@link Snapshot}) and the time. Docker's die/oom events are handled before this: they need
 * no judging.
 *
 * <ul>
 * <li><b>silent</b>: no heartbeat for {@code interval x missed} AND no chunk progress for
 * {@link #arrivalWindow()} -> the runtime decides: container gone or exited: heartbeat-lost;
 * still running: hung (killed).</li>
 * <li><b>chunks arriving</b>: heartbeats missing but chunks keep coming -> never failed over.</li>
 * <li><b>stalled</b>: heartbeats alive but no new complete chunk (manifest or heartbeat) for
 * 2 chunk durations + grace -> chunk-stall (killed).</li>
 * <li>Nothing is judged before {@code judgeFrom} (controller start + one heartbeat timeout:
 * recorders kept recording while no controller listened).</li>
 * </ul>
 */
final class DetectionRules {

	enum Kind {

		/** Too early after the controller start. */
		NOT_JUDGED,
		/** Heartbeats and chunks as expected. */
		HEALTHY,
		/** Heartbeats missing but chunks keep arriving: the recorder works. */
		CHUNKS_ARRIVING,
		/** No heartbeat and no chunk progress: ask the runtime whether the container runs. */
		SILENT,
		/** Heartbeats arrive, chunks do not. */
		STALLED

	}

	/**
	 * @param kind the verdict
	 * @param lastHeartbeat last sign of life (heartbeat, or the start of the current epoch)
	 * @param lastProgress last chunk progress (or the start of the epoch, or the controller start)
	 */
	record Judgement(Kind kind, Instant lastHeartbeat, Instant lastProgress) {
	}

	private final Duration heartbeatTimeout;

	private final Duration heartbeatInterval;

	private final Duration chunkDuration;

	private final Duration stallTimeout;

	DetectionRules(Duration heartbeatInterval, Duration heartbeatTimeout, Duration chunkDuration,
			Duration stallTimeout) {
		this.heartbeatInterval = heartbeatInterval;
		this.heartbeatTimeout = heartbeatTimeout;
		this.chunkDuration = chunkDuration;
		this.stallTimeout = stallTimeout;
	}

	/** Chunks count as "still arriving" when one came within this window. */
	Duration arrivalWindow() {
		Duration chunkCadence = chunkDuration.plus(heartbeatInterval);
		return chunkCadence.compareTo(heartbeatTimeout) > 0 ? chunkCadence : heartbeatTimeout;
	}

	/**
	 * @param s the recording
	 * @param now the time
	 * @param controllerStart when this controller started
	 */
	Judgement judge(Snapshot s, Instant now, Instant controllerStart) {
		Instant since = s.epochSince();
		Instant lastHeartbeat = latest(s.heartbeatAt(), since);
		Instant lastProgress = latest(latest(s.lastChunkAt(), s.state().progressAt()), latest(since, controllerStart));
		if (now.isBefore(controllerStart.plus(heartbeatTimeout))) {
			return new Judgement(Kind.NOT_JUDGED, lastHeartbeat, lastProgress);
		}
		Duration silentFor = lastHeartbeat == null ? Duration.ZERO : Duration.between(lastHeartbeat, now);
		Duration stalledFor = Duration.between(lastProgress, now);
		if (silentFor.compareTo(heartbeatTimeout) > 0) {
			return new Judgement(stalledFor.compareTo(arrivalWindow()) > 0 ? Kind.SILENT : Kind.CHUNKS_ARRIVING,
					lastHeartbeat, lastProgress);
		}
		if (stalledFor.compareTo(stallTimeout) > 0) {
			return new Judgement(Kind.STALLED, lastHeartbeat, lastProgress);
		}
		return new Judgement(Kind.HEALTHY, lastHeartbeat, lastProgress);
	}

	private static Instant latest(Instant a, Instant b) {
		if (a == null) {
			return b;
		}
		if (b == null) {
			return a;
		}
		return a.isAfter(b) ? a : b;
	}

}
