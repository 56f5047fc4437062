package io.ov2ha.controller.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import io.ov2ha.controller.config.HaProperties;

/**
 * STOPPING recordings nobody finishes, found by the sweep: a backup's stop whose controller died
 * is resumed ({@link StopCoordinator#resume}); OpenVidu's own recorder that went silent long ago
 * without asking for its finalization (the controller was unreachable then) is finalized, asked
 * once in a while.
 */
final class UnfinishedStops {

	private static final Duration GONE_RECORDER_EVERY = Duration.ofSeconds(30);

	private final HaProperties properties;

	private final StopCoordinator stops;

	/** STOPPING recordings whose gone recorder the controller finalizes: when it last asked. */
	private final Map<String, Instant> goneRecorders = new ConcurrentHashMap<>();

	UnfinishedStops(HaProperties properties, StopCoordinator stops) {
		this.properties = properties;
		this.stops = stops;
	}

	/**
	 * @param s a STOPPING recording
	 * @param judgingBase when judging began: the reconciler's start, or Redis's return after an
	 *        outage (a silence is judged from one heartbeat timeout after it)
	 * @param onWorker runs a task on the recording's worker queue, unless one is queued already
	 */
	void sweep(Snapshot s, Instant now, Instant judgingBase, Consumer<Runnable> onWorker) {
		if (s.epoch() > 0 && !s.state().pending(s.epoch())
				&& (s.state().stopHandledEpoch() == null || s.state().stopHandledEpoch() != s.epoch())
				&& stoppedLongAgo(s, now)) {
			// a stop nobody finished (its controller died): finish it
			stops.resume(s.id());
		}
		else if (s.epoch() == 0 && recorderGone(s, now, judgingBase)) {
			onWorker.accept(() -> stops.finishGoneRecorder(s.id()));
		}
	}

	void forgetOlderThan(Instant old) {
		goneRecorders.values().removeIf(t -> t.isBefore(old));
	}

	private boolean stoppedLongAgo(Snapshot s, Instant now) {
		return s.updatedAt() != null
				&& s.updatedAt().plus(properties.failover().stopTimeout()).plusSeconds(10).isBefore(now);
	}

	private boolean recorderGone(Snapshot s, Instant now, Instant judgingBase) {
		Duration quiet = properties.heartbeat().timeout();
		boolean silent = s.heartbeatAt() == null || s.heartbeatAt().plus(quiet).isBefore(now);
		if (!silent || !stoppedLongAgo(s, now) || judgingBase.plus(quiet).isAfter(now)) {
			return false;
		}
		Instant last = goneRecorders.get(s.id().value());
		if (last != null && last.plus(GONE_RECORDER_EVERY).isAfter(now)) {
			return false;
		}
		goneRecorders.put(s.id().value(), now);
		return true;
	}

}
