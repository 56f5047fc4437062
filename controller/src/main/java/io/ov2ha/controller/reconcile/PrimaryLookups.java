package io.ov2ha.controller.reconcile;

import java.time.Duration;
import java.time.Instant;

import io.ov2ha.controller.failover.FailoverService;
import io.ov2ha.controller.failover.Snapshot;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.support.Throttle;

/**
 * A primary registered without its container id (OpenVidu's recorder could not tell it) is looked
 * up by OpenVidu's exact container name ({@link FailoverService#currentContainer}), at most once
 * every {@link #EVERY}: a Docker event of it then finds its recording. Run in the sweep's one task
 * for the recording, before the action of its judgement.
 */
final class PrimaryLookups {

	static final Duration EVERY = Duration.ofSeconds(30);

	private final RecordingStore recordings;

	private final FailoverService failover;

	/** recording:createdAt -> when its lookup was last chosen. */
	private final Throttle<String> asked = new Throttle<>(EVERY);

	PrimaryLookups(RecordingStore recordings, FailoverService failover) {
		this.recordings = recordings;
		this.failover = failover;
	}

	/** Whether a lookup of the primary of {@code s} is due (reads only). */
	boolean due(Snapshot s, Instant now) {
		return asked.due(s.incarnation(), now);
	}

	/** A lookup of the primary of {@code s} was chosen now: the next one is due {@link #EVERY} later. */
	void asked(Snapshot s, Instant now) {
		asked.mark(s.incarnation(), now);
	}

	/** Looks the primary of {@code s} up (on the recording's worker); a runtime that cannot be asked is asked later. */
	void lookUp(Snapshot s) {
		recordings.find(s.id()).ifPresent(r -> {
			try {
				failover.currentContainer(r);
			}
			catch (RuntimeException ex) {
				// runtime unavailable: tried again later
			}
		});
	}

	void forgetOlderThan(Instant old) {
		asked.forgetOlderThan(old);
	}

}
