package io.ov2ha.controller.docker;

import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;

import io.ov2ha.controller.support.DaemonThreads;
import io.ov2ha.controller.support.LogValues;

/**
 * One Docker event stream (container die, oom and health_status), reconnected with {@code since}
 * until closed, so that what happened while it was down is replayed (duplicates skipped). A
 * broken stream is routine: it is logged once per distinct error and retried with a backoff up
 * to 5 s. This class is the connection loop and hands each new event, as a {@link RuntimeEvent}
 * ({@link DockerEvents}), to the listener; one connection is a {@link DockerEventCallback}.
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
		Thread thread = DaemonThreads.thread("docker-events", loop);
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
					long since = resume > 0 ? resume : connectedAtNanos - 30_000_000_000L;
					cmd.withSince(DockerEvents.sinceArgument(since));
				}
				DockerEventCallback callback = new DockerEventCallback(this::onEvent);
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

	/** One event of the stream (on docker-java's thread): handed to the listener, unless it was already. */
	private void onEvent(Event event) {
		long nanos = event.getTimeNano() != null ? event.getTimeNano()
				: event.getTime() == null ? nowNanos() : event.getTime() * 1_000_000_000L;
		// a replay after a reconnection repeats events already delivered: skip them
		long previous = lastEventNanos.getAndAccumulate(nanos, Math::max);
		if (nanos <= previous) {
			return;
		}
		RuntimeEvent mapped = DockerEvents.map(event, nanos);
		if (mapped != null) {
			safely(() -> listener.onEvent(mapped));
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

	private long nowNanos() {
		Instant now = clock.instant();
		return now.getEpochSecond() * 1_000_000_000L + now.getNano();
	}

}
