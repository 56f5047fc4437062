package io.ov2ha.controller.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Volume;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.support.LogValues;

/**
 * Starting a backup recorder: created from the recorder image's id with OpenVidu's host settings
 * and the controller's labels, then started (a container that cannot start is removed). Never
 * pulls.
 */
final class DockerBackupStarts {

	private static final Log LOG = LogFactory.getLog(DockerBackupStarts.class);

	private final DockerClients clients;

	private final HaProperties.Docker settings;

	DockerBackupStarts(DockerClients clients, HaProperties.Docker settings) {
		this.clients = clients;
		this.settings = settings;
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

	/** {@link RecorderRuntime#startBackup}. */
	String start(BackupSpec spec) {
		DockerClient client = clients.commands();
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
					+ spec.image() + " is not on the Docker host " + settings.host()
					+ "; the controller never pulls: build or load it there (HA_RECORDER_IMAGE)", ex);
		}
		catch (RuntimeException ex) {
			throw clients.translate("create " + spec.name(), ex);
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
						+ LogValues.quote(DockerClients.describe(cleanup)));
			}
			throw clients.translate("start " + spec.name(), ex);
		}
		return id;
	}

}
