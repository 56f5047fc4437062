package io.ov2ha.controller.docker;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.github.dockerjava.api.command.InspectContainerResponse;

/** What Docker answers about a container, as the runtime's {@link RecorderContainer}; the id rule. */
final class DockerContainers {

	private DockerContainers() {
	}

	static void requireExactId(String containerId) {
		if (!ContainerLabels.isExactId(containerId)) {
			throw new IllegalArgumentException("not an exact container id");
		}
	}

	/** An inspected container as the runtime answers it. */
	static RecorderContainer toContainer(InspectContainerResponse r) {
		InspectContainerResponse.ContainerState s = r.getState();
		boolean running = s != null && Boolean.TRUE.equals(s.getRunning());
		Long exitCode = s == null || running ? null : s.getExitCodeLong();
		String health = s == null || s.getHealth() == null ? "" : s.getHealth().getStatus();
		Map<String, String> env = new LinkedHashMap<>();
		if (r.getConfig() != null && r.getConfig().getEnv() != null) {
			for (String kv : r.getConfig().getEnv()) {
				int eq = kv.indexOf('=');
				if (eq > 0) {
					env.put(kv.substring(0, eq), kv.substring(eq + 1));
				}
			}
		}
		Map<String, String> labels = r.getConfig() == null ? Map.of() : r.getConfig().getLabels();
		String image = r.getConfig() == null ? "" : r.getConfig().getImage();
		return new RecorderContainer(r.getId(), strip(r.getName()), image, running, s == null ? "" : s.getStatus(),
				exitCode, s != null && Boolean.TRUE.equals(s.getOOMKilled()), health,
				s == null ? null : time(s.getStartedAt()), s == null ? null : time(s.getFinishedAt()), labels, env);
	}

	/** A container name without Docker's leading slash. */
	static String strip(String name) {
		return name == null ? "" : name.startsWith("/") ? name.substring(1) : name;
	}

	/** Docker's times; "0001-01-01T00:00:00Z" means never. */
	private static Instant time(String value) {
		if (value == null || value.isEmpty() || value.startsWith("0001-")) {
			return null;
		}
		try {
			return Instant.parse(value);
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

}
