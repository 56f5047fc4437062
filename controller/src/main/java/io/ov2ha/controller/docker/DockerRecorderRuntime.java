package io.ov2ha.controller.docker;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;

import io.ov2ha.controller.config.HaProperties;

/**
 * {@link RecorderRuntime} on one Docker engine through docker-java (httpclient5 transport).
 *
 * <p>
 * The clients: {@link DockerClients}; starting backups: {@link DockerBackupStarts}; ending
 * containers: {@link DockerStops}; the event stream: {@link DockerEventStream}.
 *
 * <p>
 * Construction never fails: when the engine is unreachable, calls throw
 * {@link RecorderRuntimeException.Kind#UNAVAILABLE} and {@link #status()} says why, so the
 * controller starts and keeps its other duties without Docker.
 */
public class DockerRecorderRuntime implements RecorderRuntime, AutoCloseable {

	static final String LABEL_PREFIX = "io.ov2ha.";

	private final String endpoint;

	private final Clock clock;

	private final DockerClients clients;

	private final DockerStops stops;

	private final DockerBackupStarts backups;

	/** Whether an event stream is connected now (for the status). */
	private final AtomicBoolean eventsConnected = new AtomicBoolean();

	private final EngineStatus status;

	public DockerRecorderRuntime(HaProperties.Docker settings, Clock clock) {
		this.endpoint = settings.host();
		this.clock = clock;
		this.clients = new DockerClients(settings);
		this.stops = new DockerStops(clients, this::inspect);
		this.backups = new DockerBackupStarts(clients, settings);
		this.status = new EngineStatus(clients, endpoint, settings.apiVersion(), clock, eventsConnected);
	}

	// --- status ---------------------------------------------------------------------------

	@Override
	public RuntimeStatus status() {
		return status.status();
	}

	/** Checks the engine now, whatever is cached (the probes of {@link DockerEngines}), and caches the answer. */
	RuntimeStatus refresh() {
		return status.refresh();
	}

	// --- images and containers ---------------------------------------------------------------

	@Override
	public boolean imagePresent(String image) {
		try {
			clients.commands().inspectImageCmd(image).exec();
			return true;
		}
		catch (NotFoundException ex) {
			return false;
		}
		catch (RuntimeException ex) {
			throw clients.translate("inspect image " + image, ex);
		}
	}

	@Override
	public String startBackup(BackupSpec spec) {
		return backups.start(spec);
	}

	@Override
	public void rename(String containerId, String newName) {
		DockerContainers.requireExactId(containerId);
		try {
			clients.commands().renameContainerCmd(containerId).withName(newName).exec();
		}
		catch (ConflictException ex) {
			throw new RecorderRuntimeException(RecorderRuntimeException.Kind.REFUSED,
					"container name " + newName + " is in use", ex);
		}
		catch (RuntimeException ex) {
			throw clients.translate("rename " + ContainerLabels.shortId(containerId), ex);
		}
	}

	@Override
	public void copyFiles(String containerId, String folder, Map<String, byte[]> files) {
		DockerContainers.requireExactId(containerId);
		try (InputStream tar = new ByteArrayInputStream(TarFiles.of(files, clock.instant()))) {
			clients.commands().copyArchiveToContainerCmd(containerId).withRemotePath(folder).withTarInputStream(tar).exec();
		}
		catch (NotFoundException ex) {
			throw new RecorderRuntimeException(RecorderRuntimeException.Kind.REFUSED,
					"no folder " + folder + " in container " + ContainerLabels.shortId(containerId) + " (or no such container)", ex);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (RuntimeException ex) {
			throw clients.translate("copy to " + ContainerLabels.shortId(containerId), ex);
		}
	}

	@Override
	public boolean hasFile(String containerId, String path) {
		DockerContainers.requireExactId(containerId);
		if (path == null || !path.matches("(/[A-Za-z0-9_.-]+)+") || path.contains("/..")) {
			throw new IllegalArgumentException("not an absolute file path");
		}
		try (InputStream tar = clients.commands().copyArchiveFromContainerCmd(containerId, path).exec()) {
			tar.transferTo(OutputStream.nullOutputStream());
			return true;
		}
		catch (NotFoundException ex) {
			return false;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (RuntimeException ex) {
			throw clients.translate("look into " + ContainerLabels.shortId(containerId), ex);
		}
	}

	@Override
	public Optional<RecorderContainer> inspect(String containerId) {
		DockerContainers.requireExactId(containerId);
		try {
			return Optional.of(DockerContainers.toContainer(clients.commands().inspectContainerCmd(containerId).exec()));
		}
		catch (NotFoundException ex) {
			return Optional.empty();
		}
		catch (RuntimeException ex) {
			throw clients.translate("inspect " + ContainerLabels.shortId(containerId), ex);
		}
	}

	@Override
	public Optional<RecorderContainer> inspectByExactName(String name) {
		if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,254}")) {
			throw new IllegalArgumentException("not a container name");
		}
		try {
			RecorderContainer c = DockerContainers.toContainer(clients.commands().inspectContainerCmd(name).exec());
			// the engine resolves a name exactly, but also an id prefix: accept only the exact name
			return c.name().equals(name) ? Optional.of(c) : Optional.empty();
		}
		catch (NotFoundException ex) {
			return Optional.empty();
		}
		catch (RuntimeException ex) {
			throw clients.translate("inspect " + name, ex);
		}
	}

	@Override
	public List<RecorderContainer> listByLabels(Map<String, String> labels) {
		try {
			List<Container> found = clients.commands().listContainersCmd().withShowAll(true).withLabelFilter(labels).exec();
			List<RecorderContainer> out = new ArrayList<>();
			for (Container c : found) {
				String name = c.getNames() == null || c.getNames().length == 0 ? "" : DockerContainers.strip(c.getNames()[0]);
				boolean running = "running".equals(c.getState()) || "paused".equals(c.getState());
				out.add(new RecorderContainer(c.getId(), name, c.getImage(), running, c.getState(), null, false, "",
						null, null, c.getLabels(), Map.of()));
			}
			return out;
		}
		catch (RuntimeException ex) {
			throw clients.translate("list containers", ex);
		}
	}

	@Override
	public StopResult stopGracefully(String containerId, Duration timeout) {
		return stops.stopGracefully(containerId, timeout);
	}

	@Override
	public boolean kill(String containerId) {
		return stops.kill(containerId);
	}

	@Override
	public boolean remove(String containerId) {
		return stops.remove(containerId);
	}

	// --- events ------------------------------------------------------------------------------

	@Override
	public AutoCloseable subscribe(RuntimeEventListener listener) {
		return DockerEventStream.start(clients::streams, clock, endpoint, eventsConnected, listener);
	}

	// --- helpers -----------------------------------------------------------------------------

	@Override
	public void close() {
		clients.close();
	}

}
