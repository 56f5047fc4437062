package io.ov2ha.controller.reconcile;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

import io.ov2ha.controller.failover.FailoverService;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.DaemonThreads;

/**
 * The reconciler's per-recording workers: one task at a time per recording ({@link KeyedExecutor}),
 * {@link FailoverService#WORKERS} threads. There are none with failover off (no recorder is judged,
 * started or stopped), and none while the reconciler is stopped: a task submitted then is dropped
 * (the next lease holder's sweep finds what is left). A start after a stop makes new threads.
 */
final class RecordingWorkers {

	private final BooleanSupplier running;

	private ExecutorService pool;

	private volatile KeyedExecutor current;

	/** @param running whether the reconciler runs: tasks are dropped when not */
	RecordingWorkers(BooleanSupplier running) {
		this.running = running;
	}

	synchronized void start() {
		pool = DaemonThreads.fixedPool("failover-worker", FailoverService.WORKERS);
		current = new KeyedExecutor(pool);
	}

	/** Stops the threads (5 s for the running tasks); a no-op when none were started. */
	synchronized void stop() {
		if (pool != null) {
			DaemonThreads.shutdown(pool, Duration.ofSeconds(5));
		}
	}

	/** The workers now (null before the first start, or with failover off). */
	KeyedExecutor current() {
		return current;
	}

	/**
	 * Runs {@code task} on the worker of {@code id}, behind what is queued for it ({@code ifIdle}:
	 * skipped when some is queued); dropped once stopped.
	 */
	void submit(RecordingId id, Runnable task, boolean ifIdle) {
		KeyedExecutor workers = current;
		if (!running.getAsBoolean() || workers == null) {
			return;
		}
		try {
			if (ifIdle) {
				workers.submitIfIdle(id.value(), task);
			}
			else {
				workers.submit(id.value(), task);
			}
		}
		catch (RejectedExecutionException ex) {
			// stopping: the next controller's sweep finds what is left
		}
	}

	/**
	 * Where a decision on OpenVidu's answer runs: the recording's worker queue, behind what is
	 * already queued for it (never on an OpenVidu thread). Dropped once stopped.
	 */
	Executor decisions(RecordingId id) {
		return task -> submit(id, task, false);
	}

}
