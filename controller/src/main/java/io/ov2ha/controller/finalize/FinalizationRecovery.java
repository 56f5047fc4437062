package io.ov2ha.controller.finalize;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.PeriodicComponent;
import io.ov2ha.controller.support.PeriodicPass;

/**
 * Resumes finalizations nobody runs: every {@code HA_FINALIZE_RECOVERY_INTERVAL}, one
 * controller (lease {@code finalize-recovery}) walks the FINALIZING index and starts each
 * recording whose finalize lease is free and whose next retry is due. A controller that died
 * mid-join leaves its lease to expire; the next scan (here or on another replica) completes it.
 */
@Component
class FinalizationRecovery implements PeriodicComponent {

	private static final Log LOG = LogFactory.getLog(FinalizationRecovery.class);

	static final String LEASE_NAME = "finalize-recovery";

	static final int BATCH = 500;

	private final FinalizationWorkers workers;

	private final RecordingStore recordings;

	private final PeriodicPass schedule;

	FinalizationRecovery(FinalizationWorkers workers, RecordingStore recordings, RedisLease lease,
			HaProperties properties) {
		this.workers = workers;
		this.recordings = recordings;
		Duration interval = properties.storage().finalizer().recoveryInterval();
		// the first scan a second after the start (the workers start before and stop after it: phases)
		this.schedule = new PeriodicPass("finalize-recovery", "finalize_recovery", LOG,
				Duration.ofMillis(Math.min(1000, interval.toMillis())), interval, () -> {
					if (!workers.stopping()) {
						lease.runIfLeader(LEASE_NAME, interval.multipliedBy(3), this::scan);
					}
				});
	}

	@Override
	public PeriodicPass schedule() {
		return schedule;
	}

	/** One scan (on the lease's holder): starts the finalizations due again. */
	void scan() {
		for (String value : recordings.idsInStatus(RecordingStatus.FINALIZING, 0, BATCH)) {
			if (!RecordingId.isValid(value)) {
				continue;
			}
			RecordingId id = RecordingId.of(value);
			Recording recording = recordings.find(id).orElse(null);
			if (recording == null || recording.status() != RecordingStatus.FINALIZING
					|| !workers.due(id, recording.createdAt())) {
				continue;
			}
			LOG.info("event=finalize.recovery_started recordingId=" + id);
			workers.start(id);
		}
	}

}
