package io.ov2ha.controller.docker;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

	private final EngineProbes probes;

	private final EngineDirectory directory;

	private final EngineStarts starts;

	public DockerEngines(HaProperties.Docker settings, Clock clock) {
		this.endpoints = settings.engines();
		for (String endpoint : endpoints) {
			engines.add(new DockerRecorderRuntime(settings.forEngine(endpoint), clock));
		}
		this.probes = new EngineProbes(engines, endpoints, clock);
		this.directory = new EngineDirectory(engines, probes);
		this.starts = new EngineStarts(engines, endpoints, settings.engineMaxRecorders(), directory);
		probes.start(directory::knownOn);
	}

	// --- engines ----------------------------------------------------------------------------

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
		return index == null ? status() : probes.status(index);
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
		return !directory.reachable(index) && !directory.reachable().isEmpty();
	}

	@Override
	public int engineCount() {
		return engines.size();
	}

	@Override
	public List<RuntimeStatus> engines() {
		List<RuntimeStatus> out = new ArrayList<>();
		for (int i = 0; i < engines.size(); i++) {
			out.add(probes.status(i));
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

	/** Placed by {@link EngineStarts}. */
	@Override
	public String startBackup(BackupSpec spec) {
		return starts.start(spec);
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
		if (known != null && !directory.reachable(known) && !directory.reachable().isEmpty()) {
			if (!directory.awaitReachable(known, timeout)) {
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
