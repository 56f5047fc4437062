package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingId;

/**
 * What the reconciler does with a recorder found failed (dead: a Docker event, the full
 * reconciliation or {@link RecorderChecks}; silent, not started in time, stalled: the checks of
 * {@link RecorderChecks}): it either ends the recording as its exit code asks
 * ({@link RecorderExit}) or replaces the recorder by a backup once OpenVidu agreed
 * ({@link OpenViduGate}) and the recorder is still failed on a fresh look
 * ({@link DetectionRules#stillFailed}). Runs on the recording's worker queue.
 */
final class FailedRecorders {

	private static final Log LOG = LogFactory.getLog(FailedRecorders.class);

	/** A failure refused for the back-off is tried again this long after the back-off's end. */
	static final Duration RETRY_MARGIN = Duration.ofMillis(50);

	/** A back-off ending later than this is left to the sweep and the full reconciliation. */
	static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(10);

	private final FailoverReads reads;

	private final FailoverService failover;

	private final StopCoordinator stops;

	private final StopMarkers stopMarkers;

	private final RecorderRuntime runtime;

	private final Clock clock;

	private final DetectionRules rules;

	private final OpenViduGate gate;

	private final HostPressure pressure;

	private final FailoverMetrics metrics;

	private final ThrottledWarnings warnings;

	private final Supplier<Instant> startedAt;

	private final Supplier<Instant> judgingBase;

	private final Function<RecordingId, Executor> decisions;

	private final RecorderPeers peers;

	/** Deaths waiting for their back-off's end ({@link #retryAfterBackoff}): recording:createdAt:epoch. */
	private final Set<String> pendingRetries = ConcurrentHashMap.newKeySet();

	/**
	 * @param startedAt when the reconciler started (a death found long after it needs OpenVidu's word)
	 * @param judgingBase the heartbeat and progress rules count from here (the start, or Redis's return)
	 * @param decisions where a decision on OpenVidu's answer runs for a recording
	 */
	FailedRecorders(FailoverReads reads, FailoverService failover, StopCoordinator stops, StopMarkers stopMarkers,
			RecorderRuntime runtime, Clock clock, DetectionRules rules, OpenViduGate gate, HostPressure pressure,
			FailoverMetrics metrics, ThrottledWarnings warnings, Supplier<Instant> startedAt, Supplier<Instant> judgingBase,
			Function<RecordingId, Executor> decisions, RecorderPeers peers) {
		this.reads = reads;
		this.failover = failover;
		this.stops = stops;
		this.stopMarkers = stopMarkers;
		this.runtime = runtime;
		this.clock = clock;
		this.rules = rules;
		this.gate = gate;
		this.pressure = pressure;
		this.metrics = metrics;
		this.warnings = warnings;
		this.startedAt = startedAt;
		this.judgingBase = judgingBase;
		this.decisions = decisions;
		this.peers = peers;
	}

	/** The current epoch's container exited: a failover, unless the recording was ending. */
	void exited(Recording r, String containerId, Long exitCode, Instant at, String source, boolean oom) {
		RecorderExit verdict = RecorderExit.decide(r.status(), exitCode, oom,
				() -> stopMarkers.stoppedNormally(r.id(), r.epoch()));
		switch (verdict) {
			case ALREADY_FINAL -> {
			}
			case ENDING_FINISHED -> LOG.info("event=failover.recorder_finished recordingId=" + r.id() + " epoch="
					+ r.epoch() + " containerId=" + ContainerLabels.shortId(containerId));
			case ENDING_DIED -> LOG.warn("event=failover.recorder_died_while_ending recordingId=" + r.id() + " epoch="
					+ r.epoch() + " status=" + r.status() + " exitCode=" + exitCode + " action=none");
			case FINISHED -> stops.recorderFinished(r);
			case NO_ACTION -> LOG.warn("event=failover.recorder_exited recordingId=" + r.id() + " epoch=" + r.epoch()
					+ " containerId=" + ContainerLabels.shortId(containerId) + " exitCode=" + exitCode + " action=none");
			case MISCONFIGURED -> {
				String why = "the recorder cannot run here (exit code " + exitCode + ": "
						+ (exitCode == 78 ? "invalid settings" : "recordings folder unusable")
						+ "); a backup would fail the same way";
				if (failover.fail(r, why)) {
					LOG.error("event=failover.recorder_misconfigured recordingId=" + r.id() + " epoch=" + r.epoch()
							+ " containerId=" + ContainerLabels.shortId(containerId) + " exitCode=" + exitCode
							+ " action=failed");
				}
			}
			case REPLACE_OOM, REPLACE_DIED -> {
				boolean removed = verdict == RecorderExit.REPLACE_DIED && gate.enabled()
						&& RecorderContainers.removedBySomebodyElse(runtime, containerId);
				replace(r, verdict.reason(), new FailoverService.Evidence(at, source, "container exited"
						+ (exitCode == null ? "" : " with code " + exitCode) + (removed ? ", removed by somebody else" : ""),
						containerId, false, removed));
			}
		}
	}

