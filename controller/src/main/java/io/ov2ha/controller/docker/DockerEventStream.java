package io.ov2ha.controller.docker;

import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;

import io.ov2ha.controller.support.LogValues;

/**
 * One Docker event stream (container die, oom and health_status), reconnected with {@code since}
 * until closed, so that what happened while it was down is replayed (duplicates skipped). A
 * broken stream is routine: it is logged once per distinct error and retried with a backoff up
 * to 5 s.
 */
final class DockerEventStream implements Runnable, AutoCloseable {

	private static final Log LOG = LogFactory.getLog(DockerEventStream.class);

	private final Supplier<DockerClient> streams;

	private final Clock clock;

	private final String endpoint;

	private final AtomicBoolean eventsConnected;

	private final RuntimeEventListener listener;

	private final AtomicLong lastEventNanos = new AtomicLong();

	private volatile boolean closed;

	private volatile Closeable stream;

	private volatile Thread thread;

	private DockerEventStream(Supplier<DockerClient> streams, Clock clock, String endpoint,
			AtomicBoolean eventsConnected, RuntimeEventListener listener) {
		this.streams = streams;
		this.clock = clock;
		this.endpoint = endpoint;
		this.eventsConnected = eventsConnected;
		this.listener = listener;
	}

	/**
	 * Starts a stream on a thread of its own ({@code docker-events}); closing the answer stops it.
	 *
	 * @param eventsConnected set while the stream is connected
	 */
	static DockerEventStream start(Supplier<DockerClient> streams, Clock clock, String endpoint,
			AtomicBoolean eventsConnected, RuntimeEventListener listener) {
		DockerEventStream loop = new DockerEventStream(streams, clock, endpoint, eventsConnected, listener);
		Thread thread = new Thread(loop, "docker-events");
		thread.setDaemon(true);
		loop.thread = thread;
		thread.start();
		return loop;
	}

	@Override
	public void run() {
		boolean everConnected = false;
		long backoffMs = 250;
		String lastError = null;
		while (!closed) {
			long connectedAtNanos = nowNanos();
			Instant connectedAt = clock.instant();
			try {
				var cmd = streams.get().eventsCmd()
					.withEventTypeFilter(EventType.CONTAINER)
					.withEventFilter("die", "oom", "health_status");
				long resume = lastEventNanos.get();
				if (everConnected) {
					// replay what happened while the stream was down (duplicates are skipped)
					cmd.withSince(sinceArgument(resume > 0 ? resume : connectedAtNanos - 30_000_000_000L));
				}
				Callback callback = new Callback();
				stream = callback;
				cmd.exec(callback);
				callback.awaitOpen(Duration.ofSeconds(10));
				eventsConnected.set(true);
				LOG.info("event=docker.events.connected host=" + LogValues.quote(endpoint) + " reconnect="
						+ everConnected);
				boolean reconnected = everConnected;
				everConnected = true;
				lastError = null;
				safely(() -> listener.onConnected(reconnected));
				callback.awaitEnd();
			}
			catch (InterruptedException ex) {
				if (!closed) {
					Thread.currentThread().interrupt();
				}
				break;
			}
			catch (RuntimeException ex) {
				if (closed) {
					break;
				}
				String error = DockerClients.describe(ex);
				boolean wasConnected = eventsConnected.get();
				eventsConnected.set(false);
				if (wasConnected || !error.equals(lastError)) {
					LOG.warn("event=docker.events.disconnected host=" + LogValues.quote(endpoint) + " error="
							+ LogValues.quote(error));
				}
				lastError = error;
				if (wasConnected) {
					safely(() -> listener.onDisconnected(error));
				}
			}
			finally {
				eventsConnected.set(false);
			}
			// a stream that lived a while reconnects fast; repeated failures back off to 5 s
			if (Duration.between(connectedAt, clock.instant()).toSeconds() > 10) {
				backoffMs = 250;
			}
			try {
				Thread.sleep(backoffMs);
			}
			catch (InterruptedException ex) {
				break;
			}
			backoffMs = Math.min(backoffMs * 2, 5000);
		}
	}

	private void safely(Runnable r) {
		try {
			r.run();
		}
		catch (RuntimeException ex) {
			LOG.warn("event=docker.events.listener_failed error=" + LogValues.quote(DockerClients.describe(ex)));
		}
	}

