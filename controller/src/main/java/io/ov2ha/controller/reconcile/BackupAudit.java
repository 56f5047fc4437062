package io.ov2ha.controller.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.failover.FailoverService;
import io.ov2ha.controller.failover.FailoverState;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.ThrottledWarnings;

/**
 * The full reconciliation (lease holder: on taking the lease, after every event stream
 * reconnection, every minute): every backup container found by label is compared with the
 * registry. A backup that no longer holds its recording's epoch is killed, a duplicate too; one
 * whose start was never recorded is adopted; a death missed while the event stream was down is
 * written down ({@link RecorderExits#seen}) and its recording reconciled, as a Docker event's
 * ({@link RecordingReconciler#reconcile}).
 */
final class BackupAudit {

	private static final Log LOG = LogFactory.getLog(BackupAudit.class);

	private final RecorderRuntime runtime;

	private final RecordingStore recordings;

	private final FailoverService failover;

	private final RecorderExits exits;

	private final Consumer<RecordingId> reconcile;

	private final ThrottledWarnings warnings;

	private final ControllerInstance instance;

	private final BiConsumer<String, Runnable> perRecording;

	private static final Duration EVERY = Duration.ofMinutes(1);

	private volatile boolean requested = true;

	private volatile Instant lastRunAt = Instant.EPOCH;

	private volatile int backupsFound = -1;

	/**
	 * @param perRecording runs a task on the recording's worker queue (key: its id)
	 * @param reconcile reconciles one recording now, on its worker ({@link RecordingReconciler#reconcile})
	 */
	BackupAudit(RecorderRuntime runtime, RecordingStore recordings, FailoverService failover, RecorderExits exits,
			ThrottledWarnings warnings, ControllerInstance instance, BiConsumer<String, Runnable> perRecording,
			Consumer<RecordingId> reconcile) {
		this.runtime = runtime;
		this.recordings = recordings;
		this.failover = failover;
		this.exits = exits;
		this.reconcile = reconcile;
		this.warnings = warnings;
		this.instance = instance;
		this.perRecording = perRecording;
	}

	/** Asks for a run at the next sweep (the lease was taken, the event stream reconnected). */
	void request() {
		requested = true;
	}

	/** Asked for, or a minute since the last run. */
	boolean due(Instant now) {
		return requested || lastRunAt.plus(EVERY).isBefore(now);
	}

	/** When it last listed the backups (EPOCH: never). */
	Instant lastRunAt() {
		return lastRunAt;
	}

	/** Running backups the last run found by label (-1: none yet). */
	int backupsFound() {
		return backupsFound;
	}

	/** @return false when the runtime could not be asked (to be tried again) */
	boolean run(Instant now) {
		if (!runtime.status().reachable()) {
			return false;
		}
		List<RecorderContainer> containers;
		try {
			containers = runtime.listByLabels(ContainerLabels.managedBackups());
		}
		catch (RuntimeException ex) {
			warnings.warn(LOG, "full", "event=failover.full_reconcile_deferred error=" + LogValues.quote(ex.getMessage()));
			return false;
		}
		requested = false;
		lastRunAt = now;
		Map<String, Integer> counts = new HashMap<>();
		for (RecorderContainer c : containers) {
			String id = c.labels().get(ContainerLabels.RECORDING_ID);
			if (id == null || !RecordingId.isValid(id)) {
				continue;
			}
			counts.merge(c.running() ? "running" : "exited", 1, Integer::sum);
			perRecording.accept(id, () -> reconcile(RecordingId.of(id), c));
		}
		backupsFound = counts.getOrDefault("running", 0);
		LOG.info("event=failover.full_reconcile controller=" + instance.id() + " backups=" + containers.size()
				+ " running=" + counts.getOrDefault("running", 0));
		return true;
	}

	private void reconcile(RecordingId id, RecorderContainer c) {
		Optional<Recording> found = recordings.find(id);
		Long epoch = FailoverState.number(c.labels().get(ContainerLabels.EPOCH));
		AuditVerdict verdict = AuditVerdict.of(c.id(), epoch,
				FailoverState.number(c.labels().get(ContainerLabels.RECORDING_CREATED_AT)), c.running(),
				found.map(r -> new AuditVerdict.Registered(r.createdAt(), r.epoch(), r.isFinal(), r.containerId()))
					.orElse(null));
		String container = "containerId=" + ContainerLabels.shortId(c.id());
		switch (verdict) {
			case UNKNOWN -> {
				if (c.running()) {
					warnings.warn(LOG, "orphan:" + c.id(), "event=failover.unknown_backup " + container + " name="
							+ c.name() + " action=none reason=recording_not_in_this_registry");
				}
			}
			case KILL_STALE -> {
				Recording r = found.get();
				LOG.warn("event=failover.stale_backup recordingId=" + id + " epoch=" + epoch + " currentEpoch="
						+ r.epoch() + " status=" + r.status() + " " + container + " action=kill");
				failover.killQuietly(c.id());
			}
			case REMOVE -> runtime.remove(c.id());
			case AHEAD -> warnings.warn(LOG, "ahead:" + c.id(), "event=failover.backup_ahead recordingId=" + id
					+ " epoch=" + epoch + " currentEpoch=" + found.get().epoch() + " " + container
					+ " action=none reason=its_calls_are_refused_and_it_exits");
			case ADOPT -> failover.startBackup(id, epoch, 0);
			case KILL_DUPLICATE -> {
				LOG.warn("event=failover.duplicate_backup recordingId=" + id + " epoch=" + epoch + " " + container
						+ " recorded=" + ContainerLabels.shortId(found.get().containerId()) + " action=kill");
				failover.killQuietly(c.id());
			}
			case CHECK_EXIT -> exitedUnseen(id, c);
			case NONE -> {
				// nothing to do
			}
		}
	}

	/**
	 * The current recorder, listed as not running: an event source like the others, its exit
	 * written down and its recording reconciled ({@link RecordingReconciler#reconcile}).
	 */
	void exitedUnseen(RecordingId id, RecorderContainer c) {
		Optional<RecorderContainer> inspected = runtime.inspect(c.id());
		if (inspected.map(RecorderContainer::running).orElse(false)) {
			// listed between its creation and its start (or started since): alive, no failure
			return;
		}
		if (inspected.map(RecorderContainer::oomKilled).orElse(false)) {
			exits.oomKilled(c.id());
		}
		exits.seen(id, c.id(), inspected.map(RecorderContainer::exitCode).orElse(null),
				inspected.map(RecorderContainer::finishedAt).orElse(null), "container-finished");
		reconcile.accept(id);
	}

}
