package io.ov2ha.controller.docker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.support.LogValues;

/**
 * {@link RecorderRuntime} on one Docker engine through docker-java (httpclient5 transport).
 *
 * <p>
 * Two clients: one for commands (bounded response time) and one for the event stream and
 * {@code wait}, without a response timeout, so that an idle event stream is never cut (an
 * idle stream cut by a read timeout is a known docker-java pitfall). The API version is pinned
 * ({@code HA_DOCKER_API_VERSION}): docker-java does not negotiate.
 *
 * <p>
 * Construction never fails: when the engine is unreachable, calls throw
 * {@link RecorderRuntimeException.Kind#UNAVAILABLE} and {@link #status()} says why, so the
 * controller starts and keeps its other duties without Docker.
 */
public class DockerRecorderRuntime implements RecorderRuntime, AutoCloseable {

	private static final Log LOG = LogFactory.getLog(DockerRecorderRuntime.class);

	static final String LABEL_PREFIX = "io.ov2ha.";

	private static final Duration STATUS_TTL = Duration.ofSeconds(3);

	private static final Duration EXEC_WAIT = Duration.ofSeconds(5);

	private final HaProperties.Docker settings;

	private final String endpoint;

	private final String apiVersion;

	private final Clock clock;

	private final DockerClient commands;

	private final DockerClient streams;

	private final String configError;

	private volatile RuntimeStatus cached;

	private volatile String serverVersion = "";

	/** Whether an event stream is connected now (for the status). */
	private final AtomicBoolean eventsConnected = new AtomicBoolean();

	public DockerRecorderRuntime(HaProperties.Docker settings, Clock clock) {
		this.settings = settings;
		this.endpoint = settings.host();
		this.apiVersion = settings.apiVersion();
		this.clock = clock;
		DockerClient commandClient = null;
		DockerClient streamClient = null;
		String error = null;
		try {
			DefaultDockerClientConfig.Builder builder = DefaultDockerClientConfig.createDefaultConfigBuilder()
				.withDockerHost(settings.host())
				.withApiVersion(settings.apiVersion());
			if (!settings.tlsVerify().isBlank()) {
				builder.withDockerTlsVerify(Boolean.parseBoolean(settings.tlsVerify().trim()));
			}
			if (!settings.certPath().isBlank()) {
				builder.withDockerCertPath(settings.certPath().trim());
			}
			DefaultDockerClientConfig config = builder.build();
			commandClient = DockerClientImpl.getInstance(config,
					new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
						.sslConfig(config.getSSLConfig())
						.maxConnections(32)
						.connectionTimeout(Duration.ofSeconds(5))
						.responseTimeout(Duration.ofSeconds(30))
						.build());
			streamClient = DockerClientImpl.getInstance(config,
					new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
						.sslConfig(config.getSSLConfig())
						.maxConnections(16)
						.connectionTimeout(Duration.ofSeconds(5))
						.build());
		}
		catch (RuntimeException ex) {
			error = "Docker client configuration failed: " + describe(ex);
			LOG.warn("event=docker.config_failed host=" + LogValues.quote(settings.host()) + " error="
					+ LogValues.quote(error));
		}
		this.commands = commandClient;
		this.streams = streamClient;
		this.configError = error;
	}

	// --- status ---------------------------------------------------------------------------

	@Override
	public RuntimeStatus status() {
		RuntimeStatus status = cached;
		Instant now = clock.instant();
		if (status != null && status.checkedAt().plus(STATUS_TTL).isAfter(now)) {
			return status.eventsConnected() == eventsConnected.get() ? status : withEvents(status);
		}
		status = check(now);
		cached = status;
		return status;
	}

	private RuntimeStatus withEvents(RuntimeStatus s) {
		return new RuntimeStatus(s.reachable(), s.endpoint(), s.version(), s.apiVersion(), s.error(), s.checkedAt(),
				eventsConnected.get());
	}

	private RuntimeStatus check(Instant now) {
		if (configError != null) {
			return new RuntimeStatus(false, endpoint, "", apiVersion, configError, now, false);
		}
		try {
			commands.pingCmd().exec();
			if (serverVersion.isEmpty()) {
				Version version = commands.versionCmd().exec();
				serverVersion = version.getVersion() == null ? "" : version.getVersion();
			}
			return new RuntimeStatus(true, endpoint, serverVersion, apiVersion, "", now, eventsConnected.get());
		}
		catch (RuntimeException ex) {
			return new RuntimeStatus(false, endpoint, serverVersion, apiVersion, describe(ex), now, eventsConnected.get());
		}
	}

	// --- images and containers ---------------------------------------------------------------

	@Override
	public boolean imagePresent(String image) {
		try {
			client().inspectImageCmd(image).exec();
			return true;
		}
		catch (NotFoundException ex) {
			return false;
		}
		catch (RuntimeException ex) {
			throw translate("inspect image " + image, ex);
		}
	}

