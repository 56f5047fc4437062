package io.ov2ha.controller.docker;

import java.time.Instant;
import java.util.Map;

/**
 * Something that happened to a container.
 *
 * @param kind what happened
 * @param containerId exact container id
 * @param name container name
 * @param exitCode exit code of a {@link Kind#DIED} event, else null
 * @param at when the runtime saw it
 * @param labels the container's labels (empty for a primary recorder, which OpenVidu labels not)
 */
public record RuntimeEvent(Kind kind, String containerId, String name, Long exitCode, Instant at,
		Map<String, String> labels) {

	public RuntimeEvent {
		labels = labels == null ? Map.of() : Map.copyOf(labels);
	}

	public enum Kind {

		/** The container's main process exited (any reason, including a kill). */
		DIED,
		/** The kernel's OOM killer hit the container (a DIED follows). */
		OOM,
		/** Its health check turned unhealthy. */
		UNHEALTHY,
		/** Its health check turned healthy. */
		HEALTHY

	}

}
