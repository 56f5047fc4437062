package io.ov2ha.controller.reconcile;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.failover.DetectionRules;
import io.ov2ha.controller.failover.FailoverMetrics;
import io.ov2ha.controller.failover.FailoverReads;
import io.ov2ha.controller.failover.FailoverReason;
import io.ov2ha.controller.failover.FailoverService;
import io.ov2ha.controller.failover.HostPressure;
import io.ov2ha.controller.failover.Judgement;
import io.ov2ha.controller.failover.OpenViduGate;
import io.ov2ha.controller.failover.RecorderContainers;
import io.ov2ha.controller.failover.RecorderPeers;
import io.ov2ha.controller.failover.Snapshot;
import io.ov2ha.controller.failover.StopCoordinator;
import io.ov2ha.controller.failover.StopMarkers;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.support.ThrottledWarnings;

/**
 * What the reconciler does with a recorder found failed (dead: an exit a Docker event or the full
 * reconciliation wrote down ({@link #handleExit}), or one {@link RecorderChecks} found; silent, not started in
 * time, stalled: the checks of {@link RecorderChecks}): it either ends the recording as its exit
 * code asks ({@link RecorderExit}) or replaces the recorder by a backup once OpenVidu agreed
 * ({@link OpenViduGate}) and the recorder is still failed on a fresh look
 * ({@link DetectionRules#stillFailed}). An exit refused only for the failover back-off is written
 * down again to be decided once the back-off ends ({@link RecorderExits#later}); one whose
 * handling fails is put back ({@link RecorderExits#putBack}). Runs on the recording's worker
 * queue.
 */
final class FailedRecorders {

	private static final Log LOG = LogFactory.getLog(FailedRecorders.class);

	private final FailoverReads reads;

	private final Function<RecordingId, Optional<Recording>> recordings;

	private final RecorderExits exits;

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

	/**
	 * @param recordings reads a recording ({@link io.ov2ha.controller.recording.RecordingStore#find})
	 * @param startedAt when the reconciler started (a death found long after it needs OpenVidu's word)
	 * @param judgingBase the heartbeat and progress rules count from here (the start, or Redis's return)
	 * @param decisions where a decision on OpenVidu's answer runs for a recording
	 */
	FailedRecorders(FailoverReads reads, Function<RecordingId, Optional<Recording>> recordings, RecorderExits exits,
			FailoverService failover, StopCoordinator stops, StopMarkers stopMarkers, RecorderRuntime runtime,
			Clock clock, DetectionRules rules, OpenViduGate gate, HostPressure pressure, FailoverMetrics metrics,
			ThrottledWarnings warnings, Supplier<Instant> startedAt, Supplier<Instant> judgingBase,
			Function<RecordingId, Executor> decisions, RecorderPeers peers) {
		this.reads = reads;
		this.recordings = recordings;
		this.exits = exits;
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

	/**
	 * The exit of {@code containerId} an event source wrote down ({@link RecorderExits}), decided
	 * by the reconciler: handled if its container is still the recording's current one, taken
	 * first (nobody else handles it) and put back if its handling fails. An earlier epoch's
	 * recorder (fenced, or killed by a failover) is expected to exit and is left alone.
	 */
	void handleExit(RecordingId id, String containerId) {
		Optional<Recording> current = recordings.apply(id).filter(r -> containerId.equals(r.containerId()));
		if (current.isEmpty()) {
			return;
		}
		exits.take(containerId, clock.instant()).ifPresent(e -> putBackOnError(id, e, () -> exited(current.get(), e)));
	}

	/**
	 * The current epoch's container was found exited by a check ({@link RecorderChecks}): a
	 * failover, unless the recording was ending. What an event source wrote down of it is
	 * dropped: handled here.
	 */
	void exited(Recording r, String containerId, Long exitCode, Instant at, String source, boolean oom) {
		exits.forget(containerId);
		exited(r, new RecorderExits.Exit(containerId, exitCode, at, source, oom, null, clock.instant()));
	}

	private void exited(Recording r, RecorderExits.Exit exit) {
		String containerId = exit.containerId();
		Long exitCode = exit.exitCode();
		RecorderExit verdict = RecorderExit.decide(r.status(), exitCode, exit.oom(),
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
				// asked once: a retry after the back-off is judged on the evidence first found
				boolean removed = exit.removed() != null ? exit.removed()
						: verdict == RecorderExit.REPLACE_DIED && gate.enabled()
								&& RecorderContainers.removedBySomebodyElse(runtime, containerId);
				replace(r, verdict.reason(), new FailoverService.Evidence(exit.at(), exit.source(), "container exited"
						+ (exitCode == null ? "" : " with code " + exitCode) + (removed ? ", removed by somebody else" : ""),
						containerId, false, removed), exit.withRemoved(removed));
			}
		}
	}

