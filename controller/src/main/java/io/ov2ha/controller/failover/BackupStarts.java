package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.BackupSpec;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecorderHandover;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.support.LogValues;

/**
 * The start of a claimed epoch's backup: adopts a running container of that epoch (an attempt
 * whose controller died before recording it), or hands the recording to a warm standby
 * ({@link StandbyHandover}), or starts a new one from its {@link BackupSpecs}; records it, and
 * kills it when the recording moved on meanwhile (never two writers). A failed start is recorded
 * with a growing delay before the next attempt.
 */
@Component
class BackupStarts {

	private static final Log LOG = LogFactory.getLog(BackupStarts.class);

	private final HaProperties properties;

	private final FailoverStore store;

	private final RecorderHandover handover;

	private final FailoverReads reads;

	private final RecordingStore recordings;

	private final RecorderRuntime runtime;

	private final BackupSpecs specs;

	private final RecorderContainers containers;

	private final FailoverMetrics metrics;

	private final StandbyHandover standbys;

	private final Clock clock;

	BackupStarts(HaProperties properties, FailoverStore store, RecorderHandover handover, FailoverReads reads,
			RecordingStore recordings, RecorderRuntime runtime, BackupSpecs specs, RecorderContainers containers,
			FailoverMetrics metrics, StandbyHandover standbys, Clock clock) {
		this.properties = properties;
		this.store = store;
		this.handover = handover;
		this.reads = reads;
		this.recordings = recordings;
		this.runtime = runtime;
		this.specs = specs;
		this.containers = containers;
		this.metrics = metrics;
		this.standbys = standbys;
		this.clock = clock;
	}

	/** Starts (or adopts) the backup of a claimed epoch and records it. */
	void start(RecordingId id, long epoch, int attempt) {
		Optional<Recording> current = recordings.find(id);
		if (current.isEmpty() || current.get().epoch() != epoch) {
			return;
		}
		Recording r = current.get();
		long startChunk = -1;
		String containerId;
		String name;
		BackupSpec handedOver = null;
		String claimed = null;
		StepTimes steps = new StepTimes();
		try {
			Optional<RecorderContainer> existing = existingBackup(r, epoch);
			steps.lap("listMs");
			if (existing.isPresent()) {
				// started by an attempt whose controller died before recording it: adopt, never duplicate
				containerId = existing.get().id();
				name = existing.get().name();
				startChunk = runtime.inspect(containerId)
					.map(c -> FailoverState.number(c.env().get("HA_START_CHUNK")))
					.orElse(-1L);
			}
			else {
				// fails before a standby is claimed when the recording has no environment to hand over
				Map<String, String> env = specs.openViduEnv(r);
				CompletableFuture<Long> lookup = specs.startChunk(r);
				name = ContainerLabels.backupName(r.id(), epoch);
				claimed = standbys.claim(r, name).orElse(null);
				steps.lap("standbyClaimMs");
				// what the bucket's list takes beyond the claim (bounded: BackupSpecs.LIST_WAIT)
				startChunk = lookup.join();
				steps.lap("chunkLookupWaitMs");
				BackupSpec spec = specs.spec(r, env, epoch, startChunk);
				if (runtime.engineCount() > 1) {
					// near the recorder it replaces: its engine, while that engine answers
					spec = spec.placedNear(reads.historyEntry(r.id(), epoch).map(FailoverRecord::oldContainerId).orElse(""));
				}
				if (claimed != null) {
					containerId = claimed;
					handedOver = spec;
				}
				else {
					containerId = runtime.startBackup(spec);
					steps.lap("dockerMs");
				}
			}
		}
		catch (RuntimeException ex) {
			if (claimed != null) {
				// renamed for this epoch, never recorded: out of the way of the next attempt
				containers.killQuietly(claimed);
				standbys.release(claimed);
			}
			startFailed(r, epoch, attempt, startChunk, ex.getMessage());
			return;
		}
		if (recordStarted(r, epoch, containerId, name, startChunk, steps, handedOver != null) && handedOver != null) {
			String old = reads.historyEntry(r.id(), epoch).map(FailoverRecord::oldContainerId).orElse("");
			if (standbys.assign(r, epoch, containerId, old, handedOver)) {
				metrics.handedOver();
			}
		}
		else if (handedOver != null) {
			standbys.release(containerId);
		}
	}

	/** Where the time of a backup start goes, for its log line ({@code listMs=.. dockerMs=..}). */
	private static final class StepTimes {

		private final StringBuilder text = new StringBuilder();

		private long last = System.nanoTime();

		void lap(String key) {
			long now = System.nanoTime();
			text.append(' ').append(key).append('=').append((now - last) / 1_000_000);
			last = now;
		}

		@Override
		public String toString() {
			return text.toString();
		}

	}

