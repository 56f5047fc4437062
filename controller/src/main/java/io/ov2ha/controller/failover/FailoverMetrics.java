package io.ov2ha.controller.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.openvidu.OpenViduClient;

/**
 * Failover metrics (Prometheus names in brackets):
 * <ul>
 * <li>{@code ov2ha.failovers{reason}} [ov2ha_failovers_total]: failovers claimed by this controller</li>
 * <li>{@code ov2ha.failover.detection{reason}} [ov2ha_failover_detection_seconds]: failure to detection</li>
 * <li>{@code ov2ha.failover.first.chunk} [ov2ha_failover_first_chunk_seconds]: failure to the backup's first chunk</li>
 * <li>{@code ov2ha.failover.active.backups} [ov2ha_failover_active_backups]: recordings whose current recorder is a backup</li>
 * <li>{@code ov2ha.recorders.slow} [ov2ha_recorders_slow]: recorders capturing slower than real time</li>
 * <li>{@code ov2ha.recorders.blank} [ov2ha_recorders_blank]: recorders whose screen is blank (a
 * uniform frame and silence)</li>
 * <li>{@code ov2ha.failovers.exhausted} [ov2ha_failovers_exhausted_total]: recordings FAILED at the failover limit (alert on it)</li>
 * <li>{@code ov2ha.failover.start.failures} [ov2ha_failover_start_failures_total]: backups that could not be started</li>
 * <li>{@code ov2ha.failover.deferred{reason}} [ov2ha_failover_deferred_total]: failovers deferred because
 * HA_MAX_CONCURRENT_BACKUPS backups run (once per recording and epoch; retried)</li>
 * <li>{@code ov2ha.recorders.host.waiting{cause}} [ov2ha_recorders_host_waiting]: recorders judged stalled, silent
 * or blank whose failover waits for their host (host_saturated, host_wide_standstill, awaiting_peers), as of the
 * last sweep of the reconciler's leader (0 on the other controllers)</li>
 * <li>{@code ov2ha.failover.recovered{reason}} [ov2ha_failover_recovered_total]: recorders judged failed that
 * spoke or advanced again before their backup started (while OpenVidu was asked): no backup</li>
 * </ul>
 */
@Component
public class FailoverMetrics {

	private final MeterRegistry registry;

	private final Counter exhausted;

	private final Counter startFailures;

	private final Counter handovers;

	private final Timer firstChunk;

	/** Recorders whose failover waits for their host, by the verdict's kind, as of the last sweep. */
	private final Map<Judgement.Kind, AtomicInteger> hostWaiting = new EnumMap<>(Judgement.Kind.class);

	public FailoverMetrics(MeterRegistry registry, RecorderCensus census, OpenViduClient openvidu) {
		this.registry = registry;
		Gauge.builder("ov2ha.openvidu.api.misconfigured", openvidu, o -> o.misconfigured() ? 1 : 0)
			.description("1 when OpenVidu's REST API cannot be asked as configured (secret, URL, certificate): "
					+ "recordings go on as without the checks")
			.register(registry);
		this.exhausted = Counter.builder("ov2ha.failovers.exhausted")
			.description("Recordings that reached HA_MAX_FAILOVERS and were marked FAILED")
			.register(registry);
		this.startFailures = Counter.builder("ov2ha.failover.start.failures")
			.description("Attempts to start a backup recorder that failed")
			.register(registry);
		this.handovers = Counter.builder("ov2ha.standby.handovers")
			.description("Failovers whose backup was a warm standby handed the recording (the others started cold)")
			.register(registry);
		this.firstChunk = Timer.builder("ov2ha.failover.first.chunk")
			.description("From the recorder's failure to the backup's first reported chunk")
			.publishPercentileHistogram()
			.register(registry);
		Gauge.builder("ov2ha.failover.active.backups", census, RecorderCensus::backupCount)
			.description("Active recordings whose current recorder is a backup")
			.register(registry);
		Gauge.builder("ov2ha.recorders.slow", census, RecorderCensus::slowCount)
			.description("Recorders capturing slower than real time (ffmpeg speed < 0.9): reported, never failed over for it")
			.register(registry);
		Gauge.builder("ov2ha.recorders.blank", census, RecorderCensus::blankCount)
			.description("Recording recorders whose screen is blank (a uniform frame and silence): a backup that never shows the session ends its recording after HA_BACKUP_BLANK_TIMEOUT")
			.register(registry);
		for (Judgement.Kind kind : Judgement.Kind.values()) {
			if (DetectionRules.deferred(kind)) {
				AtomicInteger n = new AtomicInteger();
				hostWaiting.put(kind, n);
				Gauge.builder("ov2ha.recorders.host.waiting", n, AtomicInteger::get)
					.description("Recorders judged stalled, silent or blank whose failover waits for their host "
							+ "(HA_CPU_PRESSURE_TIMEOUT), as of the last sweep of the controller holding the reconciler's "
							+ "lease (0 on the others): the host is saturated, another recorder of the host stands still "
							+ "since the same moment, or the other's next heartbeat will tell")
					.tag("cause", hostWaitCause(kind))
					.register(registry);
			}
		}
		for (FailoverReason reason : FailoverReason.values()) {
			if (reason.replacesRecorder()) {
				counter(reason);
				detection(reason);
				deferredCounter(reason);
				if (DetectionRules.JUDGED_AGAIN.contains(reason)) {
					recoveredCounter(reason);
				}
			}
			else {
				endedCounter(reason);
			}
		}
	}

