package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.BlankTail;
import io.ov2ha.controller.recording.FinalEventOwner;
import io.ov2ha.controller.recording.LossCut;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStopRequested;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.DaemonThreads;
import io.ov2ha.controller.support.LogValues;

/**
 * The end of a recording whose current recorder is a backup, which OpenVidu does not know: once
 * it is STOPPING ({@link RecordingStopRequested}: OpenVidu's {@code stopped} webhook or an admin
 * stop), the reconciler decides its stop ({@code ReconcileDecision.Step.STOP_BACKUP} of reconcile/) and the
 * backup is stopped the way OpenVidu stops its recorder ({@code q}, bounded wait, then a kill by
 * id), then the recording is finalized ({@link FinalizationTrigger}) and the final status event
 * OpenVidu cannot send is emitted ({@link FinalStatusNotifier}). While the primary (epoch 0) is
 * the current recorder, nothing is done: OpenVidu stops it itself.
 *
 * <p>
 * This is the one place that wires stop, finalization and notification. A per-recording lease
 * makes it happen once across controllers; the reconciler's sweep decides a stop whose controller
 * died ({@code ReconcileDecision.Step.STOP_BACKUP} of reconcile/).
 */
@Component
public class StopCoordinator implements DisposableBean {

	private static final Log LOG = LogFactory.getLog(StopCoordinator.class);

	static final String LEASE = "failover-stop";

	private static final Duration POLL = Duration.ofMillis(200);

	private final HaProperties properties;

	private final RecordingStore recordings;

	private final FailoverStore store;

	private final FailoverReads reads;

	private final RecorderRuntime runtime;

	private final RedisLease lease;

	private final FinalizationTrigger finalization;

	private final FinalStatusNotifier notifier;

	private final Clock clock;

	private final ExecutorService executor;

	public StopCoordinator(HaProperties properties, RecordingStore recordings, FailoverStore store, FailoverReads reads,
			RecorderRuntime runtime, RedisLease lease, FinalizationTrigger finalization, FinalStatusNotifier notifier,
			Clock clock) {
		this.properties = properties;
		this.recordings = recordings;
		this.store = store;
		this.reads = reads;
		this.runtime = runtime;
		this.lease = lease;
		this.finalization = finalization;
		this.notifier = notifier;
		this.clock = clock;
		this.executor = DaemonThreads.fixedPool("failover-stop", 2);
	}

	/**
	 * The current recorder exited 0 (it was stopped by {@code q} or SIGTERM) while the recording
	 * was still RECORDING: the stop notice (OpenVidu's {@code stopped}) was missed. That is the
	 * end of the recording, never a reason for a backup: it becomes STOPPING and is finalized.
	 */
	public void recorderFinished(Recording r) {
		var outcome = recordings.advance(r.id(), RecordingStatus.STOPPING,
				Map.of("stopReason", "recorderExited", "statusReason", "the recorder stopped (exit code 0)"));
		if (outcome.code() != RecordingStore.TransitionCode.CHANGED) {
			return;
		}
		LOG.info("event=failover.recorder_finished recordingId=" + r.id() + " epoch=" + r.epoch()
				+ " status=RECORDING action=finalize");
		finalizeInBackground(r.id(), "recorderExited");
	}

	/**
	 * OpenVidu says the recording's session or recording is over (or could not confirm it): the
	 * recording becomes STOPPING and ends like a stop: a backup (epoch > 0) is stopped the way
	 * OpenVidu stops its recorder; a primary that may still run ({@code killOld}) is stopped by
	 * its exact id; then it is finalized with what was recorded and announced once.
	 *
	 * @param lostAt when the controller learned that the recording lost its session or recorder
	 *        (null: not a loss, a stop): what its current recorder recorded after that instant
	 *        ({@link LossCut}), and a blank tail ({@link BlankTail}), are not joined
	 * @return whether this call ended it (false: it was ending or final already, or, with a cut or
	 *         a blank tail to write, its epoch changed)
	 */
	boolean endWithoutBackup(Recording r, String stopReason, String statusReason, String oldContainerId,
			boolean killOld, Instant lostAt) {
		// the controller ends it, so it owns the final event: an outcome OpenVidu relays meanwhile
		// (e.g. a failed from stopping a live primary) is not passed on, the customer is told once
		// after a loss, what its recorder recorded after the loss and on a blank screen is not
		// joined (the cut and the blank tail, from the heartbeat of the epoch read: written only if
		// that is still the epoch)
		Optional<BlankTail> tail = lostAt != null ? BlankTail.of(r) : Optional.empty();
		Optional<LossCut> cut = LossCut.of(r, lostAt);
		Map<String, String> fields = new HashMap<>(tail.map(BlankTail::fields).orElse(Map.of()));
		cut.ifPresent(c -> fields.putAll(c.fields()));
		fields.putAll(Map.of("stopReason", stopReason, "statusReason", statusReason, FinalEventOwner.FIELD,
				FinalEventOwner.CONTROLLER));
		List<RecordingStatus> from = List.of(RecordingStatus.RECORDING);
		var outcome = tail.isPresent() || cut.isPresent()
				? recordings.transitionAtEpoch(r.id(), RecordingStatus.STOPPING, from, r.epoch(), fields)
				: recordings.transition(r.id(), RecordingStatus.STOPPING, from, fields);
		if (outcome.code() != RecordingStore.TransitionCode.CHANGED) {
			return false;
		}
		if (r.epoch() > 0) {
			submit(r.id(), () -> stop(r.id(), stopReason));
			return true;
		}
		submit(r.id(), () -> {
			if (killOld && ContainerLabels.isExactId(oldContainerId)) {
				try {
					runtime.stopGracefully(oldContainerId, properties.failover().stopTimeout());
				}
				catch (RuntimeException ex) {
					LOG.warn("event=failover.recorder_stop_failed recordingId=" + r.id() + " containerId="
							+ ContainerLabels.shortId(oldContainerId) + " error="
							+ LogValues.quote(ex.getClass().getSimpleName() + ": " + ex.getMessage()));
				}
			}
			finalizeNow(r.id(), stopReason);
		});
		return true;
	}