	/**
	 * A backup's host settings: OpenVidu's (host network, the recordings bind, /dev/shm), never
	 * restarted, and what OpenVidu does not set: json-file log rotation and the optional memory
	 * and CPU limits ({@code HA_RECORDER_LOG_MAX_SIZE}, {@code HA_RECORDER_LOG_MAX_FILES},
	 * {@code HA_RECORDER_MEMORY_LIMIT}, {@code HA_RECORDER_CPUS}).
	 */
	static HostConfig hostConfig(BackupSpec spec, HaProperties.Docker settings) {
		HostConfig host = HostConfig.newHostConfig()
			.withNetworkMode("host")
			.withBinds(new Bind(spec.recordingsHostPath(), new Volume("/recordings")))
			.withShmSize(spec.shmSizeBytes())
			.withAutoRemove(false)
			.withRestartPolicy(RestartPolicy.noRestart())
			.withLogConfig(new LogConfig(LogConfig.LoggingType.JSON_FILE, Map.of("max-size",
					settings.recorderLogMaxSize(), "max-file", Integer.toString(settings.recorderLogMaxFiles()))));
		if (settings.recorderMemoryLimit() != null) {
			// swap included: a recorder that outgrows its limit is killed, not slowed down
			host.withMemory(settings.recorderMemoryLimit().toBytes())
				.withMemorySwap(settings.recorderMemoryLimit().toBytes());
		}
		if (settings.recorderCpus() > 0) {
			host.withNanoCPUs(Math.round(settings.recorderCpus() * 1_000_000_000d));
		}
		return host;
	}

	@Override
	public String startBackup(BackupSpec spec) {
		DockerClient client = client();
		List<String> env = new ArrayList<>();
		spec.env().forEach((k, v) -> env.add(k + "=" + v));
		HostConfig host = hostConfig(spec, settings);
		String id;
		try {
			// created from the image's id, not its name: Docker then reports the id as the
			// container's image, so OpenVidu's startup cleanup (cleanStrandedContainers: every
			// container whose image name starts with the recording image's repo) cannot match it
			String imageId = client.inspectImageCmd(spec.image()).exec().getId();
			Map<String, String> labels = new LinkedHashMap<>(spec.labels());
			labels.put(ContainerLabels.IMAGE, spec.image());
			id = client.createContainerCmd(imageId)
				.withName(spec.name())
				.withEnv(env)
				.withLabels(labels)
				.withHostConfig(host)
				.exec()
				.getId();
		}
		catch (ConflictException ex) {
			throw new RecorderRuntimeException(RecorderRuntimeException.Kind.REFUSED,
					"container name " + spec.name() + " is in use", ex);
		}
		catch (NotFoundException ex) {
			// creating a container never pulls (only the docker CLI does): the image is missing
			throw new RecorderRuntimeException(RecorderRuntimeException.Kind.IMAGE_MISSING, "recorder image "
					+ spec.image() + " is not on the Docker host " + endpoint
					+ "; the controller never pulls: build or load it there (HA_RECORDER_IMAGE)", ex);
		}
		catch (RuntimeException ex) {
			throw translate("create " + spec.name(), ex);
		}
		try {
			client.startContainerCmd(id).exec();
		}
		catch (RuntimeException ex) {
			try {
				client.removeContainerCmd(id).withForce(true).exec();
			}
			catch (RuntimeException cleanup) {
				LOG.warn("event=docker.cleanup_failed containerId=" + ContainerLabels.shortId(id) + " error="
						+ LogValues.quote(describe(cleanup)));
			}
			throw translate("start " + spec.name(), ex);
		}
		return id;
	}

	@Override
	public Optional<RecorderContainer> inspect(String containerId) {
		requireExactId(containerId);
		try {
			return Optional.of(toContainer(client().inspectContainerCmd(containerId).exec()));
		}
		catch (NotFoundException ex) {
			return Optional.empty();
		}
		catch (RuntimeException ex) {
			throw translate("inspect " + ContainerLabels.shortId(containerId), ex);
		}
	}

