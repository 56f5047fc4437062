package io.ov2ha.controller.docker;

import java.time.Instant;

/**
 * Whether a runtime answers.
 *
 * @param reachable it answered the last check
 * @param endpoint where it is ({@code unix:///var/run/docker.sock}, ...)
 * @param version server version, or empty
 * @param apiVersion API version in use
 * @param error why it is not reachable, empty when reachable (never a secret)
 * @param checkedAt when it was checked
 * @param eventsConnected whether the event stream is connected
 * @param hostName the engine's host name ({@code docker info}'s Name), or empty: the name its
 *        recorders report as their host when the engine is local to them (host network)
 */
public record RuntimeStatus(boolean reachable, String endpoint, String version, String apiVersion, String error,
		Instant checkedAt, boolean eventsConnected, String hostName) {
}
