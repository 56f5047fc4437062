package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.recording.RecorderContent;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * The active recordings as the failover sees them, read from Redis and cached briefly, for
 * the status API, health and metrics: those whose current recorder is a backup (epoch &gt; 0),
 * and those whose recorder captures slower than real time (reported, never failed over for it).
 */
@Component
public class RecorderCensus {

	private static final Duration TTL = Duration.ofSeconds(2);

	private final FailoverReads reads;

	private final Clock clock;

	private volatile List<Snapshot> cached = List.of();

	private volatile Instant cachedAt = Instant.EPOCH;

	public RecorderCensus(FailoverReads reads, Clock clock) {
		this.reads = reads;
		this.clock = clock;
	}

	private List<Snapshot> active() {
		Instant now = clock.instant();
		if (cachedAt.plus(TTL).isBefore(now)) {
			cached = reads.snapshots()
				.stream()
				.filter(s -> !s.status().isFinal() && s.status() != RecordingStatus.FINALIZING)
				.toList();
			cachedAt = now;
		}
		return cached;
	}

	/** Active recordings whose current recorder is a backup. */
	List<Snapshot> backups() {
		return active().stream().filter(s -> s.epoch() > 0).toList();
	}

	/** Recordings whose current recorder's last heartbeat reports a capture slower than real time. */
	List<Snapshot> slow() {
		return active().stream()
			.filter(s -> s.status() == RecordingStatus.RECORDING && s.progress().of(s.epoch()) && s.progress().slow())
			.toList();
	}

	/** Recordings whose current recorder's last heartbeat says its screen is blank (a uniform frame and silence). */
	List<Snapshot> blank() {
		return active().stream()
			.filter(s -> s.status() == RecordingStatus.RECORDING && s.progress().of(s.epoch())
					&& s.progress().content().state() == RecorderContent.State.BLANK)
			.toList();
	}

	double blankCount() {
		return countOf(this::blank);
	}

	double backupCount() {
		return countOf(this::backups);
	}

	double slowCount() {
		return countOf(this::slow);
	}

	private static double countOf(Supplier<List<Snapshot>> list) {
		try {
			return list.get().size();
		}
		catch (RuntimeException ex) {
			return Double.NaN;
		}
	}

}
