package io.ov2ha.controller.failover;

import java.time.Instant;

/**
 * A verdict of {@link DetectionRules} on one recorder at one moment, and the times it was judged from.
 *
 * @param kind the verdict
 * @param lastHeartbeat last sign of life (heartbeat, or the start of the current epoch)
 * @param lastProgress last progress (media time, or chunk for an older recorder; or the
 *        start of the epoch, or the controller start)
 * @param deferred for {@link Kind#DEFERRED_HOST_SATURATED}, {@link Kind#DEFERRED_HOST_WIDE} and
 *        {@link Kind#AWAITING_PEERS}: the verdict the normal timeouts gave
 *        (SILENT: the container may be gone, which no load excuses); null otherwise
 */
public record Judgement(Kind kind, Instant lastHeartbeat, Instant lastProgress, Kind deferred) {

	public enum Kind {

		/** Too early after the controller start. */
		NOT_JUDGED,
		/** Starting, within its start deadline. */
		STARTING,
		/**
		 * Capturing while its page is still to show, its media still for longer than the stall
		 * timeout but less than the patience its start gets: reported only.
		 */
		PAGE_STARTING,
		/** Heartbeats and progress as expected. */
		HEALTHY,
		/** Capturing and advancing, but slower than real time: reported only. */
		SLOW,
		/** Heartbeats missing but a chunk arrived after the last one: the recorder works. */
		CHUNKS_ARRIVING,
		/** It spoke in this epoch, then went silent: ask the runtime whether the container runs. */
		SILENT,
		/** Still starting (or silent since its start) after the start deadline. */
		START_TIMEOUT,
		/** Heartbeats arrive, the media time does not advance. */
		MEDIA_STALLED,
		/** An older recorder without phase: heartbeats arrive, chunks do not. */
		CHUNK_STALLED,
		/**
		 * Silent or stalled by the normal timeouts, but the host is saturated: not yet replaced
		 * (within {@code HA_CPU_PRESSURE_TIMEOUT}); reported only.
		 */
		DEFERRED_HOST_SATURATED,
		/**
		 * Silent or stalled by the normal timeouts since the moment another recorder of its host
		 * stood still too ({@link HostWideStandstill}): the host's, not yet replaced (within
		 * {@code HA_CPU_PRESSURE_TIMEOUT}); reported only.
		 */
		DEFERRED_HOST_WIDE,
		/**
		 * Silent or stalled by the normal timeouts while another recorder of its host, last seen
		 * advancing about when it stood still, has not shown yet whether it stands still too
		 * ({@link HostWideStandstill.Answer#UNDECIDED}): judged again at its next heartbeat.
		 */
		AWAITING_PEERS,
		/** A backup, capturing and advancing, whose screen never showed anything for the blank timeout: end. */
		NO_CONTENT

	}

	Judgement(Kind kind, Instant lastHeartbeat, Instant lastProgress) {
		this(kind, lastHeartbeat, lastProgress, null);
	}

	/** Whether the verdict leads to a replacement (a runtime check, a kill, a backup). */
	boolean replaces() {
		return replaces(kind);
	}

	/** Whether a verdict leads to a replacement check (the runtime or a kill). */
	static boolean replaces(Kind kind) {
		return kind == Kind.SILENT || kind == Kind.START_TIMEOUT || kind == Kind.MEDIA_STALLED
				|| kind == Kind.CHUNK_STALLED;
	}

}
