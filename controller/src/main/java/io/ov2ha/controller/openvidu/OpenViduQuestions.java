package io.ov2ha.controller.openvidu;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.support.DaemonThreads;
import io.ov2ha.controller.support.LogValues;

/**
 * Asks OpenVidu ({@link OpenViduClient}) on {@link #THREADS} threads of its own
 * ({@code openvidu-check-N}), never on the failover reconciler's workers: a slow or hanging
 * OpenVidu holds these threads only, and a failover decision never waits behind an OpenVidu
 * HTTP call.
 * <ul>
 * <li>One question per recording at a time: whoever needs the answer meanwhile gets the same one.</li>
 * <li>A question before a backup goes first, and the periodic checks of running backups use at
 * most {@code THREADS - 1} threads: one stays free for a failover.</li>
 * <li>At most {@link #QUEUE} questions wait; past that the oldest periodic check is dropped (the
 * next check asks again), or else the oldest question.</li>
 * <li>Before a backup the answer is awaited at most two {@code HA_OPENVIDU_TIMEOUT}s (one
 * question's two requests) from the question, however many wait ahead of it; later it counts as
 * no answer ({@link OpenViduClient#noAnswer()}).</li>
 * </ul>
 * The threads are made at the first question after a start and end with a stop (a context
 * stopped and started again, as the test framework pauses a cached context, gets new ones).
 */
@Component
public class OpenViduQuestions implements SmartLifecycle {

	private static final Log LOG = LogFactory.getLog(OpenViduQuestions.class);

	static final int THREADS = 2;

	static final int QUEUE = 64;

	private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

	/** One question and its answer (cancelled when it is dropped or the questions stop). */
	private static final class Question {

		final String key;

		final String sessionId;

		final String recordingId;

		final Long sessionStart;

		final CompletableFuture<OpenViduAnswer> answer = new CompletableFuture<>();

		boolean asking;

		boolean periodicThread;

		Question(String key, String sessionId, String recordingId, Long sessionStart) {
			this.key = key;
			this.sessionId = sessionId;
			this.recordingId = recordingId;
			this.sessionStart = sessionStart;
		}

	}

	private final OpenViduClient openvidu;

	private final Duration answerWithin;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = lock.newCondition();

	/** Waiting or being asked, by session and recording. */
	private final Map<String, Question> questions = new HashMap<>();

	private final Deque<Question> beforeBackup = new ArrayDeque<>();

	private final Deque<Question> periodic = new ArrayDeque<>();

	private int periodicAsking;

	private volatile boolean running;

	/** Null until the first question after a start, and while stopped. */
	private volatile ExecutorService threads;

	private final AtomicLong lastWarned = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

	OpenViduQuestions(OpenViduClient openvidu) {
		this.openvidu = openvidu;
		this.answerWithin = openvidu.properties().timeout().multipliedBy(2);
	}

	/**
	 * Asks before a backup. The answer comes at most two {@code HA_OPENVIDU_TIMEOUT}s later:
	 * OpenVidu's, or {@link OpenViduClient#noAnswer()}; the future is cancelled (never answered)
	 * when the question is dropped or the questions stop.
	 */
	CompletableFuture<OpenViduAnswer> beforeBackup(String sessionId, String recordingId) {
		return beforeBackup(sessionId, recordingId, null);
	}

	/** {@link #beforeBackup(String, String)} about one incarnation of the session ({@link OpenViduClient#ask(String, String, Long)}). */
	public CompletableFuture<OpenViduAnswer> beforeBackup(String sessionId, String recordingId, Long sessionStart) {
		CompletableFuture<OpenViduAnswer> asked = ask(sessionId, recordingId, sessionStart, true);
		CompletableFuture<OpenViduAnswer> answer = new CompletableFuture<>();
		asked.whenComplete((a, ex) -> {
			if (ex == null) {
				answer.complete(a);
			}
			else {
				answer.cancel(false);
			}
		});
		CompletableFuture.delayedExecutor(answerWithin.toMillis(), TimeUnit.MILLISECONDS, Runnable::run)
			.execute(() -> answer.complete(openvidu.noAnswer()));
		return answer;
	}

	/**
	 * Asks while a backup records (a periodic check). The future is cancelled (never answered)
	 * when the question is dropped or the questions stop.
	 */
	CompletableFuture<OpenViduAnswer> whileBackup(String sessionId, String recordingId) {
		return whileBackup(sessionId, recordingId, null);
	}

	/** {@link #whileBackup(String, String)} about one incarnation of the session ({@link OpenViduClient#ask(String, String, Long)}). */
	public CompletableFuture<OpenViduAnswer> whileBackup(String sessionId, String recordingId, Long sessionStart) {
		return ask(sessionId, recordingId, sessionStart, false);
	}

