package io.ov2ha.controller.finalize;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;


import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Service;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.finalize.Finalization.State;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.web.ApiException;

/**
 * Finalizes recordings: the one joiner of the product. A finalization runs once across all
 * controller replicas (per-recording lease {@code finalize}), records every step in Redis, and
 * is resumed by any controller when the one running it dies ({@link FinalizationRecovery}).
 * Callers (the recorder's finalize call, the failover state machine, an admin) start it or join
 * the one already running, and wait for the same result. The parts: {@link FinalizationAdmission}
 * (may this request finalize now?), {@link FinalizationLeases} (once across replicas),
 * {@link FinalizationAttempt} (one attempt and its outcome), {@link FinalizationViews} (what the
 * API answers).
 *
 * <p>
 * Status: RECORDING/STOPPING → FINALIZING → READY (verified) or FAILED (chunks kept, an admin
 * may retry: FAILED → FINALIZING). When chunk storage is unreachable the attempt is repeated
 * ({@code HA_FINALIZE_ATTEMPTS}, growing delay) before the recording fails.
 */
@Service
public class FinalizationService implements SmartLifecycle {

	private static final Log LOG = LogFactory.getLog(FinalizationService.class);

	/** Longest wait of a finalize call: a recorder must still exit inside OpenVidu's 30 s window. */
	public static final Duration MAX_WAIT = Duration.ofSeconds(25);

	private static final Duration POLL = Duration.ofMillis(200);

	private final RecordingStore recordings;

	private final FinalizationStore store;

	private final FinalizationAdmission admission;

	private final FinalizationAttempt attempts;

	private final FinalizationViews views;

	private final FinalizationLeases leases;

	private final HaProperties.Storage settings;

	private final Clock clock;

	private volatile ExecutorService workers;

	private volatile ScheduledExecutorService timers;

	/** Finalizations queued or running in this controller, by recording id. */
	private final Map<String, CompletableFuture<Finalization>> running = new ConcurrentHashMap<>();

	private final AtomicBoolean stopping = new AtomicBoolean();

	FinalizationService(RecordingStore recordings, FinalizationStore store, FinalizationAdmission admission,
			FinalizationAttempt attempts, FinalizationViews views, FinalizationLeases leases, HaProperties properties,
			Clock clock) {
		this.recordings = recordings;
		this.store = store;
		this.admission = admission;
		this.attempts = attempts;
		this.views = views;
		this.leases = leases;
		this.settings = properties.storage();
		this.clock = clock;
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
	public Finalization finalize(RecordingId id, FinalizationRequest trigger, Duration wait) {
		Duration bounded = wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait.isNegative() ? Duration.ZERO : wait;
		Instant deadline = clock.instant().plus(bounded);
		Recording recording = admission.begin(id, trigger);
		if (recording.status() == RecordingStatus.FINALIZING) {
			if (trigger.source() == FinalizationRequest.Source.RECORDER) {
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
			while (!views.ended(id, recording.createdAt()) && clock.instant().isBefore(deadline)) {
				if (!sleep(POLL)) {
					break;
				}
			}
		}
		return views.view(recording.id(), recording.createdAt(), recording);
	}

	/**
	 * Starts (or joins) the finalization without waiting. The future completes when it ended
	 * (DONE or FAILED), wherever it runs; it does not complete while automatic retries go on.
	 */
	public CompletableFuture<Finalization> finalizeAsync(RecordingId id, FinalizationRequest trigger) {
		Recording recording = admission.begin(id, trigger);
		CompletableFuture<Finalization> result = new CompletableFuture<>();
		if (recording.status() != RecordingStatus.FINALIZING) {
			result.complete(views.view(recording.id(), recording.createdAt(), recording));
			return result;
		}
		start(id).whenComplete((v, ex) -> watch(id, recording.createdAt(), result));
		return result;
	}

	/** The finalization of the recording's current incarnation (id, createdAt), if one was ever requested. */
	public Optional<Finalization> find(RecordingId id) {
		return recordings.find(id).flatMap(views::view);
	}

	/** The finalization of one incarnation of a recording id. */
	Optional<Finalization> find(RecordingId id, long createdAt, String status) {
		return store.find(id, createdAt, status);
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

	// ------------------------------------------------------------------ one attempt, under the lease

	private void run(RecordingId id, CompletableFuture<Finalization> future) {
		Finalization result = null;
		try {
			if (!stopping.get()) {
				// null when another controller runs it: callers watch its state
				result = leases.run(id, timers, stopping::get, guard -> attempts.attempt(id, guard, stopping::get));
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

	// ------------------------------------------------------------------ views and waiting

	private void watch(RecordingId id, long createdAt, CompletableFuture<Finalization> result) {
		Instant giveUp = clock.instant().plus(settings.finalizer().timeout()).plus(Duration.ofMinutes(10));
		Runnable[] check = new Runnable[1];
		check[0] = () -> {
			try {
				Finalization f = views.view(id, createdAt);
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
		if (runningHere(id) || leases.held(id)) {
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
