package io.ov2ha.controller.docker;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.support.LogValues;

/**
 * {@link RecorderRuntime} over several Docker engines ({@code HA_DOCKER_HOSTS}): one
 * {@link DockerRecorderRuntime} per engine, each with its own clients and event stream.
 * <ul>
 * <li>Each engine is checked every 2 s ({@link EngineProbes}); every other call reads that
 * result. An engine that does not answer (or not within 3 s) is not called at all until it
 * answers again: a lost host costs no time-outs and no retries (one {@code docker.engine_lost}
 * line when it goes, one {@code docker.engine_back} when it returns).</li>
 * <li>A container is addressed on the engine it was seen on (its start, a listing, an inspection or
 * an event); an unknown one is looked for on every engine that answers.</li>
 * <li>A backup is placed by {@link Placement}: near the recorder it replaces while that engine
 * answers, else on the least loaded engine that answers and has the image.</li>
 * <li>A container on an engine that does not answer cannot be inspected (an error of kind
 * {@link RecorderRuntimeException.Kind#UNAVAILABLE}); nor can one found on none of the engines
 * that answer while another does not (it may be there). A silent recorder there is replaced once
 * its silence is judged; {@link #engineLost} tells the detection not to wait as for a busy
 * host.</li>
 * </ul>
 */
public final class DockerEngines implements RecorderRuntime, AutoCloseable {

	private static final Log LOG = LogFactory.getLog(DockerEngines.class);

	private final List<DockerRecorderRuntime> engines = new ArrayList<>();

	private final List<String> endpoints;

	private final int maxRecorders;

	private final EngineProbes probes;

	private final EngineDirectory directory;

	public DockerEngines(HaProperties.Docker settings, Clock clock) {
		this.endpoints = settings.engines();
		this.maxRecorders = settings.engineMaxRecorders();
		for (String endpoint : endpoints) {
			engines.add(new DockerRecorderRuntime(settings.forEngine(endpoint), clock));
		}
		this.probes = new EngineProbes(engines, endpoints, clock);
		this.directory = new EngineDirectory(engines, probes);
		probes.start(directory::knownOn);
	}

	// --- engines ----------------------------------------------------------------------------

	/** The engine's last checked status (no call to it). */
	private RuntimeStatus statusAt(int index) {
		return probes.status(index);
	}

	private boolean reachable(int index) {
		return directory.reachable(index);
	}

	@Override
	public RuntimeStatus status() {
		List<RuntimeStatus> all = engines();
		RuntimeStatus first = all.stream().filter(RuntimeStatus::reachable).findFirst().orElse(all.get(0));
		boolean reachable = all.stream().anyMatch(RuntimeStatus::reachable);
		StringBuilder errors = new StringBuilder();
		for (RuntimeStatus s : all) {
			if (!reachable && !s.error().isEmpty()) {
				errors.append(errors.isEmpty() ? "" : "; ").append(s.endpoint()).append(": ").append(s.error());
			}
		}
		boolean events = all.stream().filter(RuntimeStatus::reachable).allMatch(RuntimeStatus::eventsConnected);
		return new RuntimeStatus(reachable, String.join(",", endpoints), first.version(), first.apiVersion(),
				errors.toString(), first.checkedAt(), reachable && events, "");
	}

	@Override
	public RuntimeStatus statusOf(String containerId) {
		Integer index = directory.known(containerId);
		return index == null ? status() : statusAt(index);
	}

	/**
	 * Asked of every recorder judged: a recorder whose engine is not known yet (a primary, started
	 * by OpenVidu) is looked for in the background, so that its engine is known before it is lost.
	 */
	@Override
	public boolean engineLost(String containerId) {
		if (!ContainerLabels.isExactId(containerId)) {
			return false;
		}
		Integer index = directory.known(containerId);
		if (index == null) {
			directory.learn(containerId);
			return false;
		}
		return !reachable(index) && !directory.reachable().isEmpty();
	}

	@Override
	public int engineCount() {
		return engines.size();
	}

	@Override
	public List<RuntimeStatus> engines() {
		List<RuntimeStatus> out = new ArrayList<>();
		for (int i = 0; i < engines.size(); i++) {
			out.add(statusAt(i));
		}
		return out;
	}

	/** Every reachable engine has the image (a backup may be placed on any of them). */
	@Override
	public boolean imagePresent(String image) {
		List<Integer> reachable = directory.reachable();
		if (reachable.isEmpty()) {
			throw unavailable("inspect image " + image);
		}
		for (int i : reachable) {
			if (!engines.get(i).imagePresent(image)) {
				return false;
			}
		}
		return true;
	}

	// --- placement ----------------------------------------------------------------------------

