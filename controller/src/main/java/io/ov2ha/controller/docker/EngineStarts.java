package io.ov2ha.controller.docker;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.support.LogValues;

/**
 * The start of a backup over several engines ({@link DockerEngines#startBackup}): where
 * {@link Placement} puts it, and which engine is passed over when it cannot.
 */
final class EngineStarts {

	private static final Log LOG = LogFactory.getLog(EngineStarts.class);

	private final List<DockerRecorderRuntime> engines;

	private final List<String> endpoints;

	private final int maxRecorders;

	private final EngineDirectory directory;

	EngineStarts(List<DockerRecorderRuntime> engines, List<String> endpoints, int maxRecorders,
			EngineDirectory directory) {
		this.engines = engines;
		this.endpoints = endpoints;
		this.maxRecorders = maxRecorders;
		this.directory = directory;
	}

	/**
	 * Tries the engines in {@link Placement}'s order: one without the image, or that does not
	 * answer the image check, is passed over, and so is one that answers that it could not start
	 * the backup (it removes what it created). One that did not answer the start itself is not:
	 * it may have created the container all the same, and the failover's next attempt adopts it
	 * (it lists every engine) rather than start a second one.
	 */
	String start(BackupSpec spec) {
		Integer nearIndex = nearEngine(spec.near());
		List<Placement.Engine> seen = new ArrayList<>();
		boolean count = maxRecorders > 0 || nearIndex == null || !directory.reachable(nearIndex);
		for (int i = 0; i < engines.size(); i++) {
			boolean up = directory.reachable(i);
			seen.add(new Placement.Engine(i, up, nearIndex != null && nearIndex == i, up && count ? running(i) : -1));
		}
		Placement.Plan plan = Placement.plan(seen, maxRecorders);
		RecorderRuntimeException passedOver = null;
		for (Placement.Engine e : plan.order()) {
			DockerRecorderRuntime engine = engines.get(e.index());
			try {
				if (!engine.imagePresent(spec.image())) {
					passedOver = worse(passedOver, new RecorderRuntimeException(RecorderRuntimeException.Kind.IMAGE_MISSING,
							"image " + spec.image() + " is not on " + endpoints.get(e.index()), null));
					continue;
				}
			}
			catch (RecorderRuntimeException ex) {
				// it did not answer the image check: nothing was asked of it, the next engine may
				passedOver = worse(passedOver, ex);
				continue;
			}
			try {
				String id = engine.startBackup(spec);
				directory.remember(id, e.index());
				LOG.info("event=docker.backup_placed name=" + spec.name() + " containerId=" + ContainerLabels.shortId(id)
						+ " endpoint=" + LogValues.quote(endpoints.get(e.index())) + " reason="
						+ plan.reason().name().toLowerCase(Locale.ROOT) + " near=" + ContainerLabels.shortId(spec.near())
						+ " recorders=" + e.recorders());
				return id;
			}
			catch (RecorderRuntimeException ex) {
				if (ex.kind() == RecorderRuntimeException.Kind.REFUSED
						|| ex.kind() == RecorderRuntimeException.Kind.UNAVAILABLE) {
					// a name in use is refused everywhere; an engine that did not answer may have
					// started it: the failover's next attempt adopts it rather than start another
					throw ex;
				}
				// the engine answered that it could not (it removes what it created): the next one may
				passedOver = worse(passedOver, ex);
				LOG.warn("event=docker.backup_not_placed name=" + spec.name() + " endpoint="
						+ LogValues.quote(endpoints.get(e.index())) + " error=" + LogValues.quote(ex.getMessage()));
			}
		}
		throw passedOver != null ? passedOver : DockerEngines.unavailable("start backup " + spec.name());
	}

	/** The error to report when no engine could: one that did not answer over a missing image. */
	private static RecorderRuntimeException worse(RecorderRuntimeException before, RecorderRuntimeException now) {
		return before != null && before.kind() == RecorderRuntimeException.Kind.UNAVAILABLE ? before : now;
	}

	/** The engine of the recorder a backup replaces: as known, else looked for now; null if unknown. */
	private Integer nearEngine(String near) {
		if (!ContainerLabels.isExactId(near)) {
			return null;
		}
		Integer index = directory.known(near);
		if (index != null) {
			return index;
		}
		try {
			return directory.find(near).orElse(null);
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	/** Running backups and standbys on one engine; -1 when they could not be listed. */
	private int running(int index) {
		try {
			return (int) engines.get(index)
				.listByLabels(Map.of(ContainerLabels.MANAGED, "true"))
				.stream()
				.filter(RecorderContainer::running)
				.count();
		}
		catch (RuntimeException ex) {
			return -1;
		}
	}

}
