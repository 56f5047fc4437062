package io.ov2ha.controller.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.failover.Snapshot;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.recording.RecordingStore.AbandonCode;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.Throttle;

/**
 * Recordings that nothing happens to any more are ABANDONED, with the reason (seed: OpenVidu
 * Meet's stale recording cleanup), by the reconciler's sweep ({@link ReconcileDecision.Step#ABANDON}).
 *
 * <p>
 * A recording (RECORDING, STOPPING or FINALIZING alike) is idle when none of its activity times is
 * within the timeout ({@link Snapshot.Activity}: creation, registration, status change, recorder
 * heartbeat, chunk report, OpenVidu event, {@code activityAt}). The timeout is
 * {@code HA_STALE_RECORDING_TIMEOUT}, or the shorter {@code HA_STALE_RECORDING_SESSION_GONE_TIMEOUT}
 * once OpenVidu destroyed its session. Its abandonment is tried at most once per
 * {@code HA_STALE_SWEEP_INTERVAL}, never before one heartbeat timeout after the reconciler's start
 * or Redis's return (no heartbeat could be stored meanwhile), and the check and the change are one
 * atomic step
 * ({@code abandon.lua}), so a heartbeat that arrives first keeps it alive. A recording whose
 * finalization runs or waits for its next attempt is never abandoned: the finalizer ends it,
 * READY or FAILED, with one final event. Nothing is ever deleted:
 * chunks and state of an abandoned recording stay, and OpenVidu's later ready/failed still
 * replaces ABANDONED.
 */
final class StaleRecordings {

	private static final Log LOG = LogFactory.getLog(StaleRecordings.class);

	private final RecordingStore store;

	private final StaleRecordingProperties settings;

	private final Clock clock;

	/** recording:createdAt -> when its abandonment was last tried. */
	private final Throttle<String> tried;

	private final Supplier<Instant> judgingFrom;

	/**
	 * @param judgingFrom nothing is abandoned before this time: one heartbeat timeout after the
	 *        reconciler's start or Redis's return (no heartbeat could be stored while Redis, or
	 *        every controller, was away)
	 */
	StaleRecordings(RecordingStore store, StaleRecordingProperties settings, Clock clock,
			Supplier<Instant> judgingFrom) {
		this.store = store;
		this.settings = settings;
		this.clock = clock;
		this.judgingFrom = judgingFrom;
		this.tried = new Throttle<>(settings.sweepInterval());
	}

	/** The timeout that applies to {@code s}: the shorter one once OpenVidu destroyed its session. */
	static Duration timeout(Snapshot s, StaleRecordingProperties settings) {
		return s.activity().sessionGone() ? settings.sessionGoneTimeout() : settings.timeout();
	}

	/** Whether nothing happened to {@code s} for its timeout (pure; an activity not read is never idle). */
	static boolean idle(Snapshot s, Instant now, StaleRecordingProperties settings) {
		Instant latest = s.activity().latestAt();
		return latest != null && latest.plus(timeout(s, settings)).isBefore(now);
	}

	/**
	 * Whether {@code s} is idle and its abandonment due to be tried (reads only, no Redis): never
	 * before {@code judgingFrom}.
	 */
	boolean due(Snapshot s, Instant now) {
		return !now.isBefore(judgingFrom.get()) && idle(s, now, settings) && tried.due(s.incarnation(), now);
	}

	/** Its abandonment was chosen now: the next try is due one sweep interval later. */
	void tried(Snapshot s, Instant now) {
		tried.mark(s.incarnation(), now);
	}

	/**
	 * Abandons {@code s} if it is still idle (one atomic step), with the reason.
	 *
	 * @return whether it was abandoned
	 */
	boolean abandon(Snapshot s) {
		if (s.activity().latestAt() == null) {
			// its activity not read: never idle
			return false;
		}
		long now = clock.millis();
		Duration timeout = timeout(s, settings);
		Snapshot.Activity activity = s.activity();
		String reason = "no heartbeat, chunk or OpenVidu event for " + timeout.toSeconds() + " s (last activity "
				+ activity.latestAt() + ", last heartbeat "
				+ (activity.lastHeartbeatAt() == null ? "never" : activity.lastHeartbeatAt())
				+ ", status " + s.status()
				+ (activity.sessionGone() ? ", OpenVidu session destroyed: " + activity.sessionDestroyedReason() : "")
				+ ")";
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("statusReason", reason);
		fields.put("abandonedAt", Long.toString(now));
		LuaAnswer<AbandonCode> outcome = store.abandonIfIdle(s.id(), s.createdAt(), now - timeout.toMillis(), fields);
		if (outcome.code() == AbandonCode.FINALIZATION_PENDING) {
			// silent past the timeout, but the finalizer ends it (READY or FAILED): told once a sweep
			LOG.info("event=recording.abandon_skipped recordingId=" + s.id() + " createdAt=" + s.createdAt()
					+ " reason=finalization_pending finalizationState=" + outcome.value(0) + " idleSeconds="
					+ (now - activity.latestAt().toEpochMilli()) / 1000);
		}
		if (outcome.code() != AbandonCode.ABANDONED) {
			return false;
		}
		LOG.warn("event=recording.abandoned recordingId=" + s.id() + " createdAt=" + s.createdAt() + " from="
				+ outcome.values().get(0) + " idleSeconds=" + (now - activity.latestAt().toEpochMilli()) / 1000
				+ " sessionDestroyed=" + activity.sessionGone() + " reason=" + LogValues.quote(reason));
		return true;
	}

	/** Forgets the tries older than {@code old} and than one sweep interval (a longer interval is kept). */
	void forgetOlderThan(Instant old) {
		tried.forgetOlderThan(old.minus(settings.sweepInterval()));
	}

}
