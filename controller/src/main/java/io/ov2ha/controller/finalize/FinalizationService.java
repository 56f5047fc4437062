package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Service;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.finalize.Finalization.State;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ProblemType;

/**
 * Finalizes recordings: the one joiner of the product. A finalization runs once across all
 * controller replicas (per-recording lease {@code finalize}), records every step in Redis, and
 * is resumed by any controller when the one running it dies ({@link FinalizationRecovery}).
 * Callers (the recorder's finalize call, the failover state machine, an admin) start it or join
 * the one already running, and wait for the same result.
 *
 * <p>
 * Status: RECORDING/STOPPING → FINALIZING → READY (verified) or FAILED (chunks kept, an admin
 * may retry: FAILED → FINALIZING). When chunk storage is unreachable the attempt is repeated
 * ({@code HA_FINALIZE_ATTEMPTS}, growing delay) before the recording fails.
 */
@Service
public class FinalizationService implements SmartLifecycle {

	private static final Log LOG = LogFactory.getLog(FinalizationService.class);

	static final Duration LEASE_TTL = Duration.ofSeconds(30);

	static final Duration LEASE_RENEW = Duration.ofSeconds(10);

	/** Longest wait of a finalize call: a recorder must still exit inside OpenVidu's 30 s window. */
	public static final Duration MAX_WAIT = Duration.ofSeconds(25);

	private static final Duration POLL = Duration.ofMillis(200);

	/** Who asks for a finalization. */
	public enum Source {

		/** The recorder of the current epoch, after it stopped (it waits for the result). */
		RECORDER,
		/** An operator; with {@code force} also a retry of a FAILED (or ABANDONED) recording. */
		ADMIN,
		/** The failover state machine, e.g. after the last backup stopped. */
		FAILOVER,
		/** The recovery scan, resuming an unfinished finalization. */
		RECOVERY;

		String label() {
			return name().toLowerCase();
		}

	}

	/**
	 * A request to finalize.
	 *
	 * @param source who asks
	 * @param epoch the caller's epoch (required from recorders; a stale one is refused with 409)
	 * @param force admin only: retry a FAILED or ABANDONED recording, or run a waiting retry now
	 */
	public record Trigger(Source source, Long epoch, boolean force) {

		public static Trigger recorder(long epoch) {
			return new Trigger(Source.RECORDER, epoch, false);
		}

		public static Trigger admin(boolean force) {
			return new Trigger(Source.ADMIN, null, force);
		}

		public static Trigger failover() {
			return new Trigger(Source.FAILOVER, null, false);
		}

	}

	private final RecordingStore recordings;

	private final FinalizationStore store;

	private final Joiner joiner;

	private final FinalizationOutcomes outcomes;

	private final RedisLease lease;

	private final ControllerInstance instance;

	private final HaProperties.Storage settings;

	private final Clock clock;

	private final MeterRegistry meters;

	private volatile ExecutorService workers;

	private volatile ScheduledExecutorService timers;

	/** Finalizations queued or running in this controller, by recording id. */
	private final Map<String, CompletableFuture<Finalization>> running = new ConcurrentHashMap<>();

	private final AtomicBoolean stopping = new AtomicBoolean();

	FinalizationService(RecordingStore recordings, FinalizationStore store, Joiner joiner,
			FinalizationOutcomes outcomes, RedisLease lease, ControllerInstance instance, HaProperties properties,
			Clock clock, MeterRegistry meters) {
		this.recordings = recordings;
		this.store = store;
		this.joiner = joiner;
		this.outcomes = outcomes;
		this.lease = lease;
		this.instance = instance;
		this.settings = properties.storage();
		this.clock = clock;
		this.meters = meters;
		// registered at start for every outcome, so dashboards and alerts see the series before the first one
		for (String outcome : new String[] { "ready", "failed", "retry", "aborted" }) {
			finalizationTimer(outcome);
		}
		this.workers = newWorkers(settings.finalizer().concurrency());
		this.timers = newTimers();
	}

