package io.ov2ha.controller.failover;

import java.time.Instant;
import java.util.Map;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecorderProgress;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * What the reconciler knows of one non-final recording at one moment: the registry's fields
 * failure detection uses, the failover state, and its latest activity (whether it is stale).
 *
 * @param id recording id
 * @param createdAt with the id, the unique recording
 * @param status its status
 * @param epoch current epoch
 * @param containerId current recorder's container id (may be empty or not exact)
 * @param heartbeatAt last heartbeat (heartbeat index score), or null
 * @param lastChunkSeq highest chunk in the manifest, or null
 * @param lastChunkAt when the manifest last grew, or null
 * @param hbLastChunkSeq highest complete chunk from the last heartbeat, or null
 * @param failoverCount failovers so far
 * @param registeredAt first registration, or null (record created by a webhook)
 * @param updatedAt last status change
 * @param state its failover state
 * @param progress phase and capture progress from the heartbeats (of any epoch: see {@link RecorderProgress#of})
 * @param host the host its current recorder runs on ("" when unknown)
 * @param activity its latest activity and whether OpenVidu destroyed its session
 */
public record Snapshot(RecordingId id, long createdAt, RecordingStatus status, long epoch, String containerId,
		Instant heartbeatAt, Long lastChunkSeq, Instant lastChunkAt, Long hbLastChunkSeq, int failoverCount,
		Instant registeredAt, Instant updatedAt, FailoverState state, RecorderProgress progress, String host,
		Activity activity) {

	public Snapshot {
		host = host == null ? "" : host;
		activity = activity == null ? Activity.UNKNOWN : activity;
	}

	/** Its activity unknown. */
	public Snapshot(RecordingId id, long createdAt, RecordingStatus status, long epoch, String containerId,
			Instant heartbeatAt, Long lastChunkSeq, Instant lastChunkAt, Long hbLastChunkSeq, int failoverCount,
			Instant registeredAt, Instant updatedAt, FailoverState state, RecorderProgress progress, String host) {
		this(id, createdAt, status, epoch, containerId, heartbeatAt, lastChunkSeq, lastChunkAt, hbLastChunkSeq,
				failoverCount, registeredAt, updatedAt, state, progress, host, Activity.UNKNOWN);
	}

	/**
	 * The latest of a recording's activity times (creation in the registry, registration, status
	 * change, heartbeat, chunk report, OpenVidu event, {@code activityAt}: work of another feature),
	 * as {@code abandon.lua} reads them, and OpenVidu's reason when it destroyed the session.
	 *
	 * @param latestAt the latest activity; the epoch when it has none; null when not read (never stale)
	 * @param lastHeartbeatAt the recording's {@code lastHeartbeatAt}, null when none was stored
	 * @param sessionDestroyedReason OpenVidu's reason, or null while the session exists
	 */
	public record Activity(Instant latestAt, Instant lastHeartbeatAt, String sessionDestroyedReason) {

		/** Not read: such a snapshot is never stale. */
		public static final Activity UNKNOWN = new Activity(null, null, null);

		/** The fields of the recording's hash the activity is read from (besides {@code sessionDestroyed*}). */
		static final String[] FIELDS = { "createdInRegistryAt", "registeredAt", "updatedAt", "lastHeartbeatAt",
				"lastChunkAt", "openviduActivityAt", "activityAt" };

		static Activity of(Map<String, String> doc) {
			long latest = 0;
			for (String field : FIELDS) {
				Instant at = FailoverState.instant(doc.get(field));
				if (at != null && at.toEpochMilli() > latest) {
					latest = at.toEpochMilli();
				}
			}
			String destroyed = doc.get("sessionDestroyedAt");
			String reason = doc.get("sessionDestroyedReason");
			return new Activity(Instant.ofEpochMilli(latest), FailoverState.instant(doc.get("lastHeartbeatAt")),
					destroyed == null || destroyed.isEmpty() ? null : reason == null ? "" : reason);
		}

		/** OpenVidu destroyed its session. */
		public boolean sessionGone() {
			return sessionDestroyedReason != null;
		}
	}

	/** Host unknown. */
	public Snapshot(RecordingId id, long createdAt, RecordingStatus status, long epoch, String containerId,
			Instant heartbeatAt, Long lastChunkSeq, Instant lastChunkAt, Long hbLastChunkSeq, int failoverCount,
			Instant registeredAt, Instant updatedAt, FailoverState state, RecorderProgress progress) {
		this(id, createdAt, status, epoch, containerId, heartbeatAt, lastChunkSeq, lastChunkAt, hbLastChunkSeq,
				failoverCount, registeredAt, updatedAt, state, progress, "");
	}

	static Snapshot of(RecordingId id, Map<String, String> doc, Map<String, String> stateHash, Instant heartbeatAt) {
		long createdAt = Long.parseLong(doc.get("createdAt"));
		Long epoch = FailoverState.number(doc.get("epoch"));
		Long failovers = FailoverState.number(doc.get("failoverCount"));
		Instant registered = FailoverState.instant(doc.get("registeredAt"));
		return new Snapshot(id, createdAt, RecordingStatus.valueOf(doc.get("status")), epoch == null ? 0 : epoch,
				doc.get("containerId") == null ? "" : doc.get("containerId"), heartbeatAt,
				FailoverState.number(doc.get("lastChunkSeq")), FailoverState.instant(doc.get("lastChunkAt")),
				FailoverState.number(doc.get("hbLastChunkSeq")), failovers == null ? 0 : failovers.intValue(),
				registered, FailoverState.instant(doc.get("updatedAt")), FailoverState.fromHash(stateHash, createdAt),
				RecorderProgress.fromHash(doc), doc.get("host"), Activity.of(doc));
	}

	/**
	 * The recording's id and creation time: the key of the reconciler's in-memory throttles (a
	 * later recording under the same id is another one).
	 */
	public String incarnation() {
		return id.value() + ":" + createdAt;
	}

	/** When the current epoch's recorder started: registration for the primary, else the backup start. */
	Instant epochSince() {
		if (epoch > 0 && state.epochSince() != null) {
			return state.epochSince();
		}
		return registeredAt != null ? registeredAt : updatedAt;
	}

	/** The highest complete chunk anyone reported, -1 for none. */
	long progressSeq() {
		long seq = -1;
		if (lastChunkSeq != null) {
			seq = Math.max(seq, lastChunkSeq);
		}
		if (hbLastChunkSeq != null) {
			seq = Math.max(seq, hbLastChunkSeq);
		}
		return seq;
	}

	/** Chunk progress grew past what the failover state remembers (the sweep writes it down). */
	public boolean progressGrew() {
		long seq = progressSeq();
		Long known = state().progressSeq();
		return seq >= 0 && (known == null || seq > known);
	}

}
