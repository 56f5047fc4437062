package io.ov2ha.controller.recording;

import java.time.Instant;

/**
 * A recorder container that held an epoch of a recording.
 *
 * @param epoch the epoch it held
 * @param containerId Docker container id (empty when the recorder could not tell)
 * @param host host it ran on
 * @param role {@code primary} (started by OpenVidu) or {@code backup} (started by the controller)
 * @param since when it got the epoch
 */
public record ContainerEntry(long epoch, String containerId, String host, String role, Instant since) {
}
