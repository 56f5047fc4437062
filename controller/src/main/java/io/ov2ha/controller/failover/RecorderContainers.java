package io.ov2ha.controller.failover;

import java.util.Optional;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.recording.RecorderHandover;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.support.LogValues;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A recording's recorder containers: finding the current one (a primary also by OpenVidu's name) and killing by exact id. */
@Component
public class RecorderContainers {

	private static final Log LOG = LogFactory.getLog(RecorderContainers.class);

	/** Docker's states of a container whose removal began ({@code docker rm -f}). */
	private static final Set<String> REMOVED_STATES = Set.of("removing", "dead");

	private final RecorderRuntime runtime;

	private final RecorderHandover handover;

	private final JsonMapper json;

	RecorderContainers(RecorderRuntime runtime, RecorderHandover handover, JsonMapper json) {
		this.runtime = runtime;
		this.handover = handover;
		this.json = json;
	}

	/**
	 * The current recorder's container: by its exact id, or, for a primary that registered
	 * without one, by OpenVidu's exact container name, verified by its environment and then
	 * recorded (so that its Docker events are recognised from then on).
	 */
	Optional<RecorderContainer> current(Recording r) {
		if (ContainerLabels.isExactId(r.containerId())) {
			return runtime.inspect(r.containerId());
		}
		if (r.epoch() != 0) {
			return Optional.empty();
		}
		Optional<RecorderContainer> byName = runtime.inspectByExactName(r.id().openViduContainerName());
		if (byName.isEmpty() || !isPrimaryOf(byName.get(), r)) {
			return Optional.empty();
		}
		if (handover.adoptPrimary(r.id(), 0, byName.get().id())) {
			LOG.info("event=failover.primary_identified recordingId=" + r.id() + " containerId="
					+ ContainerLabels.shortId(byName.get().id()) + " name=" + byName.get().name());
		}
		return byName;
	}

	private boolean isPrimaryOf(RecorderContainer c, Recording r) {
		if (!r.id().value().equals(c.env().get("VIDEO_ID"))) {
			return false;
		}
		String recordingJson = c.env().get("RECORDING_JSON");
		if (recordingJson == null) {
			return true;
		}
		try {
			JsonNode createdAt = json.readTree(recordingJson).path("createdAt");
			return !createdAt.isIntegralNumber() || createdAt.asLong() == r.createdAt();
		}
		catch (JacksonException ex) {
			return true;
		}
	}

	/**
	 * Whether a container that died is gone or being removed ({@code docker rm -f}: Docker marks
	 * the removal before it kills, so this holds from the die event on): nobody but OpenVidu's
	 * startup cleanup or an operator removes a live recorder, which is no crash. False when
	 * Docker cannot tell.
	 */
	public static boolean removedBySomebodyElse(RecorderRuntime runtime, String containerId) {
		if (!ContainerLabels.isExactId(containerId)) {
			return false;
		}
		try {
			Optional<RecorderContainer> c = runtime.inspect(containerId);
			return c.isEmpty() || REMOVED_STATES.contains(c.get().state());
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	/** Kills by exact id; false when it was not running, unknown or the runtime failed. */
	boolean killQuietly(String containerId) {
		if (!ContainerLabels.isExactId(containerId)) {
			return false;
		}
		try {
			boolean killed = runtime.kill(containerId);
			if (killed) {
				LOG.info("event=failover.container_killed containerId=" + ContainerLabels.shortId(containerId));
			}
			return killed;
		}
		catch (RuntimeException ex) {
			LOG.warn("event=failover.kill_failed containerId=" + ContainerLabels.shortId(containerId) + " error="
					+ LogValues.quote(ex.getMessage()));
			return false;
		}
	}

}