	/** Registered for every reason at start, so dashboards and alerts see the series before the first failover. */
	private Timer detection(FailoverReason reason) {
		return Timer.builder("ov2ha.failover.detection")
			.description("From the recorder's failure (best estimate) to its detection")
			.tag("reason", reason.slug())
			.publishPercentileHistogram()
			.register(registry);
	}

	private Counter counter(FailoverReason reason) {
		return Counter.builder("ov2ha.failovers")
			.description("Failovers claimed by this controller, by reason")
			.tag("reason", reason.slug())
			.register(registry);
	}

	void claimed(FailoverReason reason, Instant failedAt, Instant detectedAt) {
		counter(reason).increment();
		if (failedAt != null && !detectedAt.isBefore(failedAt)) {
			detection(reason).record(Duration.between(failedAt, detectedAt));
		}
	}

	void firstChunk(Instant failedAt, Instant firstChunkAt) {
		if (failedAt != null && !firstChunkAt.isBefore(failedAt)) {
			firstChunk.record(Duration.between(failedAt, firstChunkAt));
		}
	}

	private Counter deferredCounter(FailoverReason reason) {
		return Counter.builder("ov2ha.failover.deferred")
			.description("Failovers deferred because HA_MAX_CONCURRENT_BACKUPS backup recorders were running")
			.tag("reason", reason.slug())
			.register(registry);
	}

	void deferred(FailoverReason reason) {
		deferredCounter(reason).increment();
	}

	private Counter recoveredCounter(FailoverReason reason) {
		return Counter.builder("ov2ha.failover.recovered")
			.description("Recorders judged failed that spoke or advanced again before their backup started: no backup")
			.tag("reason", reason.slug())
			.register(registry);
	}

	/** The cause tag of {@code ov2ha.recorders.host.waiting} for a deferred verdict. */
	public static String hostWaitCause(Judgement.Kind kind) {
		return switch (kind) {
			case DEFERRED_HOST_SATURATED -> "host_saturated";
			case DEFERRED_HOST_WIDE -> "host_wide_standstill";
			case AWAITING_PEERS -> "awaiting_peers";
			default -> throw new IllegalArgumentException("not a wait for the host: " + kind);
		};
	}

	/** One sweep's verdicts: how many recorders wait for their host, by kind (absent: none). */
	public void hostWaiting(Map<Judgement.Kind, Integer> counts) {
		hostWaiting.forEach((kind, n) -> n.set(counts.getOrDefault(kind, 0)));
	}

	public void recovered(FailoverReason reason) {
		recoveredCounter(reason).increment();
	}

	private Counter endedCounter(FailoverReason reason) {
		return Counter.builder("ov2ha.failover.ended")
			.description("Recordings ended and finalized instead of getting a backup, by the reason OpenVidu gave")
			.tag("reason", reason.slug())
			.register(registry);
	}

	void ended(FailoverReason reason) {
		endedCounter(reason).increment();
	}

	void exhausted() {
		exhausted.increment();
	}

	void startFailed() {
		startFailures.increment();
	}

	void handedOver() {
		handovers.increment();
	}

}