	/**
	 * Tries the engines in {@link Placement}'s order: one without the image, or that does not
	 * answer the image check, is passed over, and so is one that answers that it could not start
	 * the backup (it removes what it created). One that did not answer the start itself is not:
	 * it may have created the container all the same, and the failover's next attempt adopts it
	 * (it lists every engine) rather than start a second one.
	 */
	@Override
	public String startBackup(BackupSpec spec) {
		Integer nearIndex = nearEngine(spec.near());
		List<Placement.Engine> seen = new ArrayList<>();
		boolean count = maxRecorders > 0 || nearIndex == null || !reachable(nearIndex);
		for (int i = 0; i < engines.size(); i++) {
			boolean up = reachable(i);
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
		throw passedOver != null ? passedOver : unavailable("start backup " + spec.name());
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

	// --- one container --------------------------------------------------------------------------

	@Override
	public void rename(String containerId, String newName) {
		directory.find(containerId).map(engines::get)
			.orElseThrow(() -> noSuchContainer(containerId))
			.rename(containerId, newName);
	}

	@Override
	public void copyFiles(String containerId, String folder, Map<String, byte[]> files) {
		directory.find(containerId).map(engines::get)
			.orElseThrow(() -> noSuchContainer(containerId))
			.copyFiles(containerId, folder, files);
	}

	@Override
	public boolean hasFile(String containerId, String path) {
		Optional<Integer> index = directory.find(containerId);
		return index.isPresent() && engines.get(index.get()).hasFile(containerId, path);
	}

	@Override
	public Optional<RecorderContainer> inspect(String containerId) {
		Optional<Integer> index = directory.find(containerId);
		return index.isEmpty() ? Optional.empty() : engines.get(index.get()).inspect(containerId);
	}

	@Override
	public Optional<RecorderContainer> inspectByExactName(String name) {
		List<Integer> reachable = directory.reachable();
		if (reachable.isEmpty()) {
			throw unavailable("inspect " + name);
		}
		for (int i : reachable) {
			Optional<RecorderContainer> c = engines.get(i).inspectByExactName(name);
			if (c.isPresent()) {
				directory.remember(c.get().id(), i);
				return c;
			}
		}
		return Optional.empty();
	}

	/** The containers of every engine that answers (an engine that fails meanwhile is left out). */
	@Override
	public List<RecorderContainer> listByLabels(Map<String, String> labels) {
		List<Integer> reachable = directory.reachable();
		List<RecorderContainer> out = new ArrayList<>();
		RuntimeException failure = null;
		int listed = 0;
		for (int i : reachable) {
			try {
				for (RecorderContainer c : engines.get(i).listByLabels(labels)) {
					directory.remember(c.id(), i);
					out.add(c);
				}
				listed++;
			}
			catch (RuntimeException ex) {
				failure = ex;
			}
		}
		if (listed == 0) {
			throw failure instanceof RecorderRuntimeException r ? r : unavailable("list containers");
		}
		return out;
	}

	/**
	 * On its engine. When that engine does not answer while another does (its host is lost), the
	 * stop waits for it up to {@code timeout}, then gives up on the recorder: neither exited nor
	 * killed, exit code unknown, so that the recording is finalized from what was uploaded rather
	 * than wait for a host that may not come back.
	 */
	@Override
	public StopResult stopGracefully(String containerId, Duration timeout) {
		Integer known = directory.known(containerId);
		if (known != null && !reachable(known) && !directory.reachable().isEmpty()) {
			long deadline = System.nanoTime() + timeout.toNanos();
			while (!reachable(known) && System.nanoTime() < deadline) {
				try {
					Thread.sleep(200);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					break;
				}
			}
			if (!reachable(known)) {
				LOG.warn("event=docker.stop_given_up containerId=" + ContainerLabels.shortId(containerId) + " endpoint="
						+ LogValues.quote(endpoints.get(known)) + " waitedSeconds=" + timeout.toSeconds()
						+ " reason=engine_lost");
				return new StopResult(false, false, null);
			}
		}
		Optional<Integer> index = directory.find(containerId);
		return index.isEmpty() ? new StopResult(true, false, null)
				: engines.get(index.get()).stopGracefully(containerId, timeout);
	}

	@Override
	public boolean kill(String containerId) {
		Optional<Integer> index = directory.find(containerId);
		return index.isPresent() && engines.get(index.get()).kill(containerId);
	}

	@Override
	public boolean remove(String containerId) {
		Optional<Integer> index = directory.find(containerId);
		boolean removed = index.isPresent() && engines.get(index.get()).remove(containerId);
		if (removed) {
			directory.forget(containerId);
		}
		return removed;
	}

	// --- events ---------------------------------------------------------------------------------

	/** One stream per engine; each event's container is remembered on its engine. */
	@Override
	public AutoCloseable subscribe(RuntimeEventListener listener) {
		List<AutoCloseable> streams = new ArrayList<>();
		for (int i = 0; i < engines.size(); i++) {
			int index = i;
			streams.add(engines.get(i).subscribe(new RuntimeEventListener() {
				@Override
				public void onEvent(RuntimeEvent event) {
					directory.remember(event.containerId(), index);
					listener.onEvent(event);
				}

				@Override
				public void onConnected(boolean reconnected) {
					listener.onConnected(reconnected);
				}

				@Override
				public void onDisconnected(String reason) {
					listener.onDisconnected(endpoints.get(index) + ": " + reason);
				}
			}));
		}
		return () -> {
			for (AutoCloseable s : streams) {
				s.close();
			}
		};
	}

	// --- helpers --------------------------------------------------------------------------------

	static RecorderRuntimeException unavailable(String what) {
		return new RecorderRuntimeException(RecorderRuntimeException.Kind.UNAVAILABLE,
				"no Docker engine answers to " + what, null);
	}

	private static RecorderRuntimeException noSuchContainer(String containerId) {
		return new RecorderRuntimeException(RecorderRuntimeException.Kind.REFUSED,
				"no container " + ContainerLabels.shortId(containerId) + " on an engine that answers", null);
	}

	@Override
	public void close() {
		probes.close();
		directory.close();
		for (DockerRecorderRuntime e : engines) {
			e.close();
		}
	}

}