	private CompletableFuture<OpenViduAnswer> ask(String sessionId, String recordingId, Long sessionStart,
			boolean urgent) {
		String key = sessionId + "/" + recordingId + "/" + sessionStart;
		Question dropped = null;
		CompletableFuture<OpenViduAnswer> answer;
		lock.lock();
		try {
			if (!running) {
				CompletableFuture<OpenViduAnswer> none = new CompletableFuture<>();
				none.cancel(false);
				return none;
			}
			if (threads == null) {
				threads = newThreads();
			}
			Question q = questions.get(key);
			if (q == null) {
				if (beforeBackup.size() + periodic.size() >= QUEUE) {
					dropped = periodic.isEmpty() ? beforeBackup.poll() : periodic.poll();
					questions.remove(dropped.key, dropped);
				}
				q = new Question(key, sessionId, recordingId, sessionStart);
				questions.put(key, q);
				(urgent ? beforeBackup : periodic).add(q);
				changed.signalAll();
			}
			else if (urgent && !q.asking && periodic.remove(q)) {
				beforeBackup.add(q);
				changed.signalAll();
			}
			answer = q.answer;
		}
		finally {
			lock.unlock();
		}
		if (dropped != null) {
			dropped.answer.cancel(false);
			warnDropped(dropped);
		}
		return answer;
	}

	private ExecutorService newThreads() {
		ExecutorService pool = DaemonThreads.fixedPool("openvidu-check", THREADS);
		for (int i = 0; i < THREADS; i++) {
			pool.execute(() -> work(pool));
		}
		return pool;
	}

	/** One thread: asks the next question until the questions stop. */
	private void work(ExecutorService mine) {
		while (true) {
			Question q = next(mine);
			if (q == null) {
				return;
			}
			OpenViduAnswer answer = null;
			RuntimeException failure = null;
			try {
				answer = openvidu.ask(q.sessionId, q.recordingId, q.sessionStart);
			}
			catch (RuntimeException ex) {
				failure = ex;
			}
			finally {
				done(q, mine);
			}
			if (Thread.currentThread().isInterrupted() || threads != mine) {
				// stopping: an interrupted request is no answer
				q.answer.cancel(false);
				return;
			}
			if (failure != null) {
				LOG.warn("event=openvidu.question_failed recordingId=" + q.recordingId + " error="
						+ LogValues.quote(failure.getClass().getSimpleName() + ": " + failure.getMessage()));
				q.answer.completeExceptionally(failure);
			}
			else {
				q.answer.complete(answer);
			}
		}
	}

	/** The next question for this thread: before a backup first; null when the questions stop. */
	private Question next(ExecutorService mine) {
		lock.lock();
		try {
			while (threads == mine) {
				Question q = beforeBackup.poll();
				if (q == null && periodicAsking < THREADS - 1) {
					q = periodic.poll();
					if (q != null) {
						q.periodicThread = true;
						periodicAsking++;
					}
				}
				if (q != null) {
					q.asking = true;
					return q;
				}
				changed.await();
			}
			return null;
		}
		catch (InterruptedException ex) {
			return null;
		}
		finally {
			lock.unlock();
		}
	}

	private void done(Question q, ExecutorService mine) {
		lock.lock();
		try {
			if (threads == mine) {
				questions.remove(q.key, q);
				if (q.periodicThread) {
					periodicAsking--;
					changed.signalAll();
				}
			}
		}
		finally {
			lock.unlock();
		}
	}

	private void warnDropped(Question q) {
		long now = System.nanoTime();
		long last = lastWarned.get();
		if (now - last < WARN_EVERY_NANOS || !lastWarned.compareAndSet(last, now)) {
			return;
		}
		LOG.warn("event=openvidu.question_dropped recordingId=" + q.recordingId + " reason=queue_full queue=" + QUEUE
				+ " threads=" + THREADS + " hint=\"OpenVidu answers too slowly; the next check asks again\"");
	}

	// Started before the failover reconciler (which asks) and stopped after it.

	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 200;
	}

	@Override
	public void start() {
		running = true;
	}

	@Override
	public boolean isRunning() {
		return running;
	}

	/** Cancels every question (no decision is made on them) and ends the threads; idempotent. */
	@Override
	public void stop() {
		List<Question> pending;
		ExecutorService old;
		lock.lock();
		try {
			if (!running) {
				return;
			}
			running = false;
			old = threads;
			threads = null;
			pending = new ArrayList<>(questions.values());
			questions.clear();
			beforeBackup.clear();
			periodic.clear();
			periodicAsking = 0;
			changed.signalAll();
		}
		finally {
			lock.unlock();
		}
		pending.forEach(q -> q.answer.cancel(false));
		if (old != null) {
			// a request under way is interrupted: it ends at once
			DaemonThreads.shutdown(old, Duration.ofSeconds(2));
		}
	}

}