	@Override
	public void close() {
		closed = true;
		Closeable s = stream;
		if (s != null) {
			try {
				s.close();
			}
			catch (Exception ex) {
				// closing an open stream reports an error on the callback: expected
			}
		}
		Thread t = thread;
		if (t != null) {
			t.interrupt();
			try {
				t.join(2000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/**
	 * The event stream's callback. Not docker-java's template: that one logs every stream
	 * error with a stack trace, and a broken stream is routine here (it is reconnected).
	 */
	private final class Callback implements ResultCallback<Event> {

		private final CountDownLatch started = new CountDownLatch(1);

		private final CountDownLatch finished = new CountDownLatch(1);

		private volatile Closeable source;

		private volatile Throwable error;

		@Override
		public void onStart(Closeable closeable) {
			source = closeable;
			started.countDown();
		}

		@Override
		public void onNext(Event event) {
			long nanos = event.getTimeNano() != null ? event.getTimeNano()
					: event.getTime() == null ? nowNanos() : event.getTime() * 1_000_000_000L;
			// a replay after a reconnection repeats events already delivered: skip them
			long previous = lastEventNanos.getAndAccumulate(nanos, Math::max);
			if (nanos <= previous) {
				return;
			}
			RuntimeEvent mapped = map(event, nanos);
			if (mapped != null) {
				safely(() -> listener.onEvent(mapped));
			}
		}

		@Override
		public void onError(Throwable throwable) {
			error = throwable;
			started.countDown();
			finished.countDown();
		}

		@Override
		public void onComplete() {
			started.countDown();
			finished.countDown();
		}

		/** Waits until the stream is open; throws if it failed or did not open in time. */
		void awaitOpen(Duration timeout) throws InterruptedException {
			if (!started.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				throw new IllegalStateException("event stream did not open within " + timeout.toSeconds() + " s");
			}
			failIfBroken();
		}

		/** Blocks while the stream is open; throws why it ended. */
		void awaitEnd() throws InterruptedException {
			finished.await();
			failIfBroken();
			throw new IllegalStateException("event stream ended");
		}

		private void failIfBroken() {
			Throwable t = error;
			if (t != null) {
				throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
			}
			if (finished.getCount() == 0) {
				throw new IllegalStateException("event stream ended");
			}
		}

		@Override
		public void close() {
			finished.countDown();
			Closeable c = source;
			if (c != null) {
				try {
					c.close();
				}
				catch (Exception ex) {
					// closing a broken stream
				}
			}
		}

	}

	static RuntimeEvent map(Event event, long nanos) {
		String action = event.getAction() != null ? event.getAction() : event.getStatus();
		if (action == null || event.getId() == null) {
			return null;
		}
		Map<String, String> attributes = event.getActor() == null || event.getActor().getAttributes() == null
				? Map.of() : event.getActor().getAttributes();
		RuntimeEvent.Kind kind;
		if (action.equals("die")) {
			kind = RuntimeEvent.Kind.DIED;
		}
		else if (action.equals("oom")) {
			kind = RuntimeEvent.Kind.OOM;
		}
		else if (action.startsWith("health_status") && action.endsWith("unhealthy")) {
			kind = RuntimeEvent.Kind.UNHEALTHY;
		}
		else if (action.startsWith("health_status") && action.endsWith("healthy")) {
			kind = RuntimeEvent.Kind.HEALTHY;
		}
		else {
			return null;
		}
		Long exitCode = null;
		if (attributes.get("exitCode") != null) {
			try {
				exitCode = Long.parseLong(attributes.get("exitCode"));
			}
			catch (NumberFormatException ex) {
				exitCode = null;
			}
		}
		Map<String, String> labels = new LinkedHashMap<>();
		attributes.forEach((k, v) -> {
			if (k.startsWith(DockerRecorderRuntime.LABEL_PREFIX) && v != null) {
				labels.put(k, v);
			}
		});
		Instant at = Instant.ofEpochSecond(0, nanos);
		return new RuntimeEvent(kind, event.getId(), attributes.getOrDefault("name", ""), exitCode, at, labels);
	}

	/** Docker's {@code since}: seconds with a nanosecond fraction. */
	static String sinceArgument(long nanos) {
		return String.format("%d.%09d", nanos / 1_000_000_000L, nanos % 1_000_000_000L);
	}

	private long nowNanos() {
		Instant now = clock.instant();
		return now.getEpochSecond() * 1_000_000_000L + now.getNano();
	}

}
