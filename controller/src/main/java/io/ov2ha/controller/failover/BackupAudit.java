package io.ov2ha.controller.failover;

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
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.support.LogValues;

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
		Long createdAt = FailoverState.number(c.labels().get(ContainerLabels.RECORDING_CREATED_AT));
		if (found.isEmpty() || epoch == null || createdAt == null) {
			if (c.running()) {
				warnings.warn(LOG, "orphan:" + c.id(), "event=failover.unknown_backup containerId="
						+ ContainerLabels.shortId(c.id()) + " name=" + c.name() + " action=none"
						+ " reason=recording_not_in_this_registry");
			}
			return;
		}
		Recording r = found.get();
		boolean sameRecording = createdAt == r.createdAt();
		boolean stale = !sameRecording || r.isFinal() || epoch < r.epoch();
		if (stale) {
			if (c.running()) {
				// a recorder that no longer holds its recording's epoch must never write: kill it
				LOG.warn("event=failover.stale_backup recordingId=" + id + " epoch=" + epoch + " currentEpoch="
						+ r.epoch() + " status=" + r.status() + " containerId=" + ContainerLabels.shortId(c.id())
						+ " action=kill");
				failover.killQuietly(c.id());
			}
			else if (!sameRecording || r.isFinal()) {
				runtime.remove(c.id());
			}
			return;
		}
		if (epoch > r.epoch()) {
			warnings.warn(LOG, "ahead:" + c.id(), "event=failover.backup_ahead recordingId=" + id + " epoch=" + epoch
					+ " currentEpoch=" + r.epoch() + " containerId=" + ContainerLabels.shortId(c.id())
					+ " action=none reason=its_calls_are_refused_and_it_exits");
			return;
		}
		// the current epoch's backup
		if (r.containerId().isEmpty()) {
			if (c.running()) {
				// started by an attempt whose controller died before recording it
				failover.startBackup(id, epoch, 0);
			}
			return;
		}
		if (!r.containerId().equals(c.id())) {
			if (c.running()) {
				LOG.warn("event=failover.duplicate_backup recordingId=" + id + " epoch=" + epoch + " containerId="
						+ ContainerLabels.shortId(c.id()) + " recorded=" + ContainerLabels.shortId(r.containerId())
						+ " action=kill");
				failover.killQuietly(c.id());
			}
			return;
		}
		if (!c.running()) {
			Optional<RecorderContainer> inspected = runtime.inspect(c.id());
			if (inspected.map(RecorderContainer::running).orElse(false)) {
				// listed between its creation and its start (or started since): alive, no failure
				return;
			}
			// an event source like the others: the exit written down, the recording reconciled
			if (inspected.map(RecorderContainer::oomKilled).orElse(false)) {
				exits.oomKilled(c.id());
			}
			exits.seen(id, c.id(), inspected.map(RecorderContainer::exitCode).orElse(null),
					inspected.map(RecorderContainer::finishedAt).orElse(null), "container-finished");
			reconcile.accept(id);
		}
	}

}