	@Override
	public Optional<RecorderContainer> inspectByExactName(String name) {
		if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,254}")) {
			throw new IllegalArgumentException("not a container name");
		}
		try {
			RecorderContainer c = toContainer(client().inspectContainerCmd(name).exec());
			// the engine resolves a name exactly, but also an id prefix: accept only the exact name
			return c.name().equals(name) ? Optional.of(c) : Optional.empty();
		}
		catch (NotFoundException ex) {
			return Optional.empty();
		}
		catch (RuntimeException ex) {
			throw translate("inspect " + name, ex);
		}
	}

	@Override
	public List<RecorderContainer> listByLabels(Map<String, String> labels) {
		try {
			List<Container> found = client().listContainersCmd().withShowAll(true).withLabelFilter(labels).exec();
			List<RecorderContainer> out = new ArrayList<>();
			for (Container c : found) {
				String name = c.getNames() == null || c.getNames().length == 0 ? "" : strip(c.getNames()[0]);
				boolean running = "running".equals(c.getState()) || "paused".equals(c.getState());
				out.add(new RecorderContainer(c.getId(), name, c.getImage(), running, c.getState(), null, false, "",
						null, null, c.getLabels(), Map.of()));
			}
			return out;
		}
		catch (RuntimeException ex) {
			throw translate("list containers", ex);
		}
	}

	@Override
	public StopResult stopGracefully(String containerId, Duration timeout) {
		requireExactId(containerId);
		Optional<RecorderContainer> before = inspect(containerId);
		if (before.isEmpty()) {
			return new StopResult(true, false, null);
		}
		if (!before.get().running()) {
			return new StopResult(true, false, before.get().exitCode());
		}
		DockerClient client = client();
		try {
			// exactly what OpenVidu runs: in the image's working directory, the recorder reads /stop
			String exec = client.execCreateCmd(containerId)
				.withCmd("bash", "-c", "echo 'q' > stop")
				.withAttachStdout(true)
				.withAttachStderr(true)
				.exec()
				.getId();
			client.execStartCmd(exec)
				.exec(new ResultCallback.Adapter<Frame>())
				.awaitCompletion(EXEC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (NotFoundException | ConflictException ex) {
			// exited or being removed meanwhile: the wait below tells
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RecorderRuntimeException(RecorderRuntimeException.Kind.FAILED, "interrupted", ex);
		}
		catch (RuntimeException ex) {
			LOG.warn("event=docker.stop_exec_failed containerId=" + ContainerLabels.shortId(containerId) + " error="
					+ LogValues.quote(describe(ex)));
		}
		try {
			Integer code = streams().waitContainerCmd(containerId)
				.exec(new WaitContainerResultCallback())
				.awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
			return new StopResult(true, false, code == null ? null : code.longValue());
		}
		catch (NotFoundException ex) {
			return new StopResult(true, false, null);
		}
		catch (RuntimeException ex) {
			// timeout (DockerClientException) or a broken wait: kill by id
			boolean killed = kill(containerId);
			Long code = inspect(containerId).map(RecorderContainer::exitCode).orElse(null);
			return new StopResult(false, killed, code);
		}
	}

	@Override
	public boolean kill(String containerId) {
		requireExactId(containerId);
		try {
			client().killContainerCmd(containerId).withSignal("SIGKILL").exec();
			return true;
		}
		catch (ConflictException ex) {
			// Docker refuses to kill a paused (frozen) container: thaw it, then kill it
			return killPaused(containerId);
		}
		catch (NotFoundException ex) {
			return false;
		}
		catch (RuntimeException ex) {
			throw translate("kill " + ContainerLabels.shortId(containerId), ex);
		}
	}

	private boolean killPaused(String containerId) {
		try {
			Boolean paused = client().inspectContainerCmd(containerId).exec().getState().getPaused();
			if (!Boolean.TRUE.equals(paused)) {
				return false;
			}
			client().unpauseContainerCmd(containerId).exec();
			client().killContainerCmd(containerId).withSignal("SIGKILL").exec();
			return true;
		}
		catch (NotFoundException | ConflictException ex) {
			return false;
		}
		catch (RuntimeException ex) {
			throw translate("kill " + ContainerLabels.shortId(containerId), ex);
		}
	}

	@Override
	public boolean remove(String containerId) {
		requireExactId(containerId);
		try {
			client().removeContainerCmd(containerId).withForce(false).exec();
			return true;
		}
		catch (NotFoundException | ConflictException ex) {
			return false;
		}
		catch (RuntimeException ex) {
			throw translate("remove " + ContainerLabels.shortId(containerId), ex);
		}
	}

	// --- events ------------------------------------------------------------------------------

	@Override
	public AutoCloseable subscribe(RuntimeEventListener listener) {
		return DockerEventStream.start(this::streams, clock, endpoint, eventsConnected, listener);
	}

	// --- helpers -----------------------------------------------------------------------------

	private DockerClient client() {
		if (commands == null) {
			throw new RecorderRuntimeException(RecorderRuntimeException.Kind.UNAVAILABLE, configError, null);
		}
		return commands;
	}

	private DockerClient streams() {
		if (streams == null) {
			throw new RecorderRuntimeException(RecorderRuntimeException.Kind.UNAVAILABLE, configError, null);
		}
		return streams;
	}

	private static void requireExactId(String containerId) {
		if (!ContainerLabels.isExactId(containerId)) {
			throw new IllegalArgumentException("not an exact container id");
		}
	}

	private static RecorderContainer toContainer(InspectContainerResponse r) {
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

	private static String strip(String name) {
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

	private RecorderRuntimeException translate(String what, RuntimeException ex) {
		if (ex instanceof RecorderRuntimeException r) {
			return r;
		}
		RecorderRuntimeException.Kind kind = ex instanceof DockerException ? RecorderRuntimeException.Kind.FAILED
				: RecorderRuntimeException.Kind.UNAVAILABLE;
		return new RecorderRuntimeException(kind, what + " failed on " + endpoint + ": " + describe(ex), ex);
	}

	static String describe(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String message = root.getMessage() == null ? "" : root.getMessage().replaceAll("\\s+", " ").trim();
		String text = root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
		return text.length() > 300 ? text.substring(0, 300) : text;
	}

	@Override
	public void close() {
		for (DockerClient c : new DockerClient[] { commands, streams }) {
			if (c != null) {
				try {
					c.close();
				}
				catch (Exception ex) {
					// closing at shutdown
				}
			}
		}
	}

}
