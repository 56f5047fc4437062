package io.ov2ha.controller.sweeper;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.recording.RecordingStore.PruneCode;
import io.ov2ha.controller.recording.StateRetentionProperties;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.PeriodicComponent;
import io.ov2ha.controller.support.PeriodicPass;

/**
 * Keeps Redis bounded: a finished recording's keys expire {@code HA_STATE_RETENTION} after it
 * became final (transition.lua, abandon.lua); this removes its entries from the indexes (status
 * indexes, the list of all recordings, the container index) once the keys are gone, and gives an
 * expiry to final recordings that have none (finished before the retention existed). Runs every
 * {@link #PERIOD} on the one controller holding its lease.
 */
@Component
class FinishedStatePruner implements PeriodicComponent {

	private static final Log LOG = LogFactory.getLog(FinishedStatePruner.class);

	static final String LEASE_NAME = "finished-state-pruner";

	static final Duration PERIOD = Duration.ofMinutes(10);

	/** Oldest ids looked at per final status and run (createdAt order is about expiry order). */
	static final int PER_STATUS = 2000;

	private static final List<RecordingStatus> FINAL = List.of(RecordingStatus.READY, RecordingStatus.FAILED,
			RecordingStatus.ABANDONED);

	private final RecordingStore store;

	private final PeriodicPass schedule;

	FinishedStatePruner(RecordingStore store, RedisLease lease, StateRetentionProperties retention,
			HaProperties properties) {
		this.store = store;
		this.schedule = new PeriodicPass("state-pruner", "state_pruner", LOG, Duration.ZERO, PERIOD,
				() -> lease.runIfLeader(LEASE_NAME, PERIOD.multipliedBy(3), this::prune));
		Duration chunks = properties.storage().chunkRetention();
		if (retention.retention().compareTo(chunks) <= 0) {
			// the chunk cleanup reads the finalization: it must outlive the chunks
			throw new ConfigurationException(
					"HA_STATE_RETENTION (" + retention.retention() + ") must be longer than HA_CHUNK_RETENTION (" + chunks
							+ "): chunks are deleted by reading the finished recording's state.",
					"Set HA_STATE_RETENTION above HA_CHUNK_RETENTION (default 30d) or lower HA_CHUNK_RETENTION.");
		}
	}

	@Override
	public PeriodicPass schedule() {
		return schedule;
	}

	/** One pass; answers how many ids got each answer. */
	Map<PruneCode, Integer> prune() {
		Map<PruneCode, Integer> counts = new EnumMap<>(PruneCode.class);
		for (RecordingStatus status : FINAL) {
			for (String id : store.idsInStatus(status, 0, PER_STATUS)) {
				if (RecordingId.isValid(id)) {
					counts.merge(store.prune(RecordingId.of(id), List.of()).code(), 1, Integer::sum);
				}
			}
		}
		store.containerIndex().forEach((id, containers) -> {
			if (RecordingId.isValid(id)) {
				counts.merge(store.prune(RecordingId.of(id), containers).code(), 1, Integer::sum);
			}
		});
		int pruned = counts.getOrDefault(PruneCode.PRUNED, 0);
		int expiring = counts.getOrDefault(PruneCode.EXPIRING, 0);
		if (pruned > 0 || expiring > 0) {
			LOG.info("event=state_pruner.pruned recordings=" + pruned + " expiryAdded=" + expiring);
		}
		return counts;
	}

}
