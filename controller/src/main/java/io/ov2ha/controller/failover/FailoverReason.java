package io.ov2ha.controller.failover;

/**
 * Why a recorder was replaced, or (the {@code openvidu-*} and {@code *-unconfirmed} reasons) why
 * a recording was ended instead of getting a backup. The slug is stable: metrics,
 * history and the API use it.
 */
public enum FailoverReason {

	/** Docker reported that the current recorder's container exited (any exit code but a clean stop). */
	CONTAINER_DIED("container-died"),
	/** The kernel's OOM killer ended the current recorder. */
	OOM_KILLED("oom-killed"),
	/** Heartbeats stopped and the container is gone, not running or not known to the runtime. */
	HEARTBEAT_LOST("heartbeat-lost"),
	/** Heartbeats and chunks stopped while the container still runs (frozen, hung): killed. */
	HUNG("hung"),
	/** Heartbeats arrive but no new complete chunk for 2 chunk durations + grace (a recorder that reports no phase): killed. */
	CHUNK_STALL("chunk-stall"),
	/** A capturing recorder's heartbeats show no media progress for {@code HA_STALL_TIMEOUT}: killed. */
	MEDIA_STALL("media-stall"),
	/** Still starting after {@code HA_START_TIMEOUT} (never captured a frame): killed. */
	START_TIMEOUT("start-timeout"),
	/** An admin asked for it. */
	MANUAL("manual"),
	/** Not replaced: OpenVidu answered 404 for the session (closed, or OpenVidu restarted); finalized. */
	OPENVIDU_SESSION_GONE("openvidu-session-gone"),
	/** Not replaced: OpenVidu answered 404 for the recording; finalized. */
	OPENVIDU_RECORDING_GONE("openvidu-recording-gone"),
	/** Not replaced: OpenVidu no longer records the session, or the recording is stopped/ready/failed; finalized. */
	OPENVIDU_RECORDING_STOPPED("openvidu-recording-stopped"),
	/** A backup recorded without an answer from OpenVidu for longer than {@code HA_OPENVIDU_UNREACHABLE_GRACE}: finalized. */
	OPENVIDU_UNREACHABLE("openvidu-unreachable"),
	/**
	 * Not replaced: the recorder died longer than {@code HA_STALE_DEATH_AGE} before it was found
	 * after a controller start, and OpenVidu did not confirm the session within the grace; finalized.
	 */
	STALE_DEATH_UNCONFIRMED("stale-death-unconfirmed"),
	/**
	 * Not replaced: the recorder's container was removed by somebody else (OpenVidu's startup
	 * cleanup, an operator), which is no crash, and OpenVidu did not confirm the session within
	 * {@code HA_OPENVIDU_UNREACHABLE_GRACE}; finalized.
	 */
	RECORDER_REMOVED_UNCONFIRMED("recorder-removed-unconfirmed"),
	/**
	 * Not replaced: the backup's screen stayed blank (a uniform frame and silence) for
	 * {@code HA_BACKUP_BLANK_TIMEOUT} and never showed anything: its page did not find the session;
	 * finalized without the blank tail.
	 */
	BACKUP_NO_CONTENT("backup-no-content");

	private final String slug;

	FailoverReason(String slug) {
		this.slug = slug;
	}

	public String slug() {
		return slug;
	}

	/**
	 * Whether a recording ended for this reason lost its session (or its recorder) rather than
	 * being stopped: what its recorder recorded after its screen went blank is then left out of the
	 * final (the blank tail). OpenVidu's own stop ({@link #OPENVIDU_RECORDING_STOPPED}) is a stop.
	 */
	public boolean endsForALoss() {
		return !replacesRecorder() && this != OPENVIDU_RECORDING_STOPPED;
	}

	/** Whether this reason starts a backup (the others end the recording instead). */
	public boolean replacesRecorder() {
		return ordinal() <= MANUAL.ordinal();
	}

}
