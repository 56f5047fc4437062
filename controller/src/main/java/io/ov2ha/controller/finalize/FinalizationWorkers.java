package io.ov2ha.controller.finalize;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.finalize.Finalization.State;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.DaemonThreads;
import io.ov2ha.controller.support.LogValues;

/**
 * The finalizations this controller runs: a pool of {@code HA_FINALIZE_CONCURRENCY} workers
 * (each finalization queued or running here once, whoever asks) that run one
 * {@link FinalizationAttempt} under the recording's lease ({@link FinalizationLeases}), the
 * timers of the lease renewals and of the callers that watch a finalization, and their lifecycle:
 * stopped with the controller so that an interrupted attempt still records its state and
 * releases its lease. {@link FinalizationService} starts finalizations here,
 * {@link FinalizationService#resumeIfDue} resumes the ones that are due.
 */
@Component
class FinalizationWorkers implements SmartLifecycle {

	private static final Log LOG = LogFactory.getLog(FinalizationWorkers.class);

	private final FinalizationStore store;

	private final FinalizationAttempt attempts;

	private final FinalizationLeases leases;

	private final HaProperties.Storage settings;

	private final Clock clock;

	private volatile ExecutorService workers;

	private volatile ScheduledExecutorService timers;

	/** Finalizations queued or running in this controller, by recording id. */
	private final Map<String, CompletableFuture<Finalization>> running = new ConcurrentHashMap<>();

	private final AtomicBoolean stopping = new AtomicBoolean();

	FinalizationWorkers(FinalizationStore store, FinalizationAttempt attempts, FinalizationLeases leases,
			HaProperties properties, Clock clock) {
		this.store = store;
		this.attempts = attempts;
		this.leases = leases;
		this.settings = properties.storage();
		this.clock = clock;
		this.workers = newWorkers(settings.finalizer().concurrency());
		this.timers = newTimers();
	}

	private static ExecutorService newWorkers(int concurrency) {
		return DaemonThreads.fixedPool("finalize", concurrency);
	}

	private static ScheduledExecutorService newTimers() {
		return DaemonThreads.scheduler("finalize-timers");
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

	/** For a resumption ({@link FinalizationService#resumeIfDue}): due unless retrying later or running somewhere. */
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
		if (!DaemonThreads.shutdown(workers, Duration.ofSeconds(10))) {
			LOG.warn("event=finalize.shutdown_incomplete");
		}
		timers.shutdownNow();
	}

}
