package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.support.LogValues;

/**
 * What the reconciler does with a recorder it found failed (dead, silent, not started in time,
 * stalled): it looks at the container, and either ends the recording as its exit code asks
 * ({@link RecorderExit}) or replaces the recorder by a backup once OpenVidu agreed
 * ({@link OpenViduGate}) and the recorder is still failed on a fresh look
 * ({@link DetectionRules#stillFailed}). Runs on the recording's worker queue.
 */
final class FailedRecorders {

	private static final Log LOG = LogFactory.getLog(FailedRecorders.class);

	private final HaProperties properties;

	private final FailoverStore store;

	private final RecordingStore recordings;

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

	/** A silent recorder of a saturated host: how often the runtime is asked whether it still runs. */
	private static final Duration SATURATED_SILENCE_CHECK_EVERY = Duration.ofSeconds(2);

	private final Map<String, Instant> saturatedSilenceChecks = new ConcurrentHashMap<>();

	private final Supplier<Instant> startedAt;

	private final Function<RecordingId, Executor> decisions;

	/**
	 * @param startedAt when the reconciler started (nothing is judged before one heartbeat timeout)
	 * @param decisions where a decision on OpenVidu's answer runs for a recording
	 */
	FailedRecorders(HaProperties properties, FailoverStore store, RecordingStore recordings, FailoverService failover,
			StopCoordinator stops, StopMarkers stopMarkers, RecorderRuntime runtime, Clock clock, DetectionRules rules,
			OpenViduGate gate, HostPressure pressure, FailoverMetrics metrics, ThrottledWarnings warnings,
			Supplier<Instant> startedAt, Function<RecordingId, Executor> decisions) {
		this.properties = properties;
		this.store = store;
		this.recordings = recordings;
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
		this.decisions = decisions;
	}

	/**
	 * What a judgement of the sweep asks for: a check of the recorder to run on the recording's
	 * worker queue, or null (a condition worth a warning, logged here, or nothing).
	 */
	Runnable forJudgement(Snapshot s, DetectionRules.Judgement j) {
		String key = s.id().value();
		return switch (j.kind()) {
			case SILENT -> () -> silent(s.id(), s.epoch(), j, FailoverReason.HUNG);
			case START_TIMEOUT -> () -> silent(s.id(), s.epoch(), j, FailoverReason.START_TIMEOUT);
			case CHUNK_STALLED -> () -> stalled(s.id(), s.epoch(), j, FailoverReason.CHUNK_STALL);
			case MEDIA_STALLED -> () -> stalled(s.id(), s.epoch(), j, FailoverReason.MEDIA_STALL);
			case CHUNKS_ARRIVING -> {
				warnings.warn(LOG, "arriving:" + key, "event=failover.heartbeats_missing recordingId=" + key + " epoch="
						+ s.epoch() + " lastHeartbeat=" + j.lastHeartbeat() + " lastProgress=" + j.lastProgress()
						+ " action=none reason=recent_chunk_progress");
				yield null;
			}
			case DEFERRED_HOST_SATURATED -> {
				warnings.warn(LOG, "saturated:" + key, "event=failover.host_saturated recordingId=" + key + " epoch="
						+ s.epoch() + " verdict=" + j.deferred() + " lastHeartbeat=" + j.lastHeartbeat() + " lastProgress="
						+ j.lastProgress() + " cpuPressurePct=" + pressure.percent() + " waitSeconds="
						+ properties.failover().cpuPressureTimeout().toSeconds() + " action=wait");
				// no load excuses a container that exited or is gone: the runtime is asked (running: waits)
				yield j.deferred() == DetectionRules.Kind.SILENT && saturatedSilenceCheckDue(key)
						? () -> silent(s.id(), s.epoch(), j, null) : null;
			}
			case SLOW -> {
				warnings.warn(LOG, "slow:" + key, "event=failover.recorder_slow recordingId=" + key + " epoch=" + s.epoch()
						+ " speed=" + s.progress().speed() + " mediaTimeMs=" + s.progress().mediaTimeMs()
						+ " action=none reason=advancing_slower_than_real_time");
				yield null;
			}
			default -> null;
		};
	}

