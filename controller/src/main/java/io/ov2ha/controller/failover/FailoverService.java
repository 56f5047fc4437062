package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Service;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.FinalEventOwner;
import io.ov2ha.controller.recording.RecorderHandover;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.support.LogValues;

/**
 * The failover itself: claim the next epoch (the fence), kill the old recorder by id, start the
 * backup from the next chunk, record it. Every step is safe to repeat and safe with several
 * controllers: only the winner of the Redis claim starts a container, and a container whose
 * epoch is no longer current when it is recorded is killed again.
 */
@Service
public class FailoverService {

	private static final Log LOG = LogFactory.getLog(FailoverService.class);

	/**
	 * Recordings the reconciler handles at once, one task per recording at a time (a backup's
	 * stop runs apart). As many backups may start at once, so {@link BackupSpecs} lists the
	 * bucket's chunks as many at a time (a host's recorders fail together).
	 */
	public static final int WORKERS = 4;

	/** How long one start attempt may hold the pending epoch before another controller retries. */
	static final Duration ATTEMPT_LEASE = Duration.ofSeconds(20);

	private final HaProperties properties;

	private final FailoverStore store;

	private final RecorderHandover handover;

	private final FailoverReads reads;

	private final RecordingStore recordings;

	private final BackupStarts starts;

	private final RecorderContainers containers;

	private final ControllerInstance instance;

	private final FailoverMetrics metrics;

	private final Clock clock;

	private final FinalStatusNotifier notifier;

	FailoverService(HaProperties properties, FailoverStore store, RecorderHandover handover, FailoverReads reads,
			RecordingStore recordings, BackupStarts starts, RecorderContainers containers, ControllerInstance instance,
			FailoverMetrics metrics, Clock clock, FinalStatusNotifier notifier) {
		this.properties = properties;
		this.notifier = notifier;
		this.store = store;
		this.handover = handover;
		this.reads = reads;
		this.recordings = recordings;
		this.starts = starts;
		this.containers = containers;
		this.instance = instance;
		this.metrics = metrics;
		this.clock = clock;
	}

	/**
	 * What was observed about the failed recorder.
	 *
	 * @param failedAt best estimate of the failure time
	 * @param failedAtSource where that estimate comes from
	 * @param detail free text for the history (no secret)
	 * @param oldContainerId the failed recorder's container, if known
	 * @param killOld whether it may still run and must be killed
	 * @param removed its container is gone or being removed, by somebody else (no crash:
	 *        {@link SessionRules} wants OpenVidu's word before a backup)
	 */
	public record Evidence(Instant failedAt, String failedAtSource, String detail, String oldContainerId, boolean killOld,
			boolean removed) {

		public Evidence(Instant failedAt, String failedAtSource, String detail, String oldContainerId, boolean killOld) {
			this(failedAt, failedAtSource, detail, oldContainerId, killOld, false);
		}

	}

	/**
	 * How a failover request ended.
	 *
	 * @param code CLAIMED, or why not: an answer of recorder-claim.lua (a CAPPED claim is told
	 *        as BACKOFF, with the running backups in {@code current})
	 * @param newEpoch the claimed epoch, else null
	 * @param retryAt for BACKOFF: when a failover becomes possible
	 * @param current for NOT_RECORDING: the status; for EPOCH_CHANGED/PENDING: the epoch; for a
	 *        BACKOFF because HA_MAX_CONCURRENT_BACKUPS backups run: their number (else null)
	 */
	public record Outcome(RecorderHandover.ClaimCode code, Long newEpoch, Instant retryAt, String current) {

		boolean claimed() {
			return code == RecorderHandover.ClaimCode.CLAIMED;
		}

		/** A refusal of the claim, with its value. */
		static Outcome refused(RecorderHandover.ClaimCode code, LuaAnswer<RecorderHandover.ClaimCode> claim) {
			return new Outcome(code, null, null, claim.value(0));
		}

	}