	private static ExecutorService newWorkers(int concurrency) {
		AtomicInteger n = new AtomicInteger();
		return Executors.newFixedThreadPool(concurrency, r -> {
			Thread t = new Thread(r, "finalize-" + n.incrementAndGet());
			t.setDaemon(true);
			return t;
		});
	}

	private static ScheduledExecutorService newTimers() {
		return Executors.newSingleThreadScheduledExecutor(r -> {
			Thread t = new Thread(r, "finalize-timers");
			t.setDaemon(true);
			return t;
		});
	}

	// ------------------------------------------------------------------ public API

	/**
	 * Starts the finalization of a recording, or joins the one already running anywhere, and
	 * waits for its result at most {@code wait} (capped at {@link #MAX_WAIT}).
	 *
	 * @return the finalization: {@code state} DONE or FAILED when it ended, otherwise its current state
	 * @throws ApiException recording-not-found, stale-epoch, recording-final (FAILED/ABANDONED
	 *         without force; READY with force), recording-active (an admin on a RECORDING recording)
	 */
	public Finalization finalize(RecordingId id, Trigger trigger, Duration wait) {
		Duration bounded = wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait.isNegative() ? Duration.ZERO : wait;
		Instant deadline = clock.instant().plus(bounded);
		Recording recording = begin(id, trigger);
		if (recording.status() == RecordingStatus.FINALIZING) {
			if (trigger.source() == Source.RECORDER) {
				store.recorderWaits(id, recording.createdAt(), deadline);
			}
			CompletableFuture<Finalization> local = start(id);
			long left = deadline.toEpochMilli() - clock.millis();
			if (left > 0) {
				try {
					local.get(left, TimeUnit.MILLISECONDS);
				}
				catch (TimeoutException ex) {
					// still running: answer its state
				}
				catch (ExecutionException ex) {
					LOG.warn("event=finalize.wait_failed recordingId=" + id + " error=" + ex.getCause());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			while (!ended(id, recording.createdAt()) && clock.instant().isBefore(deadline)) {
				if (!sleep(POLL)) {
					break;
				}
			}
		}
		return view(recording.id(), recording.createdAt(), recording);
	}

	/**
	 * Starts (or joins) the finalization without waiting. The future completes when it ended
	 * (DONE or FAILED), wherever it runs; it does not complete while automatic retries go on.
	 */
	public CompletableFuture<Finalization> finalizeAsync(RecordingId id, Trigger trigger) {
		Recording recording = begin(id, trigger);
		CompletableFuture<Finalization> result = new CompletableFuture<>();
		if (recording.status() != RecordingStatus.FINALIZING) {
			result.complete(view(recording.id(), recording.createdAt(), recording));
			return result;
		}
		start(id).whenComplete((v, ex) -> watch(id, recording.createdAt(), result));
		return result;
	}

	/** The finalization of the recording's current incarnation (id, createdAt), if one was ever requested. */
	public Optional<Finalization> find(RecordingId id) {
		return recordings.find(id).flatMap(this::view);
	}

	/** The finalization of one incarnation of a recording id. */
	Optional<Finalization> find(RecordingId id, long createdAt, String status) {
		return store.find(id, createdAt, status);
	}

	// ------------------------------------------------------------------ requests

	private Recording begin(RecordingId id, Trigger trigger) {
		Recording recording = recordings.require(id);
		if (trigger.epoch() != null && trigger.epoch() != recording.epoch()) {
			throw staleEpoch(id, trigger.epoch(), recording.epoch());
		}
		String reason = "finalization requested by " + trigger.source().label()
				+ (trigger.epoch() != null ? " (epoch " + trigger.epoch() + ")" : "");
		switch (recording.status()) {
			case READY -> {
				if (trigger.force()) {
					throw final_(id, recording.status(), " A verified final is never rebuilt.");
				}
				return recording;
			}
			case FAILED, ABANDONED -> {
				if (!trigger.force() || trigger.source() != Source.ADMIN) {
					if (trigger.source() == Source.RECORDER || trigger.source() == Source.ADMIN) {
						throw final_(id, recording.status(),
								trigger.source() == Source.ADMIN ? " Retry with force=true." : "");
					}
					return recording;
				}
				store.request(id, recording.createdAt(), trigger.source().label(), clock.instant());
				store.rearm(id, recording.createdAt(), trigger.source().label());
				recordings.transition(id, RecordingStatus.FINALIZING,
						List.of(RecordingStatus.FAILED, RecordingStatus.ABANDONED),
						Map.of("statusReason", "finalization retried by an admin"));
				LOG.info("event=finalize.retry_requested recordingId=" + id + " previousStatus=" + recording.status());
			}
			case RECORDING, STOPPING -> {
				if (recording.status() == RecordingStatus.RECORDING && trigger.source() == Source.ADMIN) {
					throw new ApiException(ProblemType.RECORDING_ACTIVE,
							"Recording " + id + " is RECORDING; stop it first (POST /api/recordings/" + id + "/stop).",
							Map.of("recordingStatus", recording.status().name()));
				}
				store.request(id, recording.createdAt(), trigger.source().label(), clock.instant());
				// a recorder's finalize moves the recording only while its epoch is current, in the
				// same atomic step: a failover may claim the next epoch after the check above
				List<RecordingStatus> active = List.of(RecordingStatus.RECORDING, RecordingStatus.STOPPING);
				Map<String, String> fields = Map.of("statusReason", reason);
				var moved = trigger.epoch() == null ? recordings.transition(id, RecordingStatus.FINALIZING, active, fields)
						: recordings.transitionAtEpoch(id, RecordingStatus.FINALIZING, active, trigger.epoch(), fields);
				if (moved.code() == RecordingStore.TransitionCode.STALE_EPOCH) {
					throw staleEpoch(id, trigger.epoch(), Long.parseLong(moved.value(0)));
				}
			}
			case FINALIZING -> {
				store.request(id, recording.createdAt(), trigger.source().label(), clock.instant());
				if (trigger.force() && trigger.source() == Source.ADMIN) {
					store.rearm(id, recording.createdAt(), trigger.source().label());
				}
			}
		}
		LOG.info("event=finalize.requested recordingId=" + id + " source=" + trigger.source().label()
				+ (trigger.epoch() != null ? " epoch=" + trigger.epoch() : "") + " force=" + trigger.force());
		Recording now = recordings.require(id);
		if (now.createdAt() != recording.createdAt()) {
			throw new ApiException(ProblemType.RECORDING_NOT_FOUND, "Recording " + id + " was replaced meanwhile.");
		}
		return now;
	}

	private static ApiException staleEpoch(RecordingId id, long epoch, long current) {
		return new ApiException(ProblemType.STALE_EPOCH, "Epoch " + epoch + " of recording " + id
				+ " is not the current epoch " + current + "; this recorder has been replaced and must stop.",
				Map.of("currentEpoch", current));
	}

	private static ApiException final_(RecordingId id, RecordingStatus status, String hint) {
		return new ApiException(ProblemType.RECORDING_FINAL, "Recording " + id + " is already " + status + "." + hint,
				Map.of("recordingStatus", status.name()));
	}

	/** Starts the finalization in this controller unless it is already queued or running here. */
	CompletableFuture<Finalization> start(RecordingId id) {
		return running.computeIfAbsent(id.value(), key -> {
			CompletableFuture<Finalization> future = new CompletableFuture<>();
			future.whenComplete((v, ex) -> running.remove(key, future));
			try {
				workers.execute(() -> run(id, future));
			}
			catch (java.util.concurrent.RejectedExecutionException ex) {
				future.complete(null);
			}
			return future;
		});
	}

	/** Whether this controller has the recording's finalization queued or running. */
	boolean runningHere(RecordingId id) {
		return running.containsKey(id.value());
	}

	// ------------------------------------------------------------------ one attempt

	private void run(RecordingId id, CompletableFuture<Finalization> future) {
		Finalization result = null;
		String leaseKey = RedisKeys.lease("finalize", id);
		try {
			if (stopping.get() || !lease.tryAcquire(leaseKey, LEASE_TTL)) {
				return; // running in another controller: callers watch its state
			}
			AtomicBoolean lost = new AtomicBoolean();
			ScheduledFuture<?> renewal = timers.scheduleAtFixedRate(() -> {
				try {
					if (!lease.renew(leaseKey, LEASE_TTL)) {
						lost.set(true);
					}
				}
				catch (RuntimeException ex) {
					// Redis unreachable: the lease may expire; the attempt stops before its next step
					lost.set(true);
				}
			}, LEASE_RENEW.toMillis(), LEASE_RENEW.toMillis(), TimeUnit.MILLISECONDS);
			try {
				result = attempt(id, () -> {
					if (lost.get()) {
						throw new FinalizeFailure.Aborted("the finalize lease was lost");
					}
					if (stopping.get() || Thread.currentThread().isInterrupted()) {
						throw new FinalizeFailure.Aborted("the controller is stopping");
					}
				});
			}
			finally {
				renewal.cancel(false);
				Thread.interrupted();
				try {
					lease.release(leaseKey);
				}
				catch (RuntimeException ex) {
					// it expires by itself
				}
			}
		}
		catch (RuntimeException ex) {
			LOG.warn("event=finalize.run_failed recordingId=" + id + " error=" + ex.getClass().getSimpleName() + " "
					+ LogValues.quote(ex.getMessage()));
		}
		finally {
			future.complete(result);
		}
	}

	private Finalization attempt(RecordingId id, Joiner.Guard guard) {
		Recording recording = recordings.find(id).orElse(null);
		if (recording == null || recording.status() != RecordingStatus.FINALIZING) {
			return recording == null ? null : view(recording).orElse(null);
		}
		long createdAt = recording.createdAt();
		store.ensure(id, createdAt, Source.RECOVERY.label(), clock.instant());
		Finalization current = store.find(id, createdAt, recording.status().name()).orElseThrow();
		if (current.state() == State.DONE) {
			// the last attempt ended between storing DONE and the status change
			outcomes.ready(recording, store.find(id, createdAt, "FINALIZING").orElseThrow());
			return view(id, createdAt);
		}
		if (current.state() == State.RETRY_WAIT && current.nextAttemptAt() != null
				&& current.nextAttemptAt().isAfter(clock.instant())) {
			return current;
		}
		long attempt = store.start(id, createdAt, instance.id(), clock.instant());
		LOG.info("event=finalize.started recordingId=" + id + " createdAt=" + createdAt + " attempt=" + attempt
				+ " epoch=" + recording.epoch() + " controllerId=" + instance.id());
		Timer.Sample sample = Timer.start(meters);
		String outcome = "aborted";
		try {
			joiner.attempt(recording, attempt, guard);
			outcome = "ready";
			outcomes.ready(recording, store.find(id, createdAt, "FINALIZING").orElseThrow());
		}
		catch (FinalizeFailure ex) {
			if (ex.retryable() && attempt < settings.finalizer().attempts()) {
				outcome = "retry";
				Duration delay = settings.finalizer().retryDelay().multipliedBy(1L << Math.min(attempt - 1, 10));
				Instant next = clock.instant().plus(delay);
				store.retryWait(id, createdAt, ex.getMessage(), next, clock.instant());
				LOG.warn("event=finalize.retry_scheduled recordingId=" + id + " attempt=" + attempt + " nextAttemptAt="
						+ next + " error=" + LogValues.quote(ex.getMessage()));
			}
			else {
				outcome = "failed";
				outcomes.failed(recording, ex.getMessage());
			}
		}
		catch (FinalizeFailure.Aborted | Media.Interrupted ex) {
			// a shutdown interrupts the worker: clear the flag so the state and lease can still be written
			Thread.interrupted();
			LOG.warn("event=finalize.aborted recordingId=" + id + " attempt=" + attempt + " reason="
					+ LogValues.quote(ex.getMessage()) + " resume=recovery");
		}
		catch (DataAccessException ex) {
			LOG.warn("event=finalize.aborted recordingId=" + id + " attempt=" + attempt
					+ " reason=state_store_unavailable resume=recovery");
		}
		catch (IOException | RuntimeException ex) {
			if (stopping.get()) {
				Thread.interrupted();
				LOG.warn("event=finalize.aborted recordingId=" + id + " attempt=" + attempt
						+ " reason=\"the controller is stopping\" resume=recovery");
			}
			else {
				outcome = "failed";
				LOG.error("event=finalize.error recordingId=" + id + " attempt=" + attempt, ex);
				outcomes.failed(recording, "internal error: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
			}
		}
		finally {
			sample.stop(finalizationTimer(outcome));
		}
		return view(id, createdAt);
	}

	private Timer finalizationTimer(String outcome) {
		return Timer.builder("ov2ha.finalizations")
			.description("Finalization attempts by outcome")
			.tag("outcome", outcome)
			.register(meters);
	}

	// ------------------------------------------------------------------ views and waiting

	private Optional<Finalization> view(Recording recording) {
		return store.find(recording.id(), recording.createdAt(), recording.status().name());
	}

	private Finalization view(RecordingId id, long createdAt) {
		String status = recordings.find(id).filter(r -> r.createdAt() == createdAt).map(r -> r.status().name())
			.orElse(null);
		return store.find(id, createdAt, status).orElse(null);
	}

	/** The stored finalization, re-read; a placeholder if none was ever stored for this recording. */
	private Finalization view(RecordingId id, long createdAt, Recording fallback) {
		Finalization f = view(id, createdAt);
		if (f != null) {
			return f;
		}
		return new Finalization(id.value(), createdAt, fallback.status().name(), null, null, 0, null, null, null, null,
				null, null, "the controller has not finalized this recording", null, List.of(), List.of(), List.of(),
				false, null, null, null);
	}

	private boolean ended(RecordingId id, long createdAt) {
		Finalization f = view(id, createdAt);
		return f == null || f.state().terminal();
	}

	private void watch(RecordingId id, long createdAt, CompletableFuture<Finalization> result) {
		Instant giveUp = clock.instant().plus(settings.finalizer().timeout()).plus(Duration.ofMinutes(10));
		Runnable[] check = new Runnable[1];
		check[0] = () -> {
			try {
				Finalization f = view(id, createdAt);
				if (f == null || f.state().terminal() || clock.instant().isAfter(giveUp)) {
					result.complete(f);
				}
				else if (!stopping.get()) {
					timers.schedule(check[0], 1, TimeUnit.SECONDS);
				}
			}
			catch (RuntimeException ex) {
				if (!stopping.get()) {
					timers.schedule(check[0], 1, TimeUnit.SECONDS);
				}
			}
		};
		check[0].run();
	}

	private static boolean sleep(Duration d) {
		try {
			Thread.sleep(d.toMillis());
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/** For the recovery scan: due unless retrying later or running somewhere. */
	boolean due(RecordingId id, long createdAt) {
		if (runningHere(id) || lease.holder(RedisKeys.lease("finalize", id)) != null) {
			return false;
		}
		Finalization f = store.find(id, createdAt, null).orElse(null);
		return f == null || f.state() != State.RETRY_WAIT || f.nextAttemptAt() == null
				|| !f.nextAttemptAt().isAfter(clock.instant());
	}

	ScheduledExecutorService timers() {
		return timers;
	}

	boolean stopping() {
		return stopping.get();
	}

	// Stopped after the web server (its graceful shutdown lets waiting finalize calls end) and
	// before the Redis connection (phase 0), so that an interrupted attempt still records its
	// state and releases its lease for another controller.

	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 4096;
	}

	/**
	 * The workers start with the bean; after a {@link #stop()} without a close (a context stopped
	 * and started again, as the test framework pauses a cached context) they start anew, or every
	 * later finalization would be refused silently.
	 */
	@Override
	public synchronized void start() {
		if (stopping.get()) {
			workers = newWorkers(settings.finalizer().concurrency());
			timers = newTimers();
			stopping.set(false);
		}
	}

	@Override
	public boolean isRunning() {
		return !stopping.get();
	}

	@Override
	public synchronized void stop() {
		if (!stopping.compareAndSet(false, true)) {
			return;
		}
		workers.shutdownNow();
		try {
			if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
				LOG.warn("event=finalize.shutdown_incomplete");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		timers.shutdownNow();
	}

}
