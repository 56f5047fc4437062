package io.ov2ha.controller.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.failover.FailoverReason;
import io.ov2ha.controller.failover.FailoverService;
import io.ov2ha.controller.failover.HostPressure;
import io.ov2ha.controller.failover.Judgement;
import io.ov2ha.controller.failover.OpenViduGate;
import io.ov2ha.controller.failover.OpenViduVerdicts;
import io.ov2ha.controller.failover.RecorderContainers;
import io.ov2ha.controller.failover.Snapshot;
import io.ov2ha.controller.failover.StopCoordinator;
import io.ov2ha.controller.failover.StopMarkers;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.Throttle;
import io.ov2ha.controller.support.ThrottledWarnings;

/**
 * The checks of a recorder the sweep judged failed ({@link io.ov2ha.controller.failover.DetectionRules}: silent, not started in
 * time, stalled): {@link #task} maps the verdict to a check run on the recording's worker queue
 * (whether a judgement asks for one is {@link ReconcileDecision#checks}), which looks at the container
 * on the runtime; {@link #report} warns of what is only waited on. One that exited is handed to
 * {@link FailedRecorders#exited} (its exit code decides); one that runs, or is gone, gets a backup
 * ({@link FailedRecorders#replace}), unless it stopped normally or is a silent recorder of a
 * saturated host (or of a host-wide standstill) that still runs.
 */
final class RecorderChecks {

	private static final Log LOG = LogFactory.getLog(RecorderChecks.class);

	private final HaProperties properties;

	private final RecordingStore recordings;

	private final FailoverService failover;

	private final StopCoordinator stops;

	private final StopMarkers stopMarkers;

	private final RecorderRuntime runtime;

	private final Clock clock;

	private final OpenViduGate gate;

	private final HostPressure pressure;

	private final ThrottledWarnings warnings;

	private final FailedRecorders failed;

	private final OpenViduVerdicts verdicts;

	/** A deferred silent recorder (saturated host, host-wide standstill): how often the runtime is asked whether it still runs. */
	private static final Duration DEFERRED_SILENCE_CHECK_EVERY = Duration.ofSeconds(2);

	private final Throttle<RecordingId> deferredSilenceChecks = new Throttle<>(DEFERRED_SILENCE_CHECK_EVERY);

	RecorderChecks(HaProperties properties, RecordingStore recordings, FailoverService failover, StopCoordinator stops,
			StopMarkers stopMarkers, RecorderRuntime runtime, Clock clock, OpenViduGate gate, HostPressure pressure,
			ThrottledWarnings warnings, FailedRecorders failed, OpenViduVerdicts verdicts) {
		this.properties = properties;
		this.recordings = recordings;
		this.failover = failover;
		this.stops = stops;
		this.stopMarkers = stopMarkers;
		this.runtime = runtime;
		this.clock = clock;
		this.gate = gate;
		this.pressure = pressure;
		this.warnings = warnings;
		this.failed = failed;
		this.verdicts = verdicts;
	}

	/**
	 * The check a judgement asks for ({@link ReconcileDecision#checks}), run on the recording's worker
	 * queue: the runtime is asked, then a kill, a backup or an end follows.
	 */
	Runnable task(Snapshot s, Judgement j) {
		if (!ReconcileDecision.checks(j, true)) {
			throw new IllegalArgumentException("no check for " + j.kind() + " (deferred: " + j.deferred() + ")");
		}
		return switch (j.kind()) {
			case SILENT -> () -> silent(s.id(), s.epoch(), j, FailoverReason.HUNG);
			case START_TIMEOUT -> () -> silent(s.id(), s.epoch(), j, FailoverReason.START_TIMEOUT);
			case CHUNK_STALLED -> () -> stalled(s.id(), s.epoch(), j, FailoverReason.CHUNK_STALL);
			case MEDIA_STALLED -> () -> stalled(s.id(), s.epoch(), j, FailoverReason.MEDIA_STALL);
			case NO_CONTENT -> () -> withoutContent(s.id(), s.epoch());
			// a silence deferred for its host: a container that exited or is gone is handled, a running one waits
			case DEFERRED_HOST_SATURATED, DEFERRED_HOST_WIDE, AWAITING_PEERS -> () -> silent(s.id(), s.epoch(), j, null);
			default -> throw new IllegalArgumentException("no check for " + j.kind());
		};
	}

	/** Reports a judgement worth a warning (throttled): a condition the reconciler waits on, or nothing to act on. */
	void report(Snapshot s, Judgement j) {
		String key = s.id().value();
		switch (j.kind()) {
			case CHUNKS_ARRIVING -> warnings.warn(LOG, "arriving:" + key, "event=failover.heartbeats_missing recordingId="
					+ key + " epoch=" + s.epoch() + " lastHeartbeat=" + j.lastHeartbeat() + " lastProgress="
					+ j.lastProgress() + " action=none reason=recent_chunk_progress");
			case DEFERRED_HOST_SATURATED -> deferred(s, j, "saturated:", "event=failover.host_saturated", "");
			case DEFERRED_HOST_WIDE -> deferred(s, j, "host-wide:", "event=failover.host_wide_standstill",
					" reason=another_recorder_of_the_host_stands_still_since_the_same_moment");
			case PAGE_STARTING -> warnings.warn(LOG, "page-starting:" + key + ":" + s.epoch(),
					"event=failover.start_stall recordingId=" + key + " epoch=" + s.epoch() + " lastHeartbeat="
							+ j.lastHeartbeat() + " lastProgress=" + j.lastProgress() + " content="
							+ s.progress().content().state().slug() + " waitSeconds="
							+ properties.failover().cpuPressureTimeout().toSeconds()
							+ " action=wait reason=page_not_shown_yet");
			case SLOW -> warnings.warn(LOG, "slow:" + key, "event=failover.recorder_slow recordingId=" + key + " epoch="
					+ s.epoch() + " speed=" + s.progress().speed() + " mediaTimeMs=" + s.progress().mediaTimeMs()
					+ " action=none reason=advancing_slower_than_real_time");
			// AWAITING_PEERS: another recorder of the host tells at its next heartbeat whether it froze too (routine)
			default -> {
			}
		}
	}

