package io.ov2ha.controller.docker;

import java.time.Instant;
import java.util.Map;

/**
 * A recorder container as the runtime sees it.
 *
 * @param id exact container id
 * @param name container name without a leading slash
 * @param image image name it was created from
 * @param running whether it is running (a paused or frozen process still counts as running)
 * @param state runtime state ({@code created}, {@code running}, {@code exited}, {@code dead}, ...)
 * @param exitCode exit code once it exited, else null
 * @param oomKilled whether the kernel killed it for lack of memory
 * @param health health check status ({@code healthy}, {@code unhealthy}, {@code starting}) or empty
 * @param startedAt when it started, or null
 * @param finishedAt when it exited, or null
 * @param labels its labels
 * @param env its environment, only from an inspection, else empty (holds secrets: never log it)
 */
public record RecorderContainer(String id, String name, String image, boolean running, String state, Long exitCode,
		boolean oomKilled, String health, Instant startedAt, Instant finishedAt, Map<String, String> labels,
		Map<String, String> env) {

	public RecorderContainer {
		labels = labels == null ? Map.of() : Map.copyOf(labels);
		env = env == null ? Map.of() : Map.copyOf(env);
		health = health == null ? "" : health;
	}

	@Override
	public String toString() {
		return "RecorderContainer[id=" + ContainerLabels.shortId(id) + ", name=" + name + ", state=" + state
				+ ", exitCode=" + exitCode + "]";
	}

}
