package io.ov2ha.controller.webhook;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.DaemonThreads;
import io.ov2ha.controller.support.EpochMillis;
import io.ov2ha.controller.support.LogValues;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Passes stored events on, in stream order, one at a time, from the one controller that holds
 * the relay lease. For each entry: finish its recording state change if a crash cut it short;
 * then deliver it (or count it as not relayed: relay disabled, or OpenVidu's final event of a
 * recording the controller finalizes); on failure retry with exponential backoff, and after
 * {@code maxAttempts} failures, or one failure past {@code maxAge}, move it to the dead letters
 * and go on. Position, attempts and next attempt time are in Redis, so a restarted or another
 * controller continues exactly there. Delivery is at least once: a leader that stalls past its
 * lease may have delivered an entry that the next leader delivers again, with the same
 * {@code X-OV2HA-Event-Id}.
 *
 * <p>
 * Started and stopped with the context; a start after a stop (the test framework pauses a cached
 * context that way) runs a new thread. Stop and start wait for the previous thread within the
 * relay's timeouts; one still finishing a delivery after that ends with it and leaves the lease
 * to the new thread.
 */
class RelayWorker implements SmartLifecycle {

	private static final Log LOG = LogFactory.getLog(RelayWorker.class);

	private static final Duration IDLE_POLL = Duration.ofMillis(200);

	private static final Duration NOT_LEADER_POLL = Duration.ofSeconds(1);

	/** An entry still marked pending this soon after intake is being applied by the intake itself. */
	private static final long PENDING_GRACE_MILLIS = 5_000;

	private static final Duration TRIM_INTERVAL = Duration.ofMinutes(1);

	private static final int BATCH = 100;

	/**
	 * The reserved id prefix of the ops script's self-test recordings
	 * ({@code ov2-ha-recorder.sh test-recording}): their events are never relayed, so a self-test
	 * never reaches the customer's application.
	 */
	static final String SELF_TEST_PREFIX = RecordingId.SELF_TEST_PREFIX;

	private final WebhookQueue queue;

	private final RedisLease lease;

	private final RecordingStateMachine stateMachine;

	private final RelayTarget target;

	private final RelayClient client;

	private final WebhookProperties properties;

	private final Clock clock;

	private final Duration leaseTtl;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition signal = lock.newCondition();

	private final JsonMapper parser = JsonMapper.builder().build();

	private final Counter delivered;

	private final Counter failures;

	private final Counter deadLettered;

	private volatile boolean running;

	private volatile boolean leader;

	private boolean signalled;

	/** The relay thread; only this one relays (one left over from before a stop ends). */
	private volatile Thread thread;

	/** In-memory copy of the head entry's backoff (loaded from Redis when the lease is taken). */
	private String headId;

	private int headAttempts;

	private long headNextAttemptAt;

	private long lastRenew;

	private long lastTrim;

	private long lastErrorLog;

	RelayWorker(WebhookQueue queue, RedisLease lease, RecordingStateMachine stateMachine, RelayTarget target,
			WebhookProperties properties, Clock clock, MeterRegistry meters) {
		this.queue = queue;
		this.lease = lease;
		this.stateMachine = stateMachine;
		this.target = target;
		this.client = new RelayClient(target, properties.relay());
		this.properties = properties;
		this.clock = clock;
		Duration attempt = properties.relay().connectTimeout().plus(properties.relay().readTimeout());
		Duration ttl = attempt.multipliedBy(2).plusSeconds(5);
		this.leaseTtl = ttl.compareTo(Duration.ofSeconds(15)) < 0 ? Duration.ofSeconds(15) : ttl;
		this.delivered = Counter.builder("ov2ha.webhook.relay.delivered").description("Events delivered to the relay target")
			.register(meters);
		this.failures = Counter.builder("ov2ha.webhook.relay.failures").description("Failed delivery attempts")
			.register(meters);
		this.deadLettered = Counter.builder("ov2ha.webhook.relay.dead_lettered")
			.description("Events given up and kept as dead letters")
			.register(meters);
	}

	boolean leader() {
		return leader;
	}

	/** Something was stored: look at the queue now instead of at the next poll. */
	void wake() {
		lock.lock();
		try {
			signalled = true;
			signal.signalAll();
		}
		finally {
			lock.unlock();
		}
	}

	private void await(Duration duration) {
		lock.lock();
		try {
			long nanos = duration.toNanos();
			while (!signalled && relaying() && nanos > 0) {
				nanos = signal.awaitNanos(nanos);
			}
			signalled = false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			lock.unlock();
		}
	}