	/**
	 * A failed recorder: a backup, unless OpenVidu says the recording is over (or a stale death
	 * stays unconfirmed; {@link OpenViduGate}), which ends it instead. With the OpenVidu checks
	 * on, the backup starts on the recording's worker queue once OpenVidu answered.
	 */
	void replace(Recording r, FailoverReason reason, FailoverService.Evidence evidence) {
		gate.beforeBackup(r, evidence, startedAt.get(), decisions.apply(r.id()), now -> {
			if (stillFailed(now, reason)) {
				report(failover.failover(now, reason, evidence, false), now, reason, evidence);
			}
		});
	}

	/**
	 * Whether the recorder of {@code r} is still failed ({@link DetectionRules#stillFailed}), judged
	 * again on the recording's fresh snapshot when OpenVidu was asked first (its answer may take
	 * seconds); without the OpenVidu checks the judgement that led here is seconds old at most.
	 */
	private boolean stillFailed(Recording r, FailoverReason reason) {
		if (!gate.enabled() || !DetectionRules.JUDGED_AGAIN.contains(reason)) {
			return true;
		}
		Optional<Snapshot> s = reads.snapshot(r.id())
			.filter(x -> x.epoch() == r.epoch() && x.createdAt() == r.createdAt());
		if (s.isEmpty()) {
			// no longer this recording at this epoch: the claim tells
			return true;
		}
		Judgement j = rules.judge(s.get(), clock.instant(), judgingBase.get(), pressure.percent(), peers);
		if (DetectionRules.stillFailed(reason, j)) {
			return true;
		}
		if (DetectionRules.sharedWithHost(j.kind())) {
			// not recovered: judged again beside its host, the failure waits (the sweep goes on judging it)
			LOG.info("event=failover.waits_for_host recordingId=" + r.id() + " epoch=" + r.epoch() + " reason="
					+ reason.slug() + " verdict=" + j.kind() + " cause=" + FailoverMetrics.hostWaitCause(j.kind())
					+ " lastHeartbeat=" + j.lastHeartbeat() + " lastProgress=" + j.lastProgress() + " action=wait");
			return false;
		}
		metrics.recovered(reason);
		LOG.info("event=failover.recovered recordingId=" + r.id() + " epoch=" + r.epoch() + " reason=" + reason.slug()
				+ " verdict=" + j.kind() + " lastHeartbeat=" + j.lastHeartbeat() + " lastProgress=" + j.lastProgress()
				+ " action=none");
		return false;
	}

	/**
	 * A death refused only for the back-off (or the cap of concurrent backups) is tried again once
	 * it ends, on the recording's worker: a dead recorder sends no second event and the sweep does
	 * not judge a death again (seen: a standby killed by its failed hand-over 0.1 s after its claim
	 * waited 50 s for the full reconciliation). The failures the sweep judges again (silent,
	 * stalled, late) are left to it: a recorder may recover meanwhile. One retry per recording and
	 * epoch at a time; the claim fences it: a recording that moved on meanwhile (another epoch,
	 * sealed) is left alone.
	 */
	private void retryAfterBackoff(Recording r, FailoverReason reason, FailoverService.Evidence evidence,
			Instant retryAt) {
		if (retryAt == null || DetectionRules.JUDGED_AGAIN.contains(reason)) {
			return;
		}
		Duration delay = Duration.between(clock.instant(), retryAt);
		if (delay.compareTo(MAX_RETRY_DELAY) > 0) {
			return;
		}
		String key = r.id() + ":" + r.createdAt() + ":" + r.epoch();
		if (!pendingRetries.add(key)) {
			return;
		}
		long delayMs = Math.max(0, delay.toMillis()) + RETRY_MARGIN.toMillis();
		Executor later = CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS, decisions.apply(r.id()));
		later.execute(() -> {
			pendingRetries.remove(key);
			boolean unchanged = reads.snapshot(r.id())
				.filter(s -> s.epoch() == r.epoch() && s.createdAt() == r.createdAt()
						&& Objects.equals(s.containerId(), r.containerId()))
				.isPresent();
			if (unchanged) {
				replace(r, reason, evidence);
			}
		});
	}

	private void report(FailoverService.Outcome outcome, Recording r, FailoverReason reason,
			FailoverService.Evidence evidence) {
		switch (outcome.code()) {
			case CLAIMED, EXHAUSTED, NOT_RECORDING, NOT_FOUND -> {
			}
			case EPOCH_CHANGED, PENDING -> LOG.info("event=failover.claim_lost recordingId=" + r.id() + " observedEpoch="
					+ r.epoch() + " currentEpoch=" + outcome.current() + " reason=another_controller_or_event_won");
			case BACKOFF, CAPPED -> {
				warnings.warn(LOG, "backoff:" + r.id(), "event=failover.backoff recordingId=" + r.id() + " epoch="
						+ r.epoch() + " retryAt=" + outcome.retryAt());
				retryAfterBackoff(r, reason, evidence, outcome.retryAt());
			}
			case NO_ENVIRONMENT -> warnings.warn(LOG, "noenv:" + r.id(), "event=failover.impossible recordingId=" + r.id()
					+ " reason=no_openvidu_environment detail=\"the recorder never registered\"");
			default -> LOG.warn("event=failover.refused recordingId=" + r.id() + " code=" + outcome.code());
		}
	}

}
