package io.ov2ha.controller.support;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;

/**
 * A pass run every {@code period} on one daemon thread of its own, the first one
 * {@code initialDelay} after {@link #start()}: the one idiom of the controller's periodic work,
 * owned by a {@link PeriodicComponent} (a {@code SmartLifecycle}): a stop (a shutdown, or the
 * test framework pausing a cached context) ends the schedule before Redis goes away and waits
 * for a pass under way (interrupted: a pass must leave Redis consistent when interrupted, which
 * the atomic scripts ensure); a start after it schedules anew on a new thread. A pass that
 * throws (also an Error) is logged ({@code event=<event>.run_failed}) and the next one runs as
 * planned.
 */
public final class PeriodicPass {

	private final String thread;

	private final String event;

	private final Log log;

	private final Runnable pass;

	/** Guards {@link #scheduler} (not the passes). */
	private final Object lifecycle = new Object();

	/** Null while stopped. */
	private volatile ScheduledExecutorService scheduler;

	/** A pass asked for by {@link #runSoon} is queued and has not begun. */
	private final AtomicBoolean soon = new AtomicBoolean();

	/** When {@link #start()} schedules the first pass, and then every how long. */
	private final Duration initialDelay;

	private final Duration period;

	/**
	 * @param thread the thread's name
	 * @param event the log events' prefix
	 * @param log the owner's log
	 * @param initialDelay when {@link #start()} runs the first pass
	 * @param period the delay between the end of a pass and the next
	 * @param pass one pass; an interrupt means the schedule is stopping
	 */
	public PeriodicPass(String thread, String event, Log log, Duration initialDelay, Duration period, Runnable pass) {
		this.thread = thread;
		this.event = event;
		this.log = log;
		this.initialDelay = initialDelay;
		this.period = period;
		this.pass = pass;
	}

	/** Schedules the passes as constructed; does nothing while already running. */
	public void start() {
		start(initialDelay, period);
	}

	/** Schedules a pass every {@code period}, the first one {@code initialDelay} from now; nothing while running. */
	public void start(Duration initialDelay, Duration period) {
		synchronized (lifecycle) {
			if (scheduler != null) {
				return;
			}
			ScheduledExecutorService created = DaemonThreads.scheduler(thread);
			created.scheduleWithFixedDelay(this::runQuietly, initialDelay.toMillis(), period.toMillis(),
					TimeUnit.MILLISECONDS);
			scheduler = created;
		}
	}

	public boolean isRunning() {
		return scheduler != null;
	}

	/**
	 * Runs a pass soon, on the schedule's thread (after the one under way); nothing while stopped.
	 * Requests made before that pass begins share it.
	 */
	public void runSoon() {
		ScheduledExecutorService current = scheduler;
		if (current == null || !soon.compareAndSet(false, true)) {
			return;
		}
		try {
			current.execute(() -> {
				soon.set(false);
				runQuietly();
			});
		}
		catch (RejectedExecutionException ex) {
			soon.set(false); // stopping
		}
	}

	/** Ends the schedule; a pass under way is interrupted and awaited (10 s at most). Idempotent. */
	public void stop() {
		ScheduledExecutorService old;
		synchronized (lifecycle) {
			old = scheduler;
			scheduler = null;
		}
		if (old == null) {
			return;
		}
		if (!DaemonThreads.shutdown(old, Duration.ofSeconds(10))) {
			log.warn("event=" + event + ".shutdown_incomplete");
		}
	}

	private void runQuietly() {
		try {
			pass.run();
		}
		catch (RuntimeException | Error ex) {
			// an Error too: the executor would never run this job again, without a word
			log.warn("event=" + event + ".run_failed error=" + ex.getClass().getSimpleName() + " message="
					+ LogValues.quote(ex.getMessage()));
		}
	}

}
