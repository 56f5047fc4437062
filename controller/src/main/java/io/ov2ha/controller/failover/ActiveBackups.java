package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.recording.RecordingStatus;

/** Active recordings whose current recorder is a backup (epoch > 0), read from Redis, cached briefly. */
@Component
class ActiveBackups {

	private static final Duration TTL = Duration.ofSeconds(2);

	private final FailoverStore store;

	private final Clock clock;

	private volatile List<Snapshot> cached = List.of();

	private volatile Instant cachedAt = Instant.EPOCH;

	ActiveBackups(FailoverStore store, Clock clock) {
		this.store = store;
		this.clock = clock;
	}

	List<Snapshot> list() {
		Instant now = clock.instant();
		if (cachedAt.plus(TTL).isBefore(now)) {
			cached = store.snapshots()
				.stream()
				.filter(s -> s.epoch() > 0 && !s.status().isFinal() && s.status() != RecordingStatus.FINALIZING)
				.toList();
			cachedAt = now;
		}
		return cached;
	}

	double count() {
		try {
			return list().size();
		}
		catch (RuntimeException ex) {
			return Double.NaN;
		}
	}

}
