package io.ov2ha.controller.support;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The controller's own threads, made and ended in one way: daemon threads (they never hold the JVM
 * at its exit; the components' lifecycles end their work first), named for the logs and thread
 * dumps. Pools of workers, single schedulers ({@link PeriodicPass}, timers) and long-lived loops
 * (the Docker event stream, the webhook relay) all come from here.
 */
public final class DaemonThreads {

	private DaemonThreads() {
	}

	/** A pool of {@code size} threads named {@code prefix-1}, {@code prefix-2}, ... */
	public static ExecutorService fixedPool(String prefix, int size) {
		AtomicInteger n = new AtomicInteger();
		return Executors.newFixedThreadPool(size, r -> daemon(r, prefix + "-" + n.incrementAndGet()));
	}

	/** A scheduler on {@code size} threads, each named {@code name}. */
	public static ScheduledExecutorService schedulerPool(String name, int size) {
		return Executors.newScheduledThreadPool(size, r -> daemon(r, name));
	}

	/** A pool that makes a thread named {@code name} whenever all are busy, and ends idle ones after a minute. */
	public static ExecutorService cachedPool(String name) {
		return Executors.newCachedThreadPool(r -> daemon(r, name));
	}

	/** A scheduler on one thread named {@code name}. */
	public static ScheduledExecutorService scheduler(String name) {
		return Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name));
	}

	/**
	 * A thread of its own named {@code name} for {@code loop}, not started: the owner keeps it
	 * before it starts it (a loop that checks it is its owner's thread must find it set).
	 */
	public static Thread thread(String name, Runnable loop) {
		return daemon(loop, name);
	}

	/**
	 * Interrupts what runs, drops what waits and gives the pool up to {@code wait} to end.
	 *
	 * @return false only when {@code wait} ran out with work still running (an interrupt of the
	 *         caller ends the wait without that verdict: true, its interrupt kept)
	 */
	public static boolean shutdown(ExecutorService pool, Duration wait) {
		pool.shutdownNow();
		try {
			return pool.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return true;
		}
	}

	private static Thread daemon(Runnable r, String name) {
		Thread t = new Thread(r, name);
		t.setDaemon(true);
		return t;
	}

}
