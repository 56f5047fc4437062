package io.ov2ha.controller.docker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where recorder containers run. The failover logic talks only to this interface, so that
 * another runtime (several Docker hosts, Kubernetes Jobs) can be added without touching it.
 *
 * <p>
 * Containers are addressed by their exact id only (64 hex characters for Docker). No method
 * finds containers by a name pattern: listing is by label, and the one name lookup is an
 * exact name, for a primary recorder whose id is unknown.
 */
public interface RecorderRuntime {

	/**
	 * Whether the runtime answers, cached for a few seconds (for health and status). Over several
	 * engines: reachable while one of them answers.
	 */
	RuntimeStatus status();

	/**
	 * The status of the engine this container runs on, as last checked (no call to it); the
	 * runtime's {@link #status()} when its engine is not known.
	 */
	default RuntimeStatus statusOf(String containerId) {
		return status();
	}

	/**
	 * Whether this container's engine does not answer while another engine does: the host is lost
	 * to the controller (its recorders are replaced on the engines that answer, without waiting as
	 * for a busy host). Always false with one engine. Any string is accepted (null, empty, a
	 * name or a short id: false).
	 */
	default boolean engineLost(String containerId) {
		return false;
	}

	/** How many engines recorders are placed on (a backup is placed near its predecessor only over several). */
	default int engineCount() {
		return 1;
	}

	/** Every engine's status, in their configured order (one for a single engine). */
	default List<RuntimeStatus> engines() {
		return List.of(status());
	}

	/** Whether the image exists on the runtime's host (it is never pulled). */
	boolean imagePresent(String image);

	/**
	 * Creates and starts a backup recorder. Never pulls: a missing image is an error of kind
	 * {@link RecorderRuntimeException.Kind#IMAGE_MISSING}.
	 *
	 * @return the started container's id
	 */
	String startBackup(BackupSpec spec);

	/**
	 * Renames a container (a warm standby becomes the backup of a recording by taking its name).
	 * A name already in use is an error of kind {@link RecorderRuntimeException.Kind#REFUSED}.
	 */
	void rename(String containerId, String newName);

	/**
	 * Copies files into an existing folder of a running container, in the order given (the
	 * hand-over of a warm standby: its assignment, then the file that says it is complete). Each
	 * file is written with mode 600. A missing folder is an error of kind
	 * {@link RecorderRuntimeException.Kind#REFUSED}.
	 */
	void copyFiles(String containerId, String folder, Map<String, byte[]> files);

	/**
	 * Whether a file exists in a container (running or not): after a copy reported an error, the
	 * hand-over of a warm standby looks for the file that completes its assignment, since the
	 * engine may have written it all the same. False also when the container is gone.
	 */
	boolean hasFile(String containerId, String path);

	/** The container with this exact id, or empty if the runtime does not know it. */
	Optional<RecorderContainer> inspect(String containerId);

	/**
	 * The container with exactly this name (no pattern, no prefix), or empty. Used once per
	 * primary recorder whose id the registration did not carry.
	 */
	Optional<RecorderContainer> inspectByExactName(String name);

	/** Every container (running or not) carrying all of these labels. */
	List<RecorderContainer> listByLabels(Map<String, String> labels);

	/**
	 * Stops a recorder the way OpenVidu does: {@code bash -c "echo 'q' > stop"} in the
	 * container, then waits for it to exit, at most {@code timeout}; then kills it.
	 */
	StopResult stopGracefully(String containerId, Duration timeout);

	/** Kills the container (SIGKILL). False if it was not running or is unknown. */
	boolean kill(String containerId);

	/** Removes a container that is not running (no force). False if unknown or still running. */
	boolean remove(String containerId);

	/**
	 * Streams recorder container events (die, oom, health) to the listener until closed,
	 * reconnecting on its own; after every (re)connection the listener is told, so that it can
	 * reconcile everything it may have missed.
	 */
	AutoCloseable subscribe(RuntimeEventListener listener);

	/**
	 * How a graceful stop ended.
	 *
	 * @param exited the container exited by itself within the timeout
	 * @param killed it had to be killed
	 * @param exitCode its exit code, null if unknown
	 */
	record StopResult(boolean exited, boolean killed, Long exitCode) {
	}

}