	/**
	 * A failed recorder: a backup, unless OpenVidu says the recording is over (or a stale death
	 * stays unconfirmed; {@link OpenViduGate}), which ends it instead. With the OpenVidu checks
	 * on, the backup starts on the recording's worker queue once OpenVidu answered.
	 */
	void replace(Recording r, FailoverReason reason, FailoverService.Evidence evidence) {
		replace(r, reason, evidence, null);
	}

	/**
	 * @param exit the exit that asks for it: written down again to be handled once the claim's
	 *        back-off ends ({@link RecorderExits#later}), or put back when its handling fails here
	 *        or later on the worker, after OpenVidu's answer ({@link RecorderExits#putBack}); null
	 *        for a failure the sweep judges again anyway (silent, stalled, late: the recorder may
	 *        recover meanwhile)
	 */
	private void replace(Recording r, FailoverReason reason, FailoverService.Evidence evidence,
			RecorderExits.Exit exit) {
		Executor onWorker = decisions.apply(r.id());
		if (exit != null) {
			Executor worker = onWorker;
			onWorker = task -> worker.execute(() -> putBackOnError(r.id(), exit, task));
		}
		Executor decideOn = onWorker;
		putBackOnError(r.id(), exit, () -> gate.beforeBackup(r, evidence, startedAt.get(), decideOn, now -> {
			if (stillFailed(now, reason)) {
				report(failover.failover(now, reason, evidence, false), now, exit);
			}
		}));
	}

	/** Runs {@code task}; if it fails, {@code exit} (if any) is put back, due again shortly. */
	private void putBackOnError(RecordingId id, RecorderExits.Exit exit, Runnable task) {
		try {
			task.run();
		}
		catch (RuntimeException ex) {
			if (exit != null) {
				exits.putBack(id, exit);
			}
			throw ex;
		}
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

	private void report(FailoverService.Outcome outcome, Recording r, RecorderExits.Exit exit) {
		switch (outcome.code()) {
			case CLAIMED, EXHAUSTED, NOT_RECORDING, NOT_FOUND -> {
			}
			case EPOCH_CHANGED, PENDING -> LOG.info("event=failover.claim_lost recordingId=" + r.id() + " observedEpoch="
					+ r.epoch() + " currentEpoch=" + outcome.current() + " reason=another_controller_or_event_won");
			case BACKOFF, CAPPED -> {
				warnings.warn(LOG, "backoff:" + r.id(), "event=failover.backoff recordingId=" + r.id() + " epoch="
						+ r.epoch() + " retryAt=" + outcome.retryAt());
				if (exit != null && outcome.retryAt() != null) {
					// a dead recorder sends no second event: its exit is decided again once the back-off ends
					exits.later(r.id(), exit, outcome.retryAt());
				}
			}
			case NO_ENVIRONMENT -> warnings.warn(LOG, "noenv:" + r.id(), "event=failover.impossible recordingId=" + r.id()
					+ " reason=no_openvidu_environment detail=\"the recorder never registered\"");
			default -> LOG.warn("event=failover.refused recordingId=" + r.id() + " code=" + outcome.code());
		}
	}

}
