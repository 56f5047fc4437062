package io.ov2ha.controller.failover;

import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Service;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.docker.RuntimeStatus;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ProblemType;

/** The failover API's operations: history, manual failover, status. */
@Service
class FailoverAdmin {

	private static final Log LOG = LogFactory.getLog(FailoverAdmin.class);

	private final HaProperties properties;

	private final RecordingStore recordings;

	private final FailoverReads reads;

	private final FailoverService failover;

	private final ReconcilerStatus reconciler;

	private final RecorderRuntime runtime;

	private final RecorderCensus census;

	private final RedisLease lease;

	private final ControllerInstance instance;

	private final StandbyPool standbys;

	private final StandbyClaims standbyClaims;

	FailoverAdmin(HaProperties properties, RecordingStore recordings, FailoverReads reads, FailoverService failover,
			ReconcilerStatus reconciler, RecorderRuntime runtime, RecorderCensus census, RedisLease lease,
			ControllerInstance instance, StandbyPool standbys, StandbyClaims standbyClaims) {
		this.properties = properties;
		this.recordings = recordings;
		this.reads = reads;
		this.failover = failover;
		this.reconciler = reconciler;
		this.runtime = runtime;
		this.census = census;
		this.lease = lease;
		this.instance = instance;
		this.standbys = standbys;
		this.standbyClaims = standbyClaims;
	}

	FailoverViews.History history(RecordingId id) {
		Recording r = find(id);
		FailoverState state = reads.state(id, r.createdAt());
		boolean pending = state.pending(r.epoch());
		return new FailoverViews.History(id.value(), r.createdAt(), r.status(), r.epoch(), r.failoverCount(),
				properties.failover().maxFailovers(), pending ? r.epoch() : null,
				pending && !state.lastError().isEmpty() ? state.lastError() : null, reads.history(id, r.createdAt()),
				state.endedBy().isEmpty() ? null : state.endedBy(), state.endDetail().isEmpty() ? null : state.endDetail(),
				state.endedAt());
	}

	/** An admin's failover: kills the current recorder by id (if alive) and starts a backup. */
	FailoverRecord manual(RecordingId id) {
		if (!properties.failover().enabled()) {
			throw new ApiException(ProblemType.DEPENDENCY_UNAVAILABLE,
					"Failover is disabled on this controller (HA_FAILOVER_ENABLED=false).");
		}
		Recording r = find(id);
		if (r.isFinal()) {
			throw new ApiException(ProblemType.RECORDING_FINAL, "Recording " + id + " is already " + r.status() + ".",
					Map.of("recordingStatus", r.status().name()));
		}
		if (r.status() != RecordingStatus.RECORDING) {
			throw refused("Recording " + id + " is " + r.status() + "; only a RECORDING recording is failed over.");
		}
		RuntimeStatus status = runtime.status();
		if (!status.reachable()) {
			throw new ApiException(ProblemType.DEPENDENCY_UNAVAILABLE,
					"The Docker engine at " + status.endpoint() + " does not answer; no backup can be started.");
		}
		String old = r.containerId();
		if (!ContainerLabels.isExactId(old)) {
			old = failover.currentContainer(r).map(RecorderContainer::id).orElse(old);
		}
		LOG.info("event=failover.manual_requested recordingId=" + id + " epoch=" + r.epoch());
		FailoverService.Outcome outcome = failover.failover(r, FailoverReason.MANUAL,
				new FailoverService.Evidence(null, "request", "requested by an admin", old, true), true);
		return switch (outcome.code()) {
			case CLAIMED -> reads.historyEntry(id, outcome.newEpoch())
				.orElseThrow(() -> new IllegalStateException("failover history entry missing"));
			case EXHAUSTED -> throw refused("Recording " + id + " reached HA_MAX_FAILOVERS ("
					+ properties.failover().maxFailovers() + "); it is now FAILED.");
			case PENDING -> throw refused("A backup of recording " + id + " is being started (epoch "
					+ outcome.current() + ").");
			case EPOCH_CHANGED -> throw refused("Recording " + id + " changed epoch meanwhile (now "
					+ outcome.current() + "); look again.");
			case NOT_RECORDING -> throw refused("Recording " + id + " is " + outcome.current() + ".");
			case NO_ENVIRONMENT -> throw refused("Recording " + id
					+ " has no OpenVidu environment: its recorder never registered, so no backup can be started.");
			case NOT_FOUND -> throw RecordingStore.notFound(id);
			// a manual failover has no backoff: BACKOFF means the global cap
			case BACKOFF, CAPPED -> throw refused("Failover of recording " + id + " deferred: " + outcome.current()
					+ " backup recorders are running, HA_MAX_CONCURRENT_BACKUPS=" + properties.failover().maxConcurrentBackups()
					+ "; try again when one has ended.");
		};
	}

	FailoverViews.Status status() {
		boolean enabled = properties.failover().enabled();
		RuntimeStatus s = runtime.status();
		String image = properties.docker().recorderImage();
		Boolean present = null;
		if (enabled && s.reachable()) {
			try {
				present = runtime.imagePresent(image);
			}
			catch (RuntimeException ex) {
				present = null;
			}
		}
		List<FailoverViews.ActiveBackup> active = census.backups()
			.stream()
			.map(b -> new FailoverViews.ActiveBackup(b.id().value(), b.epoch(), b.status(), b.containerId(),
					b.state().pending(b.epoch())))
			.toList();
		var reconcilerView = new FailoverViews.Reconciler(instance.id(),
				lease.holder(RedisKeys.lease(reconciler.leaseName())), reconciler.leader(), reconciler.lastTickAt(),
				reconciler.judgingFrom(), reconciler.lastFullReconcileAt(), reconciler.backupsFound());
		return new FailoverViews.Status(enabled, enabled && s.reachable() && Boolean.TRUE.equals(present),
				new FailoverViews.Docker(s.reachable(), s.endpoint(), s.version(), s.apiVersion(), s.error(),
						s.eventsConnected(), runtime.engines().stream().map(FailoverViews.Engine::of).toList()),
				new FailoverViews.Image(image, present), reconcilerView, active,
				census.slow().stream().map(FailoverViews.SlowRecorder::of).toList(), reads.stats(),
				properties.failover().maxFailovers(), enabled && s.reachable() ? standbyClaims.view()
						: new FailoverViews.Standbys(standbys.wanted(), standbys.resolution(), 0, 0, null));
	}

	private Recording find(RecordingId id) {
		return recordings.require(id);
	}


	private static ApiException refused(String detail) {
		return new ApiException(ProblemType.FAILOVER_REFUSED, detail);
	}

}