	/** Replaces the recorder of {@code observedEpoch} of the recording. */
	public Outcome failover(Recording r, FailoverReason reason, Evidence evidence, boolean manual) {
		Instant detectedAt = clock.instant();
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("recordingId", r.id().value());
		entry.put("detail", evidence.detail());
		entry.put("failedAt", evidence.failedAt() == null ? null : evidence.failedAt().toEpochMilli());
		entry.put("failedAtSource", evidence.failedAtSource());
		entry.put("detectedAt", detectedAt.toEpochMilli());
		entry.put("oldContainerId", evidence.oldContainerId() == null ? "" : evidence.oldContainerId());
		var failover = properties.failover();
		var claim = handover.claim(r.id(), r.epoch(), instance.id(), detectedAt, reason.slug(),
				new RecorderHandover.ClaimLimits(failover.maxFailovers(), failover.backoff().toMillis(),
						ATTEMPT_LEASE.toMillis(), failover.maxConcurrentBackups(), manual),
				entry);
		switch (claim.code()) {
			case CLAIMED -> {
			}
			case CAPPED -> {
				// deferred, never dropped: the detector asks again; BACKOFF tells it to wait
				if ("1".equals(claim.value(1))) {
					metrics.deferred(reason);
					LOG.warn("event=failover.deferred recordingId=" + r.id() + " reason=" + reason.slug() + " epoch="
							+ r.epoch() + " runningBackups=" + claim.value(0) + " maxConcurrentBackups="
							+ failover.maxConcurrentBackups() + " action=retry_when_a_backup_ends");
				}
				return new Outcome(RecorderHandover.ClaimCode.BACKOFF, null, detectedAt.plus(failover.backoff()), claim.value(0));
			}
			case EXHAUSTED -> {
				exhaust(r, "the recorder failed (" + reason.slug() + ") after " + claim.value(0)
						+ " failovers; HA_MAX_FAILOVERS=" + failover.maxFailovers());
				if (evidence.killOld()) {
					killQuietly(evidence.oldContainerId());
				}
				return new Outcome(RecorderHandover.ClaimCode.EXHAUSTED, null, null, null);
			}
			case BACKOFF -> {
				return new Outcome(RecorderHandover.ClaimCode.BACKOFF, null, Instant.ofEpochMilli(claim.longValue(0)), null);
			}
			case NOT_FOUND -> {
				return Outcome.refused(RecorderHandover.ClaimCode.NOT_FOUND, claim);
			}
			case NOT_RECORDING -> {
				return Outcome.refused(RecorderHandover.ClaimCode.NOT_RECORDING, claim);
			}
			case EPOCH_CHANGED -> {
				return Outcome.refused(RecorderHandover.ClaimCode.EPOCH_CHANGED, claim);
			}
			case PENDING -> {
				return Outcome.refused(RecorderHandover.ClaimCode.PENDING, claim);
			}
			case NO_ENVIRONMENT -> {
				return Outcome.refused(RecorderHandover.ClaimCode.NO_ENVIRONMENT, claim);
			}
		}
		long newEpoch = claim.longValue(0);
		metrics.claimed(reason, evidence.failedAt(), detectedAt);
		LOG.info("event=failover.claimed recordingId=" + r.id() + " reason=" + reason.slug() + " fromEpoch="
				+ r.epoch() + " toEpoch=" + newEpoch + " failover=" + claim.value(1) + " oldContainerId="
				+ ContainerLabels.shortId(evidence.oldContainerId()) + " detectionMs="
				+ (evidence.failedAt() == null ? "" : Duration.between(evidence.failedAt(), detectedAt).toMillis())
				+ " detail=" + LogValues.quote(evidence.detail()));
		if (evidence.killOld()) {
			boolean killed = killQuietly(evidence.oldContainerId());
			store.update(r.id(), r.createdAt(), newEpoch, Map.of("oldContainerKilled", killed), Map.of());
		}
		starts.start(r.id(), newEpoch, 1);
		return new Outcome(RecorderHandover.ClaimCode.CLAIMED, newEpoch, null, null);
	}