	private Optional<RecorderContainer> existingBackup(Recording r, long epoch) {
		Map<String, String> labels = Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.RECORDING_ID,
				r.id().value(), ContainerLabels.EPOCH, Long.toString(epoch));
		RecorderContainer adopt = null;
		for (RecorderContainer c : runtime.listByLabels(labels)) {
			boolean same = Long.toString(r.createdAt()).equals(c.labels().get(ContainerLabels.RECORDING_CREATED_AT));
			if (same && c.running() && adopt == null) {
				adopt = c;
			}
			else if (!c.running()) {
				// a dead leftover with this epoch's name: out of the way (it is ours, by label)
				runtime.remove(c.id());
			}
		}
		if (adopt == null) {
			// a standby renamed for this epoch by a controller that died before recording it: it may
			// have its assignment or not, so it never records; out of the way of the new backup
			runtime.inspectByExactName(ContainerLabels.backupName(r.id(), epoch))
				.filter(c -> ContainerLabels.ROLE_STANDBY.equals(c.labels().get(ContainerLabels.ROLE)))
				.ifPresent(c -> {
					LOG.warn("event=failover.standby_leftover recordingId=" + r.id() + " epoch=" + epoch
							+ " containerId=" + ContainerLabels.shortId(c.id()) + " action=remove");
					containers.killQuietly(c.id());
					runtime.remove(c.id());
				});
		}
		return Optional.ofNullable(adopt);
	}

	/** @return whether the container is the epoch's recorder now */
	private boolean recordStarted(Recording r, long epoch, String containerId, String name, long startChunk,
			StepTimes steps, boolean standby) {
		Instant now = clock.instant();
		Map<String, Object> patch = new LinkedHashMap<>();
		patch.put("backupContainerId", containerId);
		patch.put("backupContainerName", name);
		patch.put("backupStartedAt", now.toEpochMilli());
		patch.put("standby", standby);
		if (startChunk >= 0) {
			patch.put("startChunk", startChunk);
		}
		patch.put("error", null);
		var engine = runtime.statusOf(containerId);
		var result = handover.started(r.id(), epoch, containerId, engine.endpoint(), engine.hostName(), now, startChunk,
				patch);
		switch (result.code()) {
			case RECORDED -> {
				RecordingStatus status = RecordingStatus.valueOf(result.value(0));
				if (status != RecordingStatus.RECORDING) {
					// the recording was stopped while the backup was starting: it has nothing to record
					LOG.info("event=failover.backup_not_needed recordingId=" + r.id() + " epoch=" + epoch
							+ " containerId=" + ContainerLabels.shortId(containerId) + " status=" + status);
					containers.killQuietly(containerId);
					return false;
				}
				if (standby) {
					// judged against the standby's short take-over deadline, not the start deadline (a
					// failed write leaves it the start deadline: the hand-over goes on)
					try {
						store.update(r.id(), r.createdAt(), null, null, Map.of("standbyEpoch", Long.toString(epoch)));
					}
					catch (RuntimeException ex) {
						LOG.warn("event=standby.deadline_not_recorded recordingId=" + r.id() + " epoch=" + epoch
								+ " error=" + LogValues.quote(ex.getMessage()));
					}
				}
				LOG.info("event=failover.backup_started recordingId=" + r.id() + " epoch=" + epoch + " containerId="
						+ ContainerLabels.shortId(containerId) + " name=" + name + " startChunk=" + startChunk
						+ " standby=" + standby + steps);
				return true;
			}
			default -> {
				// superseded (another failover claimed a later epoch) or the recording ended: never two writers
				LOG.warn("event=failover.backup_superseded recordingId=" + r.id() + " epoch=" + epoch
						+ " containerId=" + ContainerLabels.shortId(containerId) + " result=" + result.code());
				store.update(r.id(), r.createdAt(), epoch, Map.of("outcome", "superseded"), Map.of());
				containers.killQuietly(containerId);
				return false;
			}
		}
	}

	private void startFailed(Recording r, long epoch, int attempt, long startChunk, String error) {
		metrics.startFailed();
		String message = error == null ? "unknown error" : error;
		Duration backoff = properties.failover().backoff().multipliedBy(1L << Math.min(attempt - 1, 4));
		Instant next = clock.instant().plus(backoff);
		Map<String, Object> patch = new LinkedHashMap<>();
		patch.put("error", message);
		patch.put("outcome", "start-failed");
		if (startChunk >= 0) {
			patch.put("startChunk", startChunk);
		}
		store.update(r.id(), r.createdAt(), epoch, patch,
				Map.of("lastError", message, "nextAttemptAt", Long.toString(next.toEpochMilli())));
		LOG.warn("event=failover.start_failed recordingId=" + r.id() + " epoch=" + epoch + " attempt=" + attempt
				+ " retryInMs=" + backoff.toMillis() + " error=" + LogValues.quote(message));
	}

}
