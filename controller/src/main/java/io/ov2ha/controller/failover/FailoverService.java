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
import io.ov2ha.controller.docker.BackupSpec;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.support.LogValues;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The failover itself: claim the next epoch (the fence), kill the old recorder by id, start the
 * backup from the next chunk, record it. Every step is safe to repeat and safe with several
 * controllers: only the winner of the Redis claim starts a container, and a container whose
 * epoch is no longer current when it is recorded is killed again.
 */
@Service
class FailoverService {

	private static final Log LOG = LogFactory.getLog(FailoverService.class);

	/** How long one start attempt may hold the pending epoch before another controller retries. */
	static final Duration ATTEMPT_LEASE = Duration.ofSeconds(20);

	private final HaProperties properties;

	private final FailoverStore store;

	private final RecordingStore recordings;

	private final RecorderRuntime runtime;

	private final BackupSpecs specs;

	private final ControllerInstance instance;

	private final FailoverMetrics metrics;

	private final JsonMapper json;

	private final Clock clock;

	private final FinalStatusNotifier notifier;

	FailoverService(HaProperties properties, FailoverStore store, RecordingStore recordings, RecorderRuntime runtime,
			BackupSpecs specs, ControllerInstance instance, FailoverMetrics metrics, JsonMapper json,
			Clock clock, FinalStatusNotifier notifier) {
		this.properties = properties;
		this.notifier = notifier;
		this.store = store;
		this.recordings = recordings;
		this.runtime = runtime;
		this.specs = specs;
		this.instance = instance;
		this.metrics = metrics;
		this.json = json;
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
	 */
	record Evidence(Instant failedAt, String failedAtSource, String detail, String oldContainerId, boolean killOld) {
	}

	/**
	 * How a failover request ended.
	 *
	 * @param code CLAIMED, or why not: an answer of failover-claim.lua (a CAPPED claim is told
	 *        as BACKOFF, with the running backups in {@code current})
	 * @param newEpoch the claimed epoch, else null
	 * @param retryAt for BACKOFF: when a failover becomes possible
	 * @param current for NOT_RECORDING: the status; for EPOCH_CHANGED/PENDING: the epoch; for a
	 *        BACKOFF because HA_MAX_CONCURRENT_BACKUPS backups run: their number (else null)
	 */
	record Outcome(FailoverStore.ClaimCode code, Long newEpoch, Instant retryAt, String current) {

		boolean claimed() {
			return code == FailoverStore.ClaimCode.CLAIMED;
		}

		/** A refusal of the claim, with its value. */
		static Outcome refused(FailoverStore.ClaimCode code, LuaAnswer<FailoverStore.ClaimCode> claim) {
			return new Outcome(code, null, null, claim.value(0));
		}

	}

	/** Replaces the recorder of {@code observedEpoch} of the recording. */
	Outcome failover(Recording r, FailoverReason reason, Evidence evidence, boolean manual) {
		Instant detectedAt = clock.instant();
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("recordingId", r.id().value());
		entry.put("detail", evidence.detail());
		entry.put("failedAt", evidence.failedAt() == null ? null : evidence.failedAt().toEpochMilli());
		entry.put("failedAtSource", evidence.failedAtSource());
		entry.put("detectedAt", detectedAt.toEpochMilli());
		entry.put("oldContainerId", evidence.oldContainerId() == null ? "" : evidence.oldContainerId());
		var failover = properties.failover();
		var claim = store.claim(r.id(), r.epoch(), failover.maxFailovers(), instance.id(), detectedAt,
				failover.backoff().toMillis(), ATTEMPT_LEASE.toMillis(), reason, entry, manual,
				failover.maxConcurrentBackups());
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
				return new Outcome(FailoverStore.ClaimCode.BACKOFF, null, detectedAt.plus(failover.backoff()), claim.value(0));
			}
			case EXHAUSTED -> {
				exhaust(r, "the recorder failed (" + reason.slug() + ") after " + claim.value(0)
						+ " failovers; HA_MAX_FAILOVERS=" + failover.maxFailovers());
				if (evidence.killOld()) {
					killQuietly(evidence.oldContainerId());
				}
				return new Outcome(FailoverStore.ClaimCode.EXHAUSTED, null, null, null);
			}
			case BACKOFF -> {
				return new Outcome(FailoverStore.ClaimCode.BACKOFF, null, Instant.ofEpochMilli(claim.longValue(0)), null);
			}
			case NOT_FOUND -> {
				return Outcome.refused(FailoverStore.ClaimCode.NOT_FOUND, claim);
			}
			case NOT_RECORDING -> {
				return Outcome.refused(FailoverStore.ClaimCode.NOT_RECORDING, claim);
			}
			case EPOCH_CHANGED -> {
				return Outcome.refused(FailoverStore.ClaimCode.EPOCH_CHANGED, claim);
			}
			case PENDING -> {
				return Outcome.refused(FailoverStore.ClaimCode.PENDING, claim);
			}
			case NO_ENVIRONMENT -> {
				return Outcome.refused(FailoverStore.ClaimCode.NO_ENVIRONMENT, claim);
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
		startBackup(r.id(), newEpoch, 1);
		return new Outcome(FailoverStore.ClaimCode.CLAIMED, newEpoch, null, null);
	}

	/** Retries starting the backup of a claimed epoch whose earlier attempt failed or was lost. */
	void retryStart(RecordingId id, long epoch) {
		var taken = store.takeAttempt(id, epoch, instance.id(), clock.instant(),
				ATTEMPT_LEASE.toMillis(), properties.failover().maxFailovers());
		switch (taken.code()) {
			case TAKEN -> {
				LOG.info("event=failover.start_retry recordingId=" + id + " epoch=" + epoch + " attempt="
						+ taken.value(0));
				startBackup(id, epoch, Integer.parseInt(taken.value(0)));
			}
			case EXHAUSTED -> recordings.find(id)
				.ifPresent(r -> exhaust(r, "the backup of epoch " + epoch + " could not be started in "
						+ taken.value(0) + " attempts"));
			default -> {
				// someone else is on it, or it resolved meanwhile
			}
		}
	}

	/** Starts (or adopts) the backup of a claimed epoch and records it. */
	void startBackup(RecordingId id, long epoch, int attempt) {
		Optional<Recording> current = recordings.find(id);
		if (current.isEmpty() || current.get().epoch() != epoch) {
			return;
		}
		Recording r = current.get();
		long startChunk = -1;
		String containerId;
		String name;
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
				startChunk = specs.startChunk(r);
				steps.lap("chunkLookupMs");
				BackupSpec spec = specs.spec(r, epoch, startChunk);
				containerId = runtime.startBackup(spec);
				steps.lap("dockerMs");
				name = spec.name();
			}
		}
		catch (RuntimeException ex) {
			startFailed(r, epoch, attempt, startChunk, ex.getMessage());
			return;
		}
		recordStarted(r, epoch, containerId, name, startChunk, steps);
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
		return Optional.ofNullable(adopt);
	}

	private void recordStarted(Recording r, long epoch, String containerId, String name, long startChunk,
			StepTimes steps) {
		Instant now = clock.instant();
		Map<String, Object> patch = new LinkedHashMap<>();
		patch.put("backupContainerId", containerId);
		patch.put("backupContainerName", name);
		patch.put("backupStartedAt", now.toEpochMilli());
		if (startChunk >= 0) {
			patch.put("startChunk", startChunk);
		}
		patch.put("error", null);
		var result = store.started(r.id(), epoch, containerId, runtime.status().endpoint(), now,
				startChunk, patch);
		switch (result.code()) {
			case RECORDED -> {
				RecordingStatus status = RecordingStatus.valueOf(result.value(0));
				if (status != RecordingStatus.RECORDING) {
					// the recording was stopped while the backup was starting: it has nothing to record
					LOG.info("event=failover.backup_not_needed recordingId=" + r.id() + " epoch=" + epoch
							+ " containerId=" + ContainerLabels.shortId(containerId) + " status=" + status);
					killQuietly(containerId);
					return;
				}
				LOG.info("event=failover.backup_started recordingId=" + r.id() + " epoch=" + epoch + " containerId="
						+ ContainerLabels.shortId(containerId) + " name=" + name + " startChunk=" + startChunk + steps);
			}
			default -> {
				// superseded (another failover claimed a later epoch) or the recording ended: never two writers
				LOG.warn("event=failover.backup_superseded recordingId=" + r.id() + " epoch=" + epoch
						+ " containerId=" + ContainerLabels.shortId(containerId) + " result=" + result.code());
				store.update(r.id(), r.createdAt(), epoch, Map.of("outcome", "superseded"), Map.of());
				killQuietly(containerId);
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
	boolean fail(Recording r, String why) {
		var outcome = recordings.transition(r.id(), RecordingStatus.FAILED, List.of(RecordingStatus.RECORDING),
				Map.of("statusReason", why, "controllerAnnounces", "1"));
		if (outcome.code() != RecordingStore.TransitionCode.CHANGED) {
			return false;
		}
		notifier.finalStatusReached(r.id(), RecordingStatus.FAILED, r.stopReason());
		return true;
	}

	/**
	 * The current recorder's container: by its exact id, or, for a primary that registered
	 * without one, by OpenVidu's exact container name, verified by its environment and then
	 * recorded (so that its Docker events are recognised from then on).
	 */
	Optional<RecorderContainer> currentContainer(Recording r) {
		if (ContainerLabels.isExactId(r.containerId())) {
			return runtime.inspect(r.containerId());
		}
		if (r.epoch() != 0) {
			return Optional.empty();
		}
		Optional<RecorderContainer> byName = runtime.inspectByExactName(r.id().openViduContainerName());
		if (byName.isEmpty() || !isPrimaryOf(byName.get(), r)) {
			return Optional.empty();
		}
		if (store.adoptPrimary(r.id(), 0, byName.get().id())) {
			LOG.info("event=failover.primary_identified recordingId=" + r.id() + " containerId="
					+ ContainerLabels.shortId(byName.get().id()) + " name=" + byName.get().name());
		}
		return byName;
	}

	private boolean isPrimaryOf(RecorderContainer c, Recording r) {
		if (!r.id().value().equals(c.env().get("VIDEO_ID"))) {
			return false;
		}
		String recordingJson = c.env().get("RECORDING_JSON");
		if (recordingJson == null) {
			return true;
		}
		try {
			JsonNode createdAt = json.readTree(recordingJson).path("createdAt");
			return !createdAt.isIntegralNumber() || createdAt.asLong() == r.createdAt();
		}
		catch (JacksonException ex) {
			return true;
		}
	}

	/** Kills by exact id; false when it was not running, unknown or the runtime failed. */
	boolean killQuietly(String containerId) {
		if (!ContainerLabels.isExactId(containerId)) {
			return false;
		}
		try {
			boolean killed = runtime.kill(containerId);
			if (killed) {
				LOG.info("event=failover.container_killed containerId=" + ContainerLabels.shortId(containerId));
			}
			return killed;
		}
		catch (RuntimeException ex) {
			LOG.warn("event=failover.kill_failed containerId=" + ContainerLabels.shortId(containerId) + " error="
					+ LogValues.quote(ex.getMessage()));
			return false;
		}
	}

	/** Writes the backup's first chunk time into the history once it is in the manifest. */
	void checkFirstChunk(Snapshot s) {
		Long epoch = s.state().awaitFirstChunkEpoch();
		if (epoch == null) {
			return;
		}
		if (epoch != s.epoch()) {
			store.update(s.id(), s.createdAt(), null, null, Map.of("awaitFirstChunkEpoch", ""));
			return;
		}
		Long seq = s.state().firstChunkSeq();
		Optional<Instant> at = seq == null || seq < 0 ? Optional.empty() : store.chunkReportedAt(s.id(), seq, epoch);
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
		Instant failedAt = store.historyEntry(s.id(), epoch).map(FailoverRecord::failedAt).orElse(null);
		metrics.firstChunk(failedAt, firstChunkAt);
		LOG.info("event=failover.backup_first_chunk recordingId=" + s.id() + " epoch=" + epoch + " seq=" + seq
				+ " sinceFailureMs=" + (failedAt == null ? "" : Duration.between(failedAt, firstChunkAt).toMillis()));
	}

}