	/**
	 * A STOPPING recording whose recorder went away without asking for its finalization (it
	 * could not reach the controller): the controller finalizes it.
	 */
	public void finishGoneRecorder(RecordingId id) {
		LOG.info("event=failover.stop_unfinished recordingId=" + id + " action=finalize");
		finalizeInBackground(id, null);
	}

	private void finalizeInBackground(RecordingId id, String reason) {
		submit(id, () -> finalizeNow(id, reason));
	}

	private void finalizeNow(RecordingId id, String reason) {
		try {
			Optional<RecordingStatus> status = finalization.finalizeAfterFailover(id);
			if (status.isPresent() && status.get().isFinal()) {
				notifier.finalStatusReached(id, status.get(), reason);
			}
		}
		catch (RuntimeException ex) {
			LOG.warn("event=failover.finalize_failed recordingId=" + id + " error="
					+ LogValues.quote(ex.getClass().getSimpleName() + ": " + ex.getMessage()));
		}
	}

	/**
	 * Stops the recording's backup, then finalizes it, on this class's executor: the reconciler's
	 * decision ({@code ReconcileDecision.Step.STOP_BACKUP} of reconcile/) for a stop requested of this
	 * controller, or one no controller completed. The recording's stop reason is announced.
	 */
	public void stopBackup(RecordingId id) {
		submit(id, () -> stop(id, null));
	}

	private void submit(RecordingId id, Runnable task) {
		try {
			executor.execute(() -> {
				try {
					task.run();
				}
				catch (RuntimeException ex) {
					LOG.warn("event=failover.stop_failed recordingId=" + id + " error="
							+ LogValues.quote(ex.getClass().getSimpleName() + ": " + ex.getMessage()));
				}
			});
		}
		catch (RejectedExecutionException ex) {
			// shutting down: the recording stays STOPPING for the next controller
			LOG.info("event=failover.stop_dropped recordingId=" + id + " reason=shutting_down");
		}
	}

	/**
	 * Stops the recording's backup and finalizes the recording, once across controllers (its stop
	 * lease, and {@code stopHandledEpoch}).
	 *
	 * @param reason the stop reason announced; null: the recording's own ({@code stopReason})
	 */
	void stop(RecordingId id, String reason) {
		Optional<Recording> found = recordings.find(id);
		if (found.isEmpty() || found.get().epoch() == 0 || found.get().isFinal()) {
			return;
		}
		Duration stopTimeout = properties.failover().stopTimeout();
		String key = RedisKeys.lease(LEASE, id);
		if (!lease.tryAcquire(key, stopTimeout.multipliedBy(2).plusSeconds(60))) {
			return;
		}
		try {
			Recording r = awaitStartSettled(found.get(), stopTimeout);
			if (r == null || r.epoch() == 0 || r.isFinal()) {
				return;
			}
			String why = reason == null ? r.stopReason() : reason;
			FailoverState state = reads.state(id, r.createdAt());
			if (state.stopHandledEpoch() != null && state.stopHandledEpoch() == r.epoch()) {
				return;
			}
			Map<String, Object> patch = new LinkedHashMap<>();
			if (ContainerLabels.isExactId(r.containerId())) {
				LOG.info("event=failover.backup_stopping recordingId=" + id + " epoch=" + r.epoch() + " containerId="
						+ ContainerLabels.shortId(r.containerId()) + " reason=" + LogValues.quote(why));
				RecorderRuntime.StopResult result = runtime.stopGracefully(r.containerId(), stopTimeout);
				patch.put("stoppedAt", clock.instant().toEpochMilli());
				patch.put("stopExitCode", result.exitCode());
				LOG.info("event=failover.backup_stopped recordingId=" + id + " epoch=" + r.epoch() + " containerId="
						+ ContainerLabels.shortId(r.containerId()) + " exitCode=" + result.exitCode() + " killed="
						+ result.killed());
			}
			store.update(id, r.createdAt(), r.epoch(), patch,
					Map.of("stopHandledEpoch", Long.toString(r.epoch())));
			Optional<RecordingStatus> status = finalization.finalizeAfterFailover(id);
			if (status.isPresent() && status.get().isFinal()) {
				notifier.finalStatusReached(id, status.get(), why);
			}
		}
		finally {
			lease.release(key);
		}
	}

	/** A backup being started when the stop came: wait until it is recorded (or given up). */
	private Recording awaitStartSettled(Recording r, Duration timeout) {
		Instant deadline = clock.instant().plus(timeout);
		Recording current = r;
		while (startInProgress(current) && clock.instant().isBefore(deadline)) {
			try {
				Thread.sleep(POLL.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return null;
			}
			current = recordings.find(r.id()).orElse(null);
			if (current == null) {
				return null;
			}
		}
		return current;
	}

	private boolean startInProgress(Recording r) {
		FailoverState state = reads.state(r.id(), r.createdAt());
		// pending with a live attempt lease: a controller is starting the backup right now
		return state.pending(r.epoch()) && state.nextAttemptAt() != null && state.nextAttemptAt().isAfter(clock.instant());
	}

	@Override
	public void destroy() {
		executor.shutdownNow();
	}

}