	private boolean saturatedSilenceCheckDue(String key) {
		Instant now = clock.instant();
		Instant last = saturatedSilenceChecks.get(key);
		if (last != null && last.plus(SATURATED_SILENCE_CHECK_EVERY).isAfter(now)) {
			return false;
		}
		saturatedSilenceChecks.put(key, now);
		return true;
	}

	void forgetOlderThan(Instant old) {
		saturatedSilenceChecks.values().removeIf(t -> t.isBefore(old));
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
	 * Silent, or not started in time: the runtime decides. Running: killed and replaced
	 * ({@code whenRunning}: hung or start-timeout; null: left alone, the host is saturated);
	 * exited: its exit code decides; gone: heartbeat-lost (or its normal stop).
	 */
	void silent(RecordingId id, long epoch, DetectionRules.Judgement j, FailoverReason whenRunning) {
		Optional<Looked> looked = look(id, epoch, j.lastHeartbeat());
		if (looked.isEmpty()) {
			return;
		}
		Recording r = looked.get().recording();
		Optional<RecorderContainer> c = looked.get().running();
		if (c.isPresent()) {
			if (whenRunning == null) {
				return;
			}
			replace(r, whenRunning, whenRunning == FailoverReason.START_TIMEOUT
					? new FailoverService.Evidence(j.lastHeartbeat(), "start-deadline", "still starting "
							+ properties.failover().startTimeout().toSeconds() + " s after its start while the container runs",
							c.get().id(), true)
					: new FailoverService.Evidence(j.lastHeartbeat(), "last-heartbeat",
							"no heartbeat since " + j.lastHeartbeat() + " while the container runs", c.get().id(), true));
			return;
		}
		if (stopMarkers.stoppedNormally(r.id(), r.epoch())) {
			// gone (OpenVidu removes its container after the stop) but it stopped normally
			stops.recorderFinished(r);
			return;
		}
		// removed only when Docker answered that its exact id is gone (not when it could not be asked,
		// nor for a primary whose container was never identified)
		boolean removed = gate.enabled() && RecorderContainers.removedBySomebodyElse(runtime, r.containerId());
		replace(r, FailoverReason.HEARTBEAT_LOST, new FailoverService.Evidence(j.lastHeartbeat(), "last-heartbeat",
				"no heartbeat since " + j.lastHeartbeat() + " and no such container on the runtime", r.containerId(),
				false, removed));
	}

	/** Heartbeats arrive but the recording does not grow (chunk or media stall). */
	void stalled(RecordingId id, long epoch, DetectionRules.Judgement j, FailoverReason reason) {
		Optional<Looked> looked = look(id, epoch, j.lastProgress());
		if (looked.isEmpty()) {
			return;
		}
		Recording r = looked.get().recording();
		String containerId = looked.get().running().map(RecorderContainer::id).orElse(r.containerId());
		replace(r, reason, reason == FailoverReason.MEDIA_STALL
				? new FailoverService.Evidence(j.lastProgress(), "last-progress",
						"heartbeats arrive but the media time has not advanced since " + j.lastProgress(), containerId, true)
				: new FailoverService.Evidence(j.lastProgress(), "last-chunk",
						"heartbeats arrive but no new complete chunk since " + j.lastProgress(), containerId, true));
	}

	/** A recording still RECORDING at the judged epoch, and its container if it still runs (empty: gone). */
	private record Looked(Recording recording, Optional<RecorderContainer> running) {
	}

	/**
	 * The recording and its recorder, when there is something to decide: not while OpenVidu is
	 * asked about it or the runtime cannot be; a container that exited while nobody listened is
	 * handed to {@link #exited} here (its exit code decides, as for a Docker event).
	 *
	 * @param lastSeen when the recorder was last seen alive (its exit time when Docker has none)
	 */
	private Optional<Looked> look(RecordingId id, long epoch, Instant lastSeen) {
		Optional<Recording> found = current(id, epoch);
		if (found.isEmpty() || gate.awaiting(found.get()) || !runtimeReachable(id)) {
			return Optional.empty();
		}
		Recording r = found.get();
		Optional<RecorderContainer> c = currentContainerQuietly(r);
		if (c.isPresent() && !c.get().running()) {
			RecorderContainer x = c.get();
			exited(r, x.id(), x.exitCode(), x.finishedAt() != null ? x.finishedAt() : lastSeen, "container-finished",
					x.oomKilled());
			return Optional.empty();
		}
		return Optional.of(new Looked(r, c));
	}

	/**
	 * A failed recorder: a backup, unless OpenVidu says the recording is over (or a stale death
	 * stays unconfirmed; {@link OpenViduGate}), which ends it instead. With the OpenVidu checks
	 * on, the backup starts on the recording's worker queue once OpenVidu answered.
	 */
	private void replace(Recording r, FailoverReason reason, FailoverService.Evidence evidence) {
		gate.beforeBackup(r, evidence, startedAt.get(), decisions.apply(r.id()), now -> {
			if (stillFailed(now, reason)) {
				report(failover.failover(now, reason, evidence, false), now);
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
		Optional<Snapshot> s = store.snapshot(r.id())
			.filter(x -> x.epoch() == r.epoch() && x.createdAt() == r.createdAt());
		if (s.isEmpty()) {
			// no longer this recording at this epoch: the claim tells
			return true;
		}
		DetectionRules.Judgement j = rules.judge(s.get(), clock.instant(), startedAt.get(), pressure.percent());
		if (DetectionRules.stillFailed(reason, j)) {
			return true;
		}
		metrics.recovered(reason);
		LOG.info("event=failover.recovered recordingId=" + r.id() + " epoch=" + r.epoch() + " reason=" + reason.slug()
				+ " verdict=" + j.kind() + " lastHeartbeat=" + j.lastHeartbeat() + " lastProgress=" + j.lastProgress()
				+ " action=none");
		return false;
	}

	private void report(FailoverService.Outcome outcome, Recording r) {
		switch (outcome.code()) {
			case CLAIMED, EXHAUSTED, NOT_RECORDING, NOT_FOUND -> {
			}
			case EPOCH_CHANGED, PENDING -> LOG.info("event=failover.claim_lost recordingId=" + r.id() + " observedEpoch="
					+ r.epoch() + " currentEpoch=" + outcome.current() + " reason=another_controller_or_event_won");
			case BACKOFF, CAPPED -> warnings.warn(LOG, "backoff:" + r.id(), "event=failover.backoff recordingId=" + r.id()
					+ " epoch=" + r.epoch() + " retryAt=" + outcome.retryAt());
			case NO_ENVIRONMENT -> warnings.warn(LOG, "noenv:" + r.id(), "event=failover.impossible recordingId=" + r.id()
					+ " reason=no_openvidu_environment detail=\"the recorder never registered\"");
			default -> LOG.warn("event=failover.refused recordingId=" + r.id() + " code=" + outcome.code());
		}
	}

	private Optional<Recording> current(RecordingId id, long epoch) {
		return recordings.find(id).filter(r -> r.status() == RecordingStatus.RECORDING && r.epoch() == epoch);
	}

	private Optional<RecorderContainer> currentContainerQuietly(Recording r) {
		try {
			return failover.currentContainer(r);
		}
		catch (RuntimeException ex) {
			return Optional.empty();
		}
	}

	private boolean runtimeReachable(RecordingId id) {
		var status = runtime.status();
		if (!status.reachable()) {
			warnings.warn(LOG, "unreachable", "event=failover.deferred recordingId=" + id
					+ " reason=runtime_unavailable error=" + LogValues.quote(status.error()));
		}
		return status.reachable();
	}

}