	/** Waits without being cut short by new events (backoff); only a stop ends it early. */
	private void sleep(long millis) {
		long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
		lock.lock();
		try {
			long nanos;
			while (relaying() && (nanos = until - System.nanoTime()) > 0) {
				signal.awaitNanos(nanos);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			lock.unlock();
		}
	}

	@Override
	public synchronized void start() {
		if (running) {
			return;
		}
		Thread previous = thread;
		if (previous != null && previous.isAlive()) {
			join(previous);
			if (previous.isAlive()) {
				LOG.warn("event=webhook.relay_previous_running thread=" + previous.getName()
						+ " action=start reason=it_ends_after_its_delivery");
			}
		}
		running = true;
		Thread t = DaemonThreads.thread("webhook-relay", this::run);
		thread = t;
		t.start();
		LOG.info("event=webhook.relay_started enabled=" + target.enabled()
				+ (target.enabled() ? " target=" + LogValues.quote(target.display()) : ""));
	}

	/** Idempotent. */
	@Override
	public synchronized void stop() {
		if (!running) {
			return;
		}
		running = false;
		wake();
		Thread t = thread;
		if (t != null) {
			join(t);
		}
	}

	/** Waits for the thread: the current attempt finishes (and is committed) within its timeouts. */
	private void join(Thread t) {
		try {
			t.join(properties.relay().connectTimeout().plus(properties.relay().readTimeout()).plusSeconds(2).toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Whether this thread is the relay thread and the relay runs. */
	private boolean relaying() {
		return running && thread == Thread.currentThread();
	}

	@Override
	public boolean isRunning() {
		return running;
	}

	@Override
	public int getPhase() {
		// stops before the web server and Redis connections go away
		return SmartLifecycle.DEFAULT_PHASE - 2048;
	}

	private void run() {
		while (relaying()) {
			try {
				if (!holdLease()) {
					await(NOT_LEADER_POLL);
					continue;
				}
				trimIfDue();
				List<WebhookQueue.Entry> batch = queue.after(queue.position(), BATCH);
				if (batch.isEmpty()) {
					await(IDLE_POLL);
					continue;
				}
				for (WebhookQueue.Entry entry : batch) {
					if (!relaying() || !holdLease() || !process(entry)) {
						break;
					}
				}
			}
			catch (RuntimeException ex) {
				long now = clock.millis();
				if (now - lastErrorLog > 10_000) {
					lastErrorLog = now;
					LOG.warn("event=webhook.relay_error error=" + ex.getClass().getSimpleName());
				}
				await(NOT_LEADER_POLL);
			}
		}
		// a newer relay thread (started after a stop) keeps the lease and the head's state
		if (leader && thread == Thread.currentThread()) {
			try {
				lease.release(WebhookQueue.leaseKey());
			}
			catch (RuntimeException ex) {
				// expires by itself
			}
			leader = false;
		}
	}

	/** Takes or keeps the relay lease; loads the head's backoff when newly taken. */
	private boolean holdLease() {
		long now = System.currentTimeMillis();
		if (leader && now - lastRenew < leaseTtl.toMillis() / 3) {
			return true;
		}
		boolean was = leader;
		leader = was ? lease.renew(WebhookQueue.leaseKey(), leaseTtl)
				: lease.tryAcquire(WebhookQueue.leaseKey(), leaseTtl);
		lastRenew = now;
		if (leader && !was) {
			Map<String, String> state = queue.state();
			headId = state.get("headId");
			headAttempts = parseInt(state.get("headAttempts"));
			headNextAttemptAt = EpochMillis.longOr(state.get("headNextAttemptAt"), 0);
			LOG.info("event=webhook.relay_leader acquired=true position=" + state.getOrDefault("position", "0-0"));
		}
		else if (was && !leader) {
			LOG.warn("event=webhook.relay_leader acquired=false reason=lease_lost");
		}
		return leader;
	}

	/** @return true when the entry is finished and the next one may follow */
	private boolean process(WebhookQueue.Entry entry) {
		long now = clock.millis();
		if (queue.isPending(entry.entryId())) {
			if (now - WebhookQueue.millis(entry.entryId()) < PENDING_GRACE_MILLIS) {
				sleep(20);
				return false;
			}
			recoverStateChange(entry);
		}
		if (!entry.relay()) {
			return commit(entry, WebhookQueue.Outcome.SUPPRESSED, null);
		}
		if (isSelfTest(entry.recordingId())) {
			LOG.info("event=webhook.relay_skipped eventId=" + entry.eventId() + " type=" + LogValues.quote(entry.type())
					+ " recordingId=" + LogValues.quote(entry.recordingId()) + " reason=self_test");
			return commit(entry, WebhookQueue.Outcome.SUPPRESSED, null);
		}
		if (!target.enabled()) {
			return commit(entry, WebhookQueue.Outcome.NOT_RELAYED, null);
		}
		int attempt = 1;
		if (entry.entryId().equals(headId)) {
			if (headNextAttemptAt > now) {
				sleep(Math.min(headNextAttemptAt - now, 1_000));
				return false;
			}
			attempt = headAttempts + 1;
		}
		RelayClient.Result result;
		try {
			result = client.deliver(entry, attempt);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		if (result.delivered()) {
			delivered.increment();
			if (LOG.isDebugEnabled()) {
				LOG.debug("event=webhook.relayed eventId=" + entry.eventId() + " attempt=" + attempt);
			}
			return commit(entry, WebhookQueue.Outcome.DELIVERED, null);
		}
		failures.increment();
		now = clock.millis();
		WebhookQueue.Failure failure = queue.fail(entry, now, result.error(), properties.relay().retryInitialDelay(),
				properties.relay().retryMaxDelay());
		if (failure == null) {
			leader = false;
			return false;
		}
		headId = entry.entryId();
		headAttempts = failure.attempts();
		headNextAttemptAt = failure.nextAttemptAt();
		boolean tooMany = failure.attempts() >= properties.relay().maxAttempts();
		boolean tooOld = now - entry.receivedAt() > properties.relay().maxAge().toMillis();
		if (tooMany || tooOld) {
			deadLettered.increment();
			LOG.warn("event=webhook.dead_lettered eventId=" + entry.eventId() + " type=" + LogValues.quote(entry.type())
					+ " attempts=" + failure.attempts() + " reason=" + (tooMany ? "max_attempts" : "max_age") + " error="
					+ LogValues.quote(result.error()));
			var dead = new WebhookQueue.DeadLetter(1, entry.eventId(), entry.entryId(), entry.origin().wire(),
					entry.type(), entry.recordingId(), entry.receivedAt(), now, failure.attempts(), result.error(),
					entry.body(), entry.authorization());
			return commit(entry, WebhookQueue.Outcome.DEAD_LETTERED, dead);
		}
		LOG.warn("event=webhook.relay_failed eventId=" + entry.eventId() + " attempt=" + failure.attempts() + " error="
				+ LogValues.quote(result.error()) + " retryInMs=" + Math.max(0, failure.nextAttemptAt() - now));
		return false;
	}

	/** Whether the event is about a self-test recording ({@link #SELF_TEST_PREFIX}). */
	static boolean isSelfTest(String recordingId) {
		return recordingId != null && recordingId.startsWith(SELF_TEST_PREFIX);
	}

	private boolean commit(WebhookQueue.Entry entry, WebhookQueue.Outcome outcome, WebhookQueue.DeadLetter dead) {
		List<String> dropped = queue.commit(entry, outcome, clock.millis(), dead, properties.deadLetterMax());
		if (dropped == null) {
			LOG.warn("event=webhook.relay_leader acquired=false reason=lease_lost_before_commit eventId="
					+ entry.eventId());
			leader = false;
			return false;
		}
		for (String id : dropped) {
			LOG.warn("event=webhook.dead_letter_dropped eventId=" + LogValues.quote(id) + " reason=limit limit="
					+ properties.deadLetterMax());
		}
		headId = null;
		headAttempts = 0;
		headNextAttemptAt = 0;
		return true;
	}

	/** The intake stored this event but did not finish its state change (a crash): finish it now. */
	private void recoverStateChange(WebhookQueue.Entry entry) {
		try {
			JsonNode node = parser.readTree(entry.body());
			if (node != null && node.isObject()) {
				stateMachine.apply(WebhookEvent.of(node), entry.body(), entry.eventId());
			}
			LOG.info("event=webhook.apply_recovered eventId=" + entry.eventId());
		}
		catch (RuntimeException ex) {
			LOG.error("event=webhook.apply_failed eventId=" + entry.eventId() + " error=" + ex.getClass().getSimpleName()
					+ " recovery=gave_up", ex);
		}
		queue.clearPending(entry.entryId());
	}

	private void trimIfDue() {
		long now = clock.millis();
		if (now - lastTrim < TRIM_INTERVAL.toMillis()) {
			return;
		}
		lastTrim = now;
		queue.trim(now - properties.retention().toMillis());
	}

	private static int parseInt(String s) {
		try {
			return s == null ? 0 : Integer.parseInt(s);
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

}
