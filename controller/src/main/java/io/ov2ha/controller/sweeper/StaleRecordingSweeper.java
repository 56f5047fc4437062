package io.ov2ha.controller.sweeper;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.recording.RecordingStore.AbandonCode;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.EpochMillis;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.PeriodicComponent;
import io.ov2ha.controller.support.PeriodicPass;

/**
 * Marks recordings that nothing happens to any more as ABANDONED, with the reason (seed: OpenVidu
 * Meet's stale recording cleanup). Runs every {@code HA_STALE_SWEEP_INTERVAL} on the one controller
 * holding its lease.
 *
 * <p>
 * A recording (RECORDING, STOPPING or FINALIZING alike) is abandoned only when none of its
 * activity times is within the timeout: creation, registration, status change, recorder heartbeat,
 * chunk report, OpenVidu event, or {@code activityAt} (set by any feature that works on it without
 * heartbeats). The timeout is {@code HA_STALE_RECORDING_TIMEOUT}, or the shorter
 * {@code HA_STALE_RECORDING_SESSION_GONE_TIMEOUT} once OpenVidu destroyed its session. The check and
 * the change are one atomic step, so a heartbeat that arrives first keeps it alive. Nothing is ever
 * deleted: chunks and state of an abandoned recording stay, and OpenVidu's later ready/failed still
 * replaces ABANDONED.
 */
@Component
class StaleRecordingSweeper implements PeriodicComponent {

	private static final Log LOG = LogFactory.getLog(StaleRecordingSweeper.class);

	static final String LEASE_NAME = "stale-recording-sweeper";

	private static final List<RecordingStatus> ACTIVE = List.of(RecordingStatus.RECORDING, RecordingStatus.STOPPING,
			RecordingStatus.FINALIZING);

	private static final int PAGE = 500;

	private final RecordingStore store;

	private final StaleRecordingProperties properties;

	private final Clock clock;

	private final PeriodicPass schedule;

	StaleRecordingSweeper(RecordingStore store, RedisLease lease, StaleRecordingProperties properties, Clock clock) {
		this.store = store;
		this.properties = properties;
		this.clock = clock;
		// the lease is held across sweeps by the same controller; it expires if it dies, so another takes over
		this.schedule = new PeriodicPass("stale-sweeper", "sweeper", LOG, Duration.ZERO, properties.sweepInterval(),
				() -> lease.runIfLeader(LEASE_NAME, properties.sweepInterval().multipliedBy(3), this::sweep));
	}

	@Override
	public PeriodicPass schedule() {
		return schedule;
	}

	/** One pass over every recording that is not final; returns how many were abandoned. */
	int sweep() {
		long now = clock.millis();
		int abandoned = 0;
		for (RecordingStatus status : ACTIVE) {
			// read the index first: abandoning removes entries from it while we go
			List<String> all = new java.util.ArrayList<>();
			for (long offset = 0;; offset += PAGE) {
				List<String> ids = store.idsInStatus(status, offset, PAGE);
				all.addAll(ids);
				if (ids.size() < PAGE) {
					break;
				}
			}
			for (String id : all) {
				if (RecordingId.isValid(id) && check(RecordingId.of(id), now)) {
					abandoned++;
				}
			}
		}
		return abandoned;
	}

	private boolean check(RecordingId id, long now) {
		Optional<Recording> found = store.find(id);
		if (found.isEmpty() || found.get().isFinal()) {
			return false;
		}
		Recording r = found.get();
		List<String> extra = store.fields(id, "openviduActivityAt", "activityAt", "sessionDestroyedAt",
				"sessionDestroyedReason");
		long latest = max(r.createdInRegistryAt(), r.registeredAt(), r.updatedAt(), r.lastHeartbeatAt(), r.lastChunkAt(),
				EpochMillis.instantOrNull(extra.get(0)), EpochMillis.instantOrNull(extra.get(1)));
		boolean sessionGone = extra.get(2) != null && !extra.get(2).isEmpty();
		Duration timeout = sessionGone ? properties.sessionGoneTimeout() : properties.timeout();
		if (now - latest <= timeout.toMillis()) {
			return false;
		}
		String reason = "no heartbeat, chunk or OpenVidu event for " + timeout.toSeconds() + " s (last activity "
				+ Instant.ofEpochMilli(latest) + ", last heartbeat "
				+ (r.lastHeartbeatAt() == null ? "never" : r.lastHeartbeatAt().toString()) + ", status " + r.status()
				+ (sessionGone ? ", OpenVidu session destroyed: " + extra.get(3) : "") + ")";
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("statusReason", reason);
		fields.put("abandonedAt", Long.toString(now));
		LuaAnswer<AbandonCode> outcome = store.abandonIfIdle(id, r.createdAt(), now - timeout.toMillis(),
				fields);
		if (outcome.code() != AbandonCode.ABANDONED) {
			return false;
		}
		LOG.warn("event=recording.abandoned recordingId=" + id + " createdAt=" + r.createdAt() + " from="
				+ outcome.values().get(0) + " idleSeconds=" + (now - latest) / 1000 + " sessionDestroyed=" + sessionGone
				+ " reason=" + LogValues.quote(reason));
		return true;
	}

	private static long max(Instant... instants) {
		long latest = 0;
		for (Instant i : instants) {
			if (i != null && i.toEpochMilli() > latest) {
				latest = i.toEpochMilli();
			}
		}
		return latest;
	}

}
