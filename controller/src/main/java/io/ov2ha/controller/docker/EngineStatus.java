package io.ov2ha.controller.docker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import com.github.dockerjava.api.model.Version;

import io.ov2ha.controller.support.LogValues;

/**
 * One engine's status ({@link DockerRecorderRuntime#status}): a ping, its version once, and its
 * host's name ({@code docker info}) once known; a check is kept {@link #STATUS_TTL}.
 */
final class EngineStatus {

	private static final Log LOG = LogFactory.getLog(EngineStatus.class);

	private static final Duration HOST_NAME_RETRY = Duration.ofMinutes(1);

	private static final Duration STATUS_TTL = Duration.ofSeconds(3);

	private final DockerClients clients;

	private final String endpoint;

	private final String apiVersion;

	private final Clock clock;

	private final AtomicBoolean eventsConnected;

	private volatile RuntimeStatus cached;

	private volatile String serverVersion = "";

	/** {@code docker info}'s Name: a backup's host, as its recorders name it. */
	private volatile String hostName = "";

	private volatile Instant nextHostNameLookup = Instant.EPOCH;

	/** @param eventsConnected whether the engine's event stream is connected now */
	EngineStatus(DockerClients clients, String endpoint, String apiVersion, Clock clock, AtomicBoolean eventsConnected) {
		this.clients = clients;
		this.endpoint = endpoint;
		this.apiVersion = apiVersion;
		this.clock = clock;
		this.eventsConnected = eventsConnected;
	}

	/** The last check while it is fresh (3 s), else a check now. */
	RuntimeStatus status() {
		RuntimeStatus status = cached;
		Instant now = clock.instant();
		if (status != null && status.checkedAt().plus(STATUS_TTL).isAfter(now)) {
			return status.eventsConnected() == eventsConnected.get() ? status : withEvents(status);
		}
		status = check(now);
		cached = status;
		return status;
	}

	/** Checks the engine now, whatever is cached (the probes of {@link DockerEngines}), and caches the answer. */
	RuntimeStatus refresh() {
		RuntimeStatus status = check(clock.instant());
		cached = status;
		return status;
	}

	private RuntimeStatus withEvents(RuntimeStatus s) {
		return new RuntimeStatus(s.reachable(), s.endpoint(), s.version(), s.apiVersion(), s.error(), s.checkedAt(),
				eventsConnected.get(), s.hostName());
	}

	private RuntimeStatus check(Instant now) {
		if (clients.configError() != null) {
			return new RuntimeStatus(false, endpoint, "", apiVersion, clients.configError(), now, false, "");
		}
		try {
			clients.commands().pingCmd().exec();
			if (serverVersion.isEmpty()) {
				Version version = clients.commands().versionCmd().exec();
				serverVersion = version.getVersion() == null ? "" : version.getVersion();
			}
			lookUpHostName(now);
			return new RuntimeStatus(true, endpoint, serverVersion, apiVersion, "", now, eventsConnected.get(), hostName);
		}
		catch (RuntimeException ex) {
			return new RuntimeStatus(false, endpoint, serverVersion, apiVersion, DockerClients.describe(ex), now,
					eventsConnected.get(), hostName);
		}
	}

	/**
	 * The engine's host name, once: a failed look-up ({@code docker info} refused by an API proxy,
	 * or slow on a busy host) leaves it unknown (a backup is then judged beside every recorder)
	 * and is tried again a minute later, never making the engine unreachable.
	 */
	private void lookUpHostName(Instant now) {
		if (!hostName.isEmpty() || now.isBefore(nextHostNameLookup)) {
			return;
		}
		nextHostNameLookup = now.plus(HOST_NAME_RETRY);
		try {
			String name = clients.commands().infoCmd().exec().getName();
			hostName = name == null ? "" : name;
		}
		catch (RuntimeException ex) {
			LOG.warn("event=docker.host_name_unknown host=" + LogValues.quote(endpoint) + " error="
					+ LogValues.quote(DockerClients.describe(ex)) + " retryInSeconds=" + HOST_NAME_RETRY.toSeconds());
		}
	}

}