	/** Retries starting the backup of a claimed epoch whose earlier attempt failed or was lost. */
	public void retryStart(RecordingId id, long epoch) {
		var taken = store.takeAttempt(id, epoch, instance.id(), clock.instant(),
				ATTEMPT_LEASE.toMillis(), properties.failover().maxFailovers());
		switch (taken.code()) {
			case TAKEN -> {
				LOG.info("event=failover.start_retry recordingId=" + id + " epoch=" + epoch + " attempt="
						+ taken.value(0));
				starts.start(id, epoch, Integer.parseInt(taken.value(0)));
			}
			case EXHAUSTED -> recordings.find(id)
				.ifPresent(r -> exhaust(r, "the backup of epoch " + epoch + " could not be started in "
						+ taken.value(0) + " attempts"));
			default -> {
				// someone else is on it, or it resolved meanwhile
			}
		}
	}

	/** Starts (or adopts) the backup of a claimed epoch and records it ({@link BackupStarts}). */
	public void startBackup(RecordingId id, long epoch, int attempt) {
		starts.start(id, epoch, attempt);
	}

	/** The current recorder's container ({@link RecorderContainers#current}). */
	public Optional<RecorderContainer> currentContainer(Recording r) {
		return containers.current(r);
	}

	/** Kills by exact id; false when it was not running, unknown or the runtime failed. */
	public boolean killQuietly(String containerId) {
		return containers.killQuietly(containerId);
	}

	/** Marks the recording FAILED at the failover limit: no further containers. */
	void exhaust(Recording r, String why) {
		if (fail(r, "failover limit reached: " + why)) {
			metrics.exhausted();
			store.update(r.id(), r.createdAt(), r.epoch(), Map.of("outcome", "abandoned"),
					Map.of("pendingEpoch", "", "nextAttemptAt", ""));
			LOG.error("event=failover.exhausted recordingId=" + r.id() + " epoch=" + r.epoch() + " failovers="
					+ r.failoverCount() + " reason=" + LogValues.quote(why));
		}
	}

	/**
	 * Marks a RECORDING recording FAILED (its chunks are kept; an admin may still finalize them)
	 * and has the customer told, since OpenVidu cannot: its recorder is gone.
	 *
	 * @return whether this call made it FAILED
	 */
	public boolean fail(Recording r, String why) {
		var outcome = recordings.transition(r.id(), RecordingStatus.FAILED, List.of(RecordingStatus.RECORDING),
				Map.of("statusReason", why, FinalEventOwner.FIELD, FinalEventOwner.CONTROLLER));
		if (outcome.code() != RecordingStore.TransitionCode.CHANGED) {
			return false;
		}
		notifier.finalStatusReached(r.id(), RecordingStatus.FAILED, r.stopReason());
		return true;
	}

	/** Writes the backup's first chunk time into the history once it is in the manifest. */
	public void checkFirstChunk(Snapshot s) {
		Long epoch = s.state().awaitFirstChunkEpoch();
		if (epoch == null) {
			return;
		}
		if (epoch != s.epoch()) {
			store.update(s.id(), s.createdAt(), null, null, Map.of("awaitFirstChunkEpoch", ""));
			return;
		}
		Long seq = s.state().firstChunkSeq();
		Optional<Instant> at = seq == null || seq < 0 ? Optional.empty() : reads.chunkReportedAt(s.id(), seq, epoch);
		if (at.isEmpty() && s.lastChunkSeq() != null && seq != null && s.lastChunkSeq() >= seq
				&& s.lastChunkAt() != null && s.state().epochSince() != null
				&& s.lastChunkAt().isAfter(s.state().epochSince())) {
			at = Optional.of(s.lastChunkAt());
		}
		if (at.isEmpty()) {
			return;
		}
		Instant firstChunkAt = at.get();
		store.update(s.id(), s.createdAt(), epoch, Map.of("firstChunkAt", firstChunkAt.toEpochMilli()),
				Map.of("awaitFirstChunkEpoch", ""));
		Instant failedAt = reads.historyEntry(s.id(), epoch).map(FailoverRecord::failedAt).orElse(null);
		metrics.firstChunk(failedAt, firstChunkAt);
		LOG.info("event=failover.backup_first_chunk recordingId=" + s.id() + " epoch=" + epoch + " seq=" + seq
				+ " sinceFailureMs=" + (failedAt == null ? "" : Duration.between(failedAt, firstChunkAt).toMillis()));
	}

}
