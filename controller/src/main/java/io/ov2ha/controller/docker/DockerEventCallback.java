package io.ov2ha.controller.docker;

import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;

/**
 * The event stream's callback: one connection of {@link DockerEventStream}, which it tells when
 * the stream opened and why it ended, and hands every event to. Not docker-java's template: that
 * one logs every stream error with a stack trace, and a broken stream is routine here (it is
 * reconnected).
 */
final class DockerEventCallback implements ResultCallback<Event> {

	private final Consumer<Event> events;

	private final CountDownLatch started = new CountDownLatch(1);

	private final CountDownLatch finished = new CountDownLatch(1);

	private volatile Closeable source;

	private volatile Throwable error;

	/**
	 * @param events gets every event of the stream, on docker-java's thread
	 */
	DockerEventCallback(Consumer<Event> events) {
		this.events = events;
	}

	@Override
	public void onStart(Closeable closeable) {
		source = closeable;
		started.countDown();
	}

	@Override
	public void onNext(Event event) {
		events.accept(event);
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
