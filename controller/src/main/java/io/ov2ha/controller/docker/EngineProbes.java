package io.ov2ha.controller.docker;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntUnaryOperator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.support.DaemonThreads;
import io.ov2ha.controller.support.LogValues;

/**
 * The health of each engine of {@link DockerEngines}, checked every {@link #PERIOD}: what every
 * other call reads, so that none of them waits for an engine. A check that has not answered
 * within {@link #TIMEOUT} (a host that drops packets, a frozen engine) counts as unreachable at
 * once, and no second check of that engine starts before the first one ends. One line when an
 * engine is lost, one when it is back.
 */
final class EngineProbes implements AutoCloseable {

	private static final Log LOG = LogFactory.getLog(EngineProbes.class);

	static final Duration PERIOD = Duration.ofSeconds(2);

	static final Duration TIMEOUT = Duration.ofSeconds(3);

	private final List<DockerRecorderRuntime> engines;

	private final List<String> endpoints;

	private final Clock clock;

	private volatile IntUnaryOperator knownOn = index -> 0;

	private final RuntimeStatus[] last;

	/** Whether an engine's first check has ended (guarded by {@link #last}). */
	private final boolean[] checked;

	private final ConcurrentHashMap<Integer, Future<RuntimeStatus>> inFlight = new ConcurrentHashMap<>();

	private final ScheduledExecutorService ticks;

	private final ExecutorService checks;

	EngineProbes(List<DockerRecorderRuntime> engines, List<String> endpoints, Clock clock) {
		this.engines = engines;
		this.endpoints = endpoints;
		this.clock = clock;
		this.last = new RuntimeStatus[engines.size()];
		this.checked = new boolean[engines.size()];
		for (int i = 0; i < last.length; i++) {
			last[i] = new RuntimeStatus(false, endpoints.get(i), "", "", "not checked yet", clock.instant(), false, "");
		}
		this.ticks = DaemonThreads.schedulerPool("docker-engine-probe", engines.size());
		this.checks = DaemonThreads.cachedPool("docker-engine-check");
	}

	/**
	 * Starts the checks, each engine at once and then every {@link #PERIOD}.
	 *
	 * @param known how many containers are known on an engine (by index), for the log
	 */
	void start(IntUnaryOperator known) {
		this.knownOn = known;
		for (int i = 0; i < engines.size(); i++) {
			int index = i;
			ticks.scheduleWithFixedDelay(() -> probe(index), 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	/** The engine's last checked status ("not checked yet", unreachable, before its first check ends). */
	RuntimeStatus status(int index) {
		synchronized (last) {
			return last[index];
		}
	}

	/** Checks one engine now, at most {@link #TIMEOUT}; the scheduler's thread only waits. */
	void probe(int index) {
		try {
			record(index, check(index));
		}
		catch (RuntimeException ex) {
			// never let one failure end this engine's schedule
			LOG.warn("event=docker.engine_probe_failed endpoint=" + LogValues.quote(endpoints.get(index)) + " error="
					+ LogValues.quote(DockerClients.describe(ex)));
		}
	}

	private RuntimeStatus check(int index) {
		RuntimeStatus now;
		Future<RuntimeStatus> check = inFlight.computeIfAbsent(index, i -> checks.submit(() -> timed(i)));
		try {
			now = check.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			inFlight.remove(index, check);
		}
		catch (TimeoutException ex) {
			// the check goes on; the next probe waits for it rather than start another
			RuntimeStatus before = status(index);
			now = new RuntimeStatus(false, endpoints.get(index), before.version(), before.apiVersion(),
					"no answer within " + TIMEOUT.toSeconds() + " s", clock.instant(), false, before.hostName());
		}
		catch (ExecutionException ex) {
			inFlight.remove(index, check);
			RuntimeStatus before = status(index);
			now = new RuntimeStatus(false, endpoints.get(index), before.version(), before.apiVersion(),
					DockerClients.describe(ex.getCause()), clock.instant(), false, before.hostName());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted", ex);
		}
		return now;
	}

	/**
	 * The engine's answer, unreachable when it took longer than {@link #TIMEOUT}: an engine that
	 * answers that slowly is not one to start a backup on, and counting its late answers would make
	 * it come and go at every other check.
	 */
	private RuntimeStatus timed(int index) {
		long t0 = System.nanoTime();
		RuntimeStatus s = engines.get(index).refresh();
		long ms = (System.nanoTime() - t0) / 1_000_000;
		if (s.reachable() && ms > TIMEOUT.toMillis()) {
			return new RuntimeStatus(false, s.endpoint(), s.version(), s.apiVersion(),
					"answered in " + ms + " ms (over " + TIMEOUT.toSeconds() + " s)", s.checkedAt(), false, s.hostName());
		}
		return s;
	}

	private void record(int index, RuntimeStatus now) {
		RuntimeStatus before;
		boolean firstCheck;
		synchronized (last) {
			before = last[index];
			firstCheck = !checked[index];
			last[index] = now;
			checked[index] = true;
		}
		if ((before.reachable() || firstCheck) && !now.reachable()) {
			LOG.warn("event=docker.engine_lost endpoint=" + LogValues.quote(now.endpoint()) + " hostName="
					+ LogValues.quote(now.hostName()) + " error=" + LogValues.quote(now.error()) + " containersKnown="
					+ knownOn.applyAsInt(index));
		}
		else if (!before.reachable() && !firstCheck && now.reachable()) {
			LOG.info("event=docker.engine_back endpoint=" + LogValues.quote(now.endpoint()) + " hostName="
					+ LogValues.quote(now.hostName()));
		}
	}

	@Override
	public void close() {
		ticks.shutdownNow();
		checks.shutdownNow();
	}

}
