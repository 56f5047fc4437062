package io.ov2ha.controller.recording;

import java.time.Instant;
import java.util.Map;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.EpochMillis;

/**
 * A recording document as stored in Redis (hash {@code ov2ha:rec:{id}}, schema 1). Fields
 * that a later event fills in are null until then.
 *
 * @param schema document schema version
 * @param id OpenVidu's recording id
 * @param createdAt OpenVidu's {@code createdAt} (ms); with {@code id} the unique recording key
 * @param status current status
 * @param statusReason why the status last changed (free text without secrets)
 * @param stopReason OpenVidu's stop reason ({@code recordingStoppedByServer}, ...) or {@code stoppedByAdmin}
 * @param epoch the fencing token: only the recorder of this epoch may write
 * @param containerId the current epoch's container (empty when the recorder could not tell)
 * @param host the host the current recorder runs on
 * @param recordingJson OpenVidu's RECORDING_JSON as received
 * @param env the OpenVidu environment the primary was started with, as JSON (holds a secret)
 * @param sessionId OpenVidu session id
 * @param name recording name ({@code VIDEO_NAME})
 * @param registeredAt first registration of a recorder
 * @param createdInRegistryAt when this document was created (by a recorder or a webhook)
 * @param updatedAt last status change
 * @param lastHeartbeatAt last accepted heartbeat
 * @param heartbeatLastChunkSeq last complete chunk the recorder reported in a heartbeat
 * @param uploadBacklog chunks complete but not yet uploaded, from the last heartbeat
 * @param freeDiskBytes free disk of the recorder, from the last heartbeat
 * @param chunkCount chunks in the manifest
 * @param chunkSeconds media seconds in the manifest
 * @param lastChunkSeq highest seq in the manifest
 * @param lastChunkAt when the last chunk was reported
 * @param failoverCount backups started for this recording
 * @param source who created the document: {@code recorder} or {@code webhook}
 * @param progress phase and capture progress from the current recorder's heartbeats
 * @param blankTail what its current recorder recorded on a blank screen, when it was ended for a loss
 * @param lossCut where its final ends, when it was ended for a loss
 *
 * <p>
 * Fields the webhook feature adds to the hash (read with {@code RecordingStore#fields}):
 * {@code openviduStartedAt}, {@code openviduStoppedAt} (when OpenVidu said started/stopped),
 * {@code openviduFinalStatus} ({@code ready}/{@code failed}, OpenVidu's own outcome) with
 * {@code openviduFinalAt}, {@code openviduFinalSuppressed} ({@code 1}: that outcome was stored but
 * neither applied nor relayed because the controller announces this recording's outcome, see
 * {@link FinalEventOwner}), {@code finalizedBy} ({@code openvidu} when OpenVidu's event
 * made it final), {@code openviduActivityAt} (last OpenVidu event for it), {@code webhookStartedJson}
 * (OpenVidu's {@code started} event), {@code sessionDestroyedAt}/{@code sessionDestroyedReason}
 * (its session ended while it was not final), {@code controllerEventStatus}/{@code controllerEventId}/
 * {@code controllerEventAt} (the recordingStatusChanged the controller emitted itself),
 * {@code activityAt} (read as activity by the stale recording check, reconcile/StaleRecordings, for a
 * feature working on it without heartbeats; none of this version writes it: a finalization in
 * progress keeps its recording by its own state, abandon.lua), {@code abandonedAt}.
 */
public record Recording(int schema, RecordingId id, long createdAt, RecordingStatus status, String statusReason,
		String stopReason, long epoch, String containerId, String host, String recordingJson, String env,
		String sessionId, String name, Instant registeredAt, Instant createdInRegistryAt, Instant updatedAt,
		Instant lastHeartbeatAt, Long heartbeatLastChunkSeq, Long uploadBacklog, Long freeDiskBytes, long chunkCount,
		double chunkSeconds, Long lastChunkSeq, Instant lastChunkAt, int failoverCount, String source,
		RecorderProgress progress, BlankTail blankTail, LossCut lossCut) {

	static Recording fromHash(Map<String, String> h) {
		return new Recording(intOr(h.get("schema"), 1), RecordingId.of(h.get("id")), longOr(h.get("createdAt"), 0),
				RecordingStatus.valueOf(h.get("status")), h.get("statusReason"), h.get("stopReason"),
				longOr(h.get("epoch"), 0), empty(h.get("containerId")), empty(h.get("host")), h.get("recordingJson"),
				h.get("env"), h.get("sessionId"), h.get("name"), instant(h.get("registeredAt")),
				instant(h.get("createdInRegistryAt")), instant(h.get("updatedAt")), instant(h.get("lastHeartbeatAt")),
				longOrNull(h.get("hbLastChunkSeq")), longOrNull(h.get("hbUploadBacklog")),
				longOrNull(h.get("hbFreeDiskBytes")), longOr(h.get("chunkCount"), 0),
				h.get("chunkSeconds") == null ? 0 : Double.parseDouble(h.get("chunkSeconds")),
				longOrNull(h.get("lastChunkSeq")), instant(h.get("lastChunkAt")), intOr(h.get("failoverCount"), 0),
				h.get("source"), RecorderProgress.fromHash(h), BlankTail.fromHash(h),
				LossCut.fromHash(h));
	}

	public boolean isFinal() {
		return status.isFinal();
	}

	private static String empty(String s) {
		return s == null ? "" : s;
	}

	private static int intOr(String s, int fallback) {
		return (int) longOr(s, fallback);
	}

	private static long longOr(String s, long fallback) {
		Long value = EpochMillis.longOrNull(s);
		return value == null ? fallback : value;
	}

	private static Long longOrNull(String s) {
		return EpochMillis.longOrNull(s);
	}

	private static Instant instant(String s) {
		return EpochMillis.instantOrNull(s);
	}

}
