package io.ov2ha.controller.failover;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.ov2ha.controller.docker.RuntimeStatus;
import io.ov2ha.controller.recording.RecordingStatus;
import io.swagger.v3.oas.annotations.media.Schema;

/** What the failover API answers. */
final class FailoverViews {

	private FailoverViews() {
	}

	@Schema(description = "The failovers of a recording, oldest first")
	record History(@Schema(example = "ses_AbC~1") String recordingId, @Schema(example = "1700000005000") long createdAt,
			RecordingStatus status, @Schema(description = "current epoch", example = "1") long epoch,
			@Schema(example = "1") int failoverCount, @Schema(description = "HA_MAX_FAILOVERS", example = "5") int maxFailovers,
			@Schema(description = "a claimed epoch whose backup is not started yet, else null") Long pendingEpoch,
			@Schema(description = "why the last start attempt of the pending backup failed") String pendingError,
			List<FailoverRecord> failovers,
			@Schema(description = "why the recording was ended instead of getting (or keeping) a backup, else null: openvidu-session-gone, openvidu-recording-gone, openvidu-recording-stopped, openvidu-unreachable, stale-death-unconfirmed, recorder-removed-unconfirmed, backup-no-content (a backup whose screen never showed the session)", example = "openvidu-session-gone") String endedBy,
			@Schema(description = "what was observed then (OpenVidu's answer)", example = "OpenVidu answered session-gone") String endDetail,
			@Schema(description = "when that was decided") Instant endedAt) {
	}

	@Schema(description = "A recording whose current recorder is a backup")
	record ActiveBackup(@Schema(example = "ses_AbC~1") String recordingId, @Schema(example = "1") long epoch,
			RecordingStatus status, String containerId, @Schema(description = "a start is pending or being retried") boolean pending) {
	}

	@Schema(description = "The Docker engines that run backup recorders (HA_DOCKER_HOST, or each of HA_DOCKER_HOSTS)")
	record Docker(@Schema(description = "one engine at least answers") boolean reachable,
			@Schema(description = "the engines' endpoints, comma-separated", example = "unix:///var/run/docker.sock") String host,
			@Schema(example = "20.10.24") String version, @Schema(example = "1.41") String apiVersion, String error,
			@Schema(description = "whether the die/oom/health event stream of every engine that answers is connected") boolean eventsConnected,
			@Schema(description = "each engine, in the configured order") List<Engine> engines) {
	}

	@Schema(description = "One Docker engine")
	record Engine(@Schema(example = "tcp://10.0.0.12:2376") String endpoint, @Schema(example = "true") boolean reachable,
			@Schema(example = "20.10.24") String version,
			@Schema(description = "why it does not answer, else empty") String error,
			@Schema(description = "whether its event stream is connected") boolean eventsConnected,
			@Schema(description = "its host's name (docker info), once known", example = "recorder-host-2") String hostName) {

		static Engine of(RuntimeStatus s) {
			return new Engine(s.endpoint(), s.reachable(), s.version(), s.error(), s.eventsConnected(), s.hostName());
		}
	}

	@Schema(description = "The recorder image backups are started from")
	record Image(@Schema(example = "ov2-ha-recorder-site:dev") String name, @Schema(description = "on the Docker host; never pulled") Boolean present) {
	}

	@Schema(description = "The reconciliation loop. It runs with failover off too (HA_FAILOVER_ENABLED=false), under a lease of its own, and then only resumes the finalizations nobody runs and abandons stale recordings: no recorder is judged, no backup listed")
	record Reconciler(@Schema(description = "this controller's id") String controller,
			@Schema(description = "the controller holding the reconciler lease") String leader,
			@Schema(description = "whether this controller holds it") boolean isLeader, Instant lastTickAt,
			@Schema(description = "heartbeat and chunk rules are applied, and stale recordings abandoned, from this time (start, or Redis reachable again after an outage, + heartbeat timeout)") Instant judgingFrom,
			@Schema(description = "when this controller last listed the backup containers by label") Instant lastFullReconcileAt,
			@Schema(description = "running backup containers that listing found (-1: not yet)", example = "1") int runningBackupsFound) {
	}

	@Schema(description = "Failover availability, activity and totals")
	record Status(@Schema(description = "HA_FAILOVER_ENABLED") boolean enabled,
			@Schema(description = "backups can be started: enabled, Docker reachable, image present") boolean available,
			Docker docker, Image recorderImage, Reconciler reconciler, List<ActiveBackup> activeBackups,
			@Schema(description = "recorders capturing slower than real time (ffmpeg speed < 0.9): reported, never failed over for it alone") List<SlowRecorder> slowRecorders,
			@Schema(description = "failovers ever claimed by all controllers, by reason") Map<String, Long> failoversByReason,
			@Schema(description = "HA_MAX_FAILOVERS", example = "5") int maxFailovers,
			@Schema(description = "warm standby recorders (HA_STANDBY_RECORDERS)") Standbys standbys) {
	}

	@Schema(description = "Warm standby recorders: idle recorders with screen, sound and browser running, handed a recording on a failover")
	record Standbys(@Schema(description = "HA_STANDBY_RECORDERS (0: off, or failover off)", example = "1") int wanted,
			@Schema(description = "HA_STANDBY_RESOLUTION: recordings of another resolution get a cold backup", example = "1280x720") String resolution,
			@Schema(description = "free standbys ready to take a recording over", example = "1") int ready,
			@Schema(description = "free standbys still starting", example = "0") int starting,
			@Schema(description = "why the Docker engine could not be asked, else null") String error) {
	}

	@Schema(description = "A recorder capturing slower than real time")
	record SlowRecorder(@Schema(example = "ses_AbC~1") String recordingId, @Schema(example = "0") long epoch,
			@Schema(description = "ffmpeg's speed", example = "0.82") Double speed,
			@Schema(description = "media time written, ms", example = "123400") Long mediaTimeMs) {

		static SlowRecorder of(Snapshot s) {
			return new SlowRecorder(s.id().value(), s.epoch(), s.progress().speed(), s.progress().mediaTimeMs());
		}
	}

}
