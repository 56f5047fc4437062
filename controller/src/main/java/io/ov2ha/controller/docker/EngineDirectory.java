package io.ov2ha.controller.docker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

import io.ov2ha.controller.support.DaemonThreads;

/**
 * Which engine of {@link DockerEngines} each container is on: learned from its start, a listing,
 * an inspection or an event, and for an unknown one by asking every engine that answers (never
 * one that does not: {@link EngineProbes}). Bounded: the most recent {@link #MAX_KNOWN}.
 */
final class EngineDirectory implements AutoCloseable {

	private static final int MAX_KNOWN = 10_000;

	/** A container found on no engine is looked for again in the background after this. */
	private static final Duration RELEARN = Duration.ofSeconds(30);

	private final List<DockerRecorderRuntime> engines;

	private final EngineProbes probes;

	/** Container id -> engine index. */
	private final Map<String, Integer> where = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
			return size() > MAX_KNOWN;
		}
	});

	/** Containers looked for in the background, and when (nanoTime). */
	private final Map<String, Long> lookedFor = new LinkedHashMap<>(64, 0.75f, false) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
			return size() > MAX_KNOWN;
		}
	};

	/** Looks for containers whose engine is not known (one at a time, off the callers' threads). */
	private final ExecutorService learner = DaemonThreads.fixedPool("docker-engine-learn", 1);

	EngineDirectory(List<DockerRecorderRuntime> engines, EngineProbes probes) {
		this.engines = engines;
		this.probes = probes;
	}

	boolean reachable(int index) {
		return probes.status(index).reachable();
	}

	/** Waits up to {@code timeout} for an engine to answer its check again; false if it did not. */
	boolean awaitReachable(int index, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!reachable(index) && System.nanoTime() < deadline) {
			try {
				Thread.sleep(200);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		return reachable(index);
	}

	List<Integer> reachable() {
		List<Integer> out = new ArrayList<>();
		for (int i = 0; i < engines.size(); i++) {
			if (reachable(i)) {
				out.add(i);
			}
		}
		return out;
	}

	/** The engine the container was seen on, or null. */
	Integer known(String containerId) {
		return containerId == null ? null : where.get(containerId);
	}

	void remember(String containerId, int index) {
		where.put(containerId, index);
	}

	void forget(String containerId) {
		where.remove(containerId);
	}

	/** How many known containers are on an engine (for the log). */
	int knownOn(int index) {
		synchronized (where) {
			return (int) where.values().stream().filter(i -> i == index).count();
		}
	}

	/**
	 * The engine of a container: as known, else found now on an engine that answers.
	 *
	 * @return empty when every engine answers and none has it
	 * @throws RecorderRuntimeException UNAVAILABLE when its engine does not answer, or when it is on
	 *         none of the engines that answer while another does not (it may be there)
	 */
	Optional<Integer> find(String containerId) {
		DockerContainers.requireExactId(containerId);
		Integer index = where.get(containerId);
		if (index != null) {
			if (!reachable(index)) {
				throw DockerEngines.unavailable("reach the engine of " + ContainerLabels.shortId(containerId));
			}
			return Optional.of(index);
		}
		List<Integer> reachable = reachable();
		if (reachable.isEmpty()) {
			throw DockerEngines.unavailable("find " + ContainerLabels.shortId(containerId));
		}
		for (int i : reachable) {
			if (engines.get(i).inspect(containerId).isPresent()) {
				where.put(containerId, i);
				return Optional.of(i);
			}
		}
		if (reachable.size() < engines.size()) {
			throw DockerEngines.unavailable("find " + ContainerLabels.shortId(containerId) + " (an engine does not answer)");
		}
		return Optional.empty();
	}

	/** Looks for an unknown container in the background, at most once per {@link #RELEARN}. */
	void learn(String containerId) {
		long now = System.nanoTime();
		synchronized (lookedFor) {
			Long at = lookedFor.get(containerId);
			if (at != null && now - at < RELEARN.toNanos()) {
				return;
			}
			lookedFor.put(containerId, now);
		}
		try {
			learner.execute(() -> {
				try {
					find(containerId);
				}
				catch (RuntimeException ex) {
					// looked for again later
				}
			});
		}
		catch (RejectedExecutionException ex) {
			// closing
		}
	}

	@Override
	public void close() {
		learner.shutdownNow();
	}

}
