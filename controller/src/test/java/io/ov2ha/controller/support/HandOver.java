package io.ov2ha.controller.support;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An {@link ExecutorService} for unit tests that hands every task to a consumer on the caller's
 * thread: {@code HandOver.to(Runnable::run)} runs them at once, {@code HandOver.to(list::add)}
 * holds them. Never shut down.
 */
public final class HandOver extends AbstractExecutorService {

	private final Consumer<Runnable> to;

	private HandOver(Consumer<Runnable> to) {
		this.to = to;
	}

	public static ExecutorService to(Consumer<Runnable> to) {
		return new HandOver(to);
	}

	@Override
	public void execute(Runnable command) {
		to.accept(command);
	}

	@Override
	public void shutdown() {
	}

	@Override
	public List<Runnable> shutdownNow() {
		return List.of();
	}

	@Override
	public boolean isShutdown() {
		return false;
	}

	@Override
	public boolean isTerminated() {
		return false;
	}

	@Override
	public boolean awaitTermination(long timeout, TimeUnit unit) {
		return true;
	}

}
