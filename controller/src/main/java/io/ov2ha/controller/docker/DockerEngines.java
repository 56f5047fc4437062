package io.ov2ha.controller.docker;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.support.LogValues;

/**
 * {@link RecorderRuntime} over several Docker engines ({@code HA_DOCKER_HOSTS}): one
 * {@link DockerRecorderRuntime} per engine, each with its own clients and event stream.
 * <ul>
 * <li>Each engine is checked every {@link #PROBE_PERIOD} on its own thread; every other call reads
 * that result. An engine that does not answer is not called at all until it answers again: a lost
 * host costs no time-outs and no retries (one {@code docker.engine_lost} line when it goes, one
 * {@code docker.engine_back} when it returns).</li>
 * <li>A container is addressed on the engine it was seen on (its start, a listing, an inspection or
 * an event); an unknown one is looked for on every engine that answers.</li>
 * <li>A backup is placed by {@link Placement}: near the recorder it replaces while that engine
 * answers, else on the least loaded engine that answers and has the image.</li>
 * <li>A container on an engine that does not answer cannot be inspected (an error of kind
 * {@link RecorderRuntimeException.Kind#UNAVAILABLE}), so a silent recorder there counts as gone
 * once its silence is judged; {@link #engineLost} says so to the detection.</li>
 * </ul>
 */
public final class DockerEngines implements RecorderRuntime, AutoCloseable {

	private static final Log LOG = LogFactory.getLog(DockerEngines.class);

	static final Duration PROBE_PERIOD = Duration.ofSeconds(2);

	private static final int MAX_KNOWN = 10_000;

	/** A container found on no engine is looked for again after this. */
	private static final Duration RELEARN = Duration.ofSeconds(30);

	private final List<DockerRecorderRuntime> engines = new ArrayList<>();

	private final List<String> endpoints;

	private final Map<String, RuntimeStatus> last = new ConcurrentHashMap<>();

