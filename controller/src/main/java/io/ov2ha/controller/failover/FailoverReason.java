package io.ov2ha.controller.failover;

/** Why a recorder was replaced. The slug is stable: metrics, history and the API use it. */
public enum FailoverReason {

	/** Docker reported that the current recorder's container exited (any exit code but a clean stop). */
	CONTAINER_DIED("container-died"),
	/** The kernel's OOM killer ended the current recorder. */
	OOM_KILLED("oom-killed"),
	/** Heartbeats stopped and the container is gone, not running or not known to the runtime. */
	HEARTBEAT_LOST("heartbeat-lost"),
	/** Heartbeats and chunks stopped while the container still runs (frozen, hung): killed. */
	HUNG("hung"),
	/** Heartbeats arrive but no new complete chunk for 2 chunk durations + grace: killed. */
	CHUNK_STALL("chunk-stall"),
	/** An admin asked for it. */
	MANUAL("manual");

	private final String slug;

	FailoverReason(String slug) {
		this.slug = slug;
	}

	public String slug() {
		return slug;
	}

}
