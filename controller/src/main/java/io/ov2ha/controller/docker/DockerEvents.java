package io.ov2ha.controller.docker;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.github.dockerjava.api.model.Event;

/**
 * Docker's event API in the runtime's terms, as pure functions (no Docker call): a container
 * event (die, oom, health_status) as a {@link RuntimeEvent}, with the recorder's exit code and
 * only our labels, and a time as the event stream's {@code since} argument
 * ({@link DockerEventStream} uses both).
 */
final class DockerEvents {

	private DockerEvents() {
	}

	/** The event as a {@link RuntimeEvent} at {@code nanos} (since the epoch); null for any other event. */
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

}