	/** Container id -> engine index, the most recent {@link #MAX_KNOWN}. */
	private final Map<String, Integer> where = java.util.Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f,
			true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
			return size() > MAX_KNOWN;
		}
	});

	/** Containers looked for on every engine, and when (nanoTime), the most recent {@link #MAX_KNOWN}. */
	private final Map<String, Long> lookedFor = new LinkedHashMap<>(64, 0.75f, false) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
			return size() > MAX_KNOWN;
		}
	};

	private final int maxRecorders;

	private final ScheduledExecutorService probes;

	public DockerEngines(HaProperties.Docker settings, Clock clock) {
		this.endpoints = settings.engines();
		this.maxRecorders = settings.engineMaxRecorders();
		for (String endpoint : endpoints) {
			engines.add(new DockerRecorderRuntime(settings.forEngine(endpoint), clock));
		}
		this.probes = Executors.newScheduledThreadPool(engines.size(), r -> {
			Thread t = new Thread(r, "docker-engine-probe");
			t.setDaemon(true);
			return t;
		});
		for (int i = 0; i < engines.size(); i++) {
			int index = i;
			probes.scheduleWithFixedDelay(() -> probe(index), 0, PROBE_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	// --- engines ----------------------------------------------------------------------------

	private void probe(int index) {
		try {
			RuntimeStatus now = engines.get(index).status();
			RuntimeStatus before = last.put(endpoints.get(index), now);
			boolean was = before == null || before.reachable();
			if (was && !now.reachable()) {
				LOG.warn("event=docker.engine_lost endpoint=" + LogValues.quote(now.endpoint()) + " hostName="
						+ LogValues.quote(now.hostName()) + " error=" + LogValues.quote(now.error())
						+ " containersKnown=" + known(index));
			}
			else if (!was && now.reachable()) {
				LOG.info("event=docker.engine_back endpoint=" + LogValues.quote(now.endpoint()) + " hostName="
						+ LogValues.quote(now.hostName()));
			}
		}
		catch (RuntimeException ex) {
			LOG.warn("event=docker.engine_probe_failed endpoint=" + LogValues.quote(endpoints.get(index)) + " error="
					+ LogValues.quote(DockerClients.describe(ex)));
		}
	}

	private int known(int index) {
		synchronized (where) {
			return (int) where.values().stream().filter(i -> i == index).count();
		}
	}

	/** The engine's last checked status (checked now, once, before its first probe ends). */
	private RuntimeStatus statusAt(int index) {
		RuntimeStatus s = last.get(endpoints.get(index));
		return s != null ? s : engines.get(index).status();
	}

	private boolean reachable(int index) {
		return statusAt(index).reachable();
	}

	private List<Integer> reachableEngines() {
		List<Integer> out = new ArrayList<>();
		for (int i = 0; i < engines.size(); i++) {
			if (reachable(i)) {
				out.add(i);
			}
		}
		return out;
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
		Integer index = containerId == null ? null : where.get(containerId);
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
		Integer index = where.get(containerId);
		if (index == null) {
			learn(containerId);
			return false;
		}
		return !reachable(index) && !reachableEngines().isEmpty();
	}

	/** Looks for the container on the engines that answer, at most once per {@link #RELEARN}. */
	private void learn(String containerId) {
		long now = System.nanoTime();
		synchronized (lookedFor) {
			Long at = lookedFor.get(containerId);
			if (at != null && now - at < RELEARN.toNanos()) {
				return;
			}
			lookedFor.put(containerId, now);
		}
		probes.execute(() -> {
			try {
				engineOf(containerId);
			}
			catch (RuntimeException ex) {
				// looked for again later
			}
		});
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
		List<Integer> reachable = reachableEngines();
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

	@Override
	public String startBackup(BackupSpec spec) {
		Integer nearIndex = spec.near().isEmpty() ? null : where.get(spec.near());
		List<Placement.Engine> seen = new ArrayList<>();
		boolean count = maxRecorders > 0 || nearIndex == null || !reachable(nearIndex);
		for (int i = 0; i < engines.size(); i++) {
			boolean up = reachable(i);
			seen.add(new Placement.Engine(i, up, nearIndex != null && nearIndex == i, up && count ? running(i) : -1));
		}
		Placement.Plan plan = Placement.plan(seen, maxRecorders);
		RecorderRuntimeException failure = null;
		for (Placement.Engine e : plan.order()) {
			DockerRecorderRuntime engine = engines.get(e.index());
			try {
				if (!engine.imagePresent(spec.image())) {
					failure = new RecorderRuntimeException(RecorderRuntimeException.Kind.IMAGE_MISSING,
							"image " + spec.image() + " is not on " + endpoints.get(e.index()), null);
					continue;
				}
				String id = engine.startBackup(spec);
				where.put(id, e.index());
				LOG.info("event=docker.backup_placed name=" + spec.name() + " containerId=" + ContainerLabels.shortId(id)
						+ " endpoint=" + LogValues.quote(endpoints.get(e.index())) + " reason="
						+ plan.reason().name().toLowerCase(java.util.Locale.ROOT) + " near="
						+ ContainerLabels.shortId(spec.near()) + " recorders=" + e.recorders());
				return id;
			}
			catch (RecorderRuntimeException ex) {
				// this engine cannot: the next one may (a refused name is refused everywhere)
				if (ex.kind() == RecorderRuntimeException.Kind.REFUSED) {
					throw ex;
				}
				failure = ex;
				LOG.warn("event=docker.backup_not_placed name=" + spec.name() + " endpoint="
						+ LogValues.quote(endpoints.get(e.index())) + " error=" + LogValues.quote(ex.getMessage()));
			}
		}
		throw failure != null ? failure : unavailable("start backup " + spec.name());
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

	/** The engine of a known container, or empty when it is on none of the engines that answer. */
	private Optional<Integer> engineOf(String containerId) {
		DockerContainers.requireExactId(containerId);
		Integer index = where.get(containerId);
		if (index != null) {
			if (!reachable(index)) {
				throw unavailable("reach the engine of " + ContainerLabels.shortId(containerId) + " ("
						+ endpoints.get(index) + ")");
			}
			return Optional.of(index);
		}
		List<Integer> reachable = reachableEngines();
		if (reachable.isEmpty()) {
			throw unavailable("find " + ContainerLabels.shortId(containerId));
		}
		for (int i : reachable) {
			if (engines.get(i).inspect(containerId).isPresent()) {
				where.put(containerId, i);
				return Optional.of(i);
			}
		}
		return Optional.empty();
	}

	@Override
	public void rename(String containerId, String newName) {
		engineOf(containerId).map(engines::get)
			.orElseThrow(() -> noSuchContainer(containerId))
			.rename(containerId, newName);
	}

	@Override
	public void copyFiles(String containerId, String folder, Map<String, byte[]> files) {
		engineOf(containerId).map(engines::get)
			.orElseThrow(() -> noSuchContainer(containerId))
			.copyFiles(containerId, folder, files);
	}

	@Override
	public boolean hasFile(String containerId, String path) {
		Optional<Integer> index = engineOf(containerId);
		return index.isPresent() && engines.get(index.get()).hasFile(containerId, path);
	}

	@Override
	public Optional<RecorderContainer> inspect(String containerId) {
		Optional<Integer> index = engineOf(containerId);
		return index.isEmpty() ? Optional.empty() : engines.get(index.get()).inspect(containerId);
	}

	@Override
	public Optional<RecorderContainer> inspectByExactName(String name) {
		List<Integer> reachable = reachableEngines();
		if (reachable.isEmpty()) {
			throw unavailable("inspect " + name);
		}
		for (int i : reachable) {
			Optional<RecorderContainer> c = engines.get(i).inspectByExactName(name);
			if (c.isPresent()) {
				where.put(c.get().id(), i);
				return c;
			}
		}
		return Optional.empty();
	}

	/** The containers of every engine that answers (an engine that fails meanwhile is left out). */
	@Override
	public List<RecorderContainer> listByLabels(Map<String, String> labels) {
		List<Integer> reachable = reachableEngines();
		List<RecorderContainer> out = new ArrayList<>();
		RuntimeException failure = null;
		int listed = 0;
		for (int i : reachable) {
			try {
				for (RecorderContainer c : engines.get(i).listByLabels(labels)) {
					where.put(c.id(), i);
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

	@Override
	public StopResult stopGracefully(String containerId, Duration timeout) {
		Optional<Integer> index = engineOf(containerId);
		return index.isEmpty() ? new StopResult(true, false, null)
				: engines.get(index.get()).stopGracefully(containerId, timeout);
	}

	@Override
	public boolean kill(String containerId) {
		Optional<Integer> index = engineOf(containerId);
		return index.isPresent() && engines.get(index.get()).kill(containerId);
	}

	@Override
	public boolean remove(String containerId) {
		Optional<Integer> index = engineOf(containerId);
		boolean removed = index.isPresent() && engines.get(index.get()).remove(containerId);
		if (removed) {
			where.remove(containerId);
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
					where.put(event.containerId(), index);
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

	private static RecorderRuntimeException unavailable(String what) {
		return new RecorderRuntimeException(RecorderRuntimeException.Kind.UNAVAILABLE,
				"no Docker engine answers to " + what, null);
	}

	private static RecorderRuntimeException noSuchContainer(String containerId) {
		return new RecorderRuntimeException(RecorderRuntimeException.Kind.REFUSED,
				"no container " + ContainerLabels.shortId(containerId) + " on an engine that answers", null);
	}

	@Override
	public void close() {
		probes.shutdownNow();
		for (DockerRecorderRuntime e : engines) {
			e.close();
		}
	}

}
