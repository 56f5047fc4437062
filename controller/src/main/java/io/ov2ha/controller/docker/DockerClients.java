package io.ov2ha.controller.docker;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.support.LogValues;

/**
 * The two docker-java clients of one engine: one for commands (bounded response time) and one
 * for the event stream and {@code wait}, without a response timeout, so that an idle event
 * stream is never cut (an idle stream cut by a read timeout is a known docker-java pitfall).
 * The API version is pinned ({@code HA_DOCKER_API_VERSION}): docker-java does not negotiate.
 * Construction never fails: a bad configuration makes every call throw
 * {@link RecorderRuntimeException.Kind#UNAVAILABLE} with the reason.
 */
final class DockerClients implements AutoCloseable {

	private static final Log LOG = LogFactory.getLog(DockerClients.class);

	private final String endpoint;

	private final DockerClient commands;

	private final DockerClient streams;

	private final String configError;

	DockerClients(HaProperties.Docker settings) {
		this.endpoint = settings.host();
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

	String endpoint() {
		return endpoint;
	}

	/** Why the clients could not be built, or null. */
	String configError() {
		return configError;
	}

	/** The client for commands (30 s response timeout). */
	DockerClient commands() {
		if (commands == null) {
			throw new RecorderRuntimeException(RecorderRuntimeException.Kind.UNAVAILABLE, configError, null);
		}
		return commands;
	}

	/** The client for the event stream and {@code wait} (no response timeout). */
	DockerClient streams() {
		if (streams == null) {
			throw new RecorderRuntimeException(RecorderRuntimeException.Kind.UNAVAILABLE, configError, null);
		}
		return streams;
	}

	/** A failed call as the runtime's exception: FAILED when the engine refused it, UNAVAILABLE when it did not answer. */
	RecorderRuntimeException translate(String what, RuntimeException ex) {
		if (ex instanceof RecorderRuntimeException r) {
			return r;
		}
		RecorderRuntimeException.Kind kind = ex instanceof DockerException ? RecorderRuntimeException.Kind.FAILED
				: RecorderRuntimeException.Kind.UNAVAILABLE;
		return new RecorderRuntimeException(kind, what + " failed on " + endpoint + ": " + describe(ex), ex);
	}

	/** The root cause in one line of at most 300 characters. */
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