	/** A failure deferred for its host: warned (throttled). */
	private void deferred(Snapshot s, Judgement j, String throttleKey, String event, String reason) {
		String key = s.id().value();
		warnings.warn(LOG, throttleKey + key, event + " recordingId=" + key + " epoch=" + s.epoch() + " verdict="
				+ j.deferred() + " lastHeartbeat=" + j.lastHeartbeat() + " lastProgress=" + j.lastProgress()
				+ " cpuPressurePct=" + pressure.percent() + " waitSeconds="
				+ properties.failover().cpuPressureTimeout().toSeconds() + " action=wait" + reason);
	}

	/** Whether the runtime is due to be asked about a silent recorder deferred for its host (every few seconds). */
	boolean deferredCheckDue(RecordingId id) {
		return deferredSilenceChecks.due(id, clock.instant());
	}

	/** The runtime is being asked about a silent recorder deferred for its host. */
	void deferredCheckAsked(RecordingId id) {
		deferredSilenceChecks.mark(id, clock.instant());
	}

	void forgetOlderThan(Instant old) {
		deferredSilenceChecks.forgetOlderThan(old);
	}

	/**
	 * Silent, or not started in time: the runtime decides. Running: killed and replaced
	 * ({@code whenRunning}: hung or start-timeout; null: left alone, the host is saturated);
	 * exited: its exit code decides; gone: heartbeat-lost (or its normal stop).
	 */
	void silent(RecordingId id, long epoch, Judgement j, FailoverReason whenRunning) {
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
			failed.replace(r, whenRunning, whenRunning == FailoverReason.START_TIMEOUT
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
		failed.replace(r, FailoverReason.HEARTBEAT_LOST, new FailoverService.Evidence(j.lastHeartbeat(),
				"last-heartbeat", "no heartbeat since " + j.lastHeartbeat() + " and no such container on the runtime",
				r.containerId(), false, removed));
	}

	/** Heartbeats arrive but the recording does not grow (chunk or media stall). */
	void stalled(RecordingId id, long epoch, Judgement j, FailoverReason reason) {
		Optional<Looked> looked = look(id, epoch, j.lastProgress());
		if (looked.isEmpty()) {
			return;
		}
		Recording r = looked.get().recording();
		String containerId = looked.get().running().map(RecorderContainer::id).orElse(r.containerId());
		failed.replace(r, reason, reason == FailoverReason.MEDIA_STALL
				? new FailoverService.Evidence(j.lastProgress(), "last-progress",
						"heartbeats arrive but the media time has not advanced since " + j.lastProgress(), containerId, true)
				: new FailoverService.Evidence(j.lastProgress(), "last-chunk",
						"heartbeats arrive but no new complete chunk since " + j.lastProgress(), containerId, true));
	}

	/**
	 * A backup whose screen never showed anything for the blank timeout: its page did not find the
	 * session. The recording is ended (stopped, finalized without the blank tail, announced once).
	 */
	void withoutContent(RecordingId id, long epoch) {
		long timeoutMs = properties.failover().blankTimeout().toMillis();
		// judged again on a fresh read: a backup whose newest heartbeat shows the session is kept
		current(id, epoch).filter(r -> r.progress().of(epoch) && r.progress().content().neverShown()
				&& r.progress().content().blankFor(timeoutMs)).ifPresent(r -> {
			var content = r.progress().content();
			verdicts.end(r, FailoverReason.BACKUP_NO_CONTENT, "the backup's screen has been blank for "
					+ (content.blankMs() == null ? "?" : content.blankMs() / 1000) + " s and never showed the session",
					r.containerId(), true);
		});
	}

	/** A recording still RECORDING at the judged epoch, and its container if it still runs (empty: gone). */
	private record Looked(Recording recording, Optional<RecorderContainer> running) {
	}

	/**
	 * The recording and its recorder, when there is something to decide: not while OpenVidu is
	 * asked about it or the runtime cannot be; a container that exited while nobody listened is
	 * handed to {@link FailedRecorders#exited} here (its exit code decides, as for a Docker event).
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
			failed.exited(r, x.id(), x.exitCode(), x.finishedAt() != null ? x.finishedAt() : lastSeen,
					"container-finished", x.oomKilled());
			return Optional.empty();
		}
		return Optional.of(new Looked(r, c));
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

	/**
	 * Whether the recorder's Docker engine does not answer while another does (several engines):
	 * its silence is then its host's loss, judged without waiting as for a busy host.
	 */
	boolean engineLost(String containerId) {
		return runtime.engineLost(containerId);
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
