package io.ov2ha.controller.reconcile;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.support.LogValues;

/**
 * Runs tasks on a pool, one at a time per key (a recording), in submission order: an event
 * and a sweep finding the same failure never act on one recording concurrently on this
 * controller. (Across controllers the Redis claim is the guard.)
 */
final class KeyedExecutor {

	private static final Log LOG = LogFactory.getLog(KeyedExecutor.class);

	private final ExecutorService pool;

	private final Map<String, Deque<Runnable>> queues = new HashMap<>();

	KeyedExecutor(ExecutorService pool) {
		this.pool = pool;
	}

	/** Queues the task behind the key's running and queued tasks. */
	void submit(String key, Runnable task) {
		boolean start;
		synchronized (queues) {
			Deque<Runnable> queue = queues.computeIfAbsent(key, k -> new ArrayDeque<>());
			queue.add(task);
			start = queue.size() == 1;
		}
		if (start) {
			pool.execute(() -> drain(key));
		}
	}

	/** Runs the task only if nothing runs or waits for the key (periodic checks do not pile up). */
	boolean submitIfIdle(String key, Runnable task) {
		synchronized (queues) {
			if (queues.containsKey(key)) {
				return false;
			}
		}
		submit(key, task);
		return true;
	}

	private void drain(String key) {
		while (true) {
			Runnable task;
			synchronized (queues) {
				Deque<Runnable> queue = queues.get(key);
				task = queue.peek();
			}
			try {
				task.run();
			}
			catch (RuntimeException ex) {
				LOG.warn("event=failover.task_failed recordingId=" + key + " error="
						+ LogValues.quote(ex.getClass().getSimpleName() + ": " + ex.getMessage()));
			}
			synchronized (queues) {
				Deque<Runnable> queue = queues.get(key);
				queue.poll();
				if (queue.isEmpty()) {
					queues.remove(key);
					return;
				}
			}
		}
	}

}
