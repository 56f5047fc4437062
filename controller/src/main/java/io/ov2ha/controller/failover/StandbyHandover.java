package io.ov2ha.controller.failover;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.docker.BackupSpec;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.docker.RecorderRuntimeException;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.LogValues;

/**
 * The hand-over of a recording to a warm standby ({@link StandbyPool}), in this order, under the
 * same fencing as a cold backup (the epoch was claimed first):
 * <ol>
 * <li>{@link #claim}: a ready standby of the recording's resolution, which takes the backup's
 * name (so that it is no longer free for anyone);</li>
 * <li>the caller records it as the epoch's recorder (as a cold backup);</li>
 * <li>{@link #assign}: waits until the replaced recorder is no longer running (OpenVidu keeps one
 * {@code RECORDER} participant per session: the old browser's connection must be closed before
 * the standby's page joins), then copies the assignment into the standby: the backup's
 * environment, one {@code KEY=<base64>} line per variable, then the file {@code ready}.</li>
 * </ol>
 * A standby that cannot be claimed leaves the start to a cold backup; one that fails once
 * recorded is killed, and its death is a failover like any other. A copy that reports an error
 * although {@code ready} was written (a late answer of a starved engine) is a hand-over done.
 */
@Component
class StandbyHandover {

	private static final Log LOG = LogFactory.getLog(StandbyHandover.class);

	/** Where a standby waits for its assignment (recorder-image lib/standby.sh). */
	static final String ASSIGNMENT_DIR = "/tmp/ov2ha-assignment";

	/** How long the hand-over waits for the replaced recorder to stop running. */
	static final Duration OLD_GONE_TIMEOUT = Duration.ofSeconds(5);

	private final StandbyPool pool;

	private final StandbyClaims claims;

	private final RecorderRuntime runtime;

	private final RedisLease lease;

	private final BackupSpecs specs;

	private final RecorderContainers containers;

	StandbyHandover(StandbyPool pool, StandbyClaims claims, RecorderRuntime runtime, RedisLease lease, BackupSpecs specs,
			RecorderContainers containers) {
		this.pool = pool;
		this.claims = claims;
		this.runtime = runtime;
		this.lease = lease;
		this.specs = specs;
		this.containers = containers;
	}

	/**
	 * A ready standby for the recording, renamed to the backup's name, or empty (none ready, not
	 * of this resolution, or the rename failed): then the backup starts cold.
	 */
	Optional<String> claim(Recording r, String backupName) {
		if (!pool.enabled()) {
			return Optional.empty();
		}
		String resolution = specs.resolution(r);
		Optional<RecorderContainer> standby;
		try {
			standby = claims.claim(resolution);
		}
		catch (RuntimeException ex) {
			LOG.warn("event=standby.claim_failed recordingId=" + r.id() + " error=" + LogValues.quote(ex.getMessage()));
			return Optional.empty();
		}
		if (standby.isEmpty()) {
			LOG.info("event=standby.none recordingId=" + r.id() + " resolution=" + LogValues.quote(resolution)
					+ " standbyResolution=" + pool.resolution() + " ready=" + pool.ready() + " action=cold_backup");
			return Optional.empty();
		}
		String id = standby.get().id();
		try {
			runtime.rename(id, backupName);
			return Optional.of(id);
		}
		catch (RuntimeException ex) {
			LOG.warn("event=standby.claim_failed recordingId=" + r.id() + " containerId=" + ContainerLabels.shortId(id)
					+ " error=" + LogValues.quote(ex.getMessage()) + " action=cold_backup");
			release(id);
			return Optional.empty();
		}
	}

	/**
	 * Hands the recorded standby its recording; false when that failed (the standby is then
	 * killed: its death is the next failover).
	 *
	 * @param oldContainerId the replaced recorder (may be empty)
	 */
	boolean assign(Recording r, long epoch, String standbyId, String oldContainerId, BackupSpec spec) {
		try {
			long waitedMs = waitUntilGone(oldContainerId);
			Map<String, byte[]> files = new LinkedHashMap<>();
			files.put("assignment.env", assignment(spec.env()));
			files.put("ready", new byte[0]);
			runtime.copyFiles(standbyId, ASSIGNMENT_DIR, files);
			LOG.info("event=standby.assigned recordingId=" + r.id() + " epoch=" + epoch + " containerId="
					+ ContainerLabels.shortId(standbyId) + " oldGoneWaitMs=" + waitedMs);
			return true;
		}
		catch (RuntimeException ex) {
			if (readyIsThere(standbyId)) {
				// the engine wrote the assignment and then failed (or answered too late): the
				// standby has taken it, and killing it now would cost the recording a second backup
				LOG.warn("event=standby.assigned recordingId=" + r.id() + " epoch=" + epoch + " containerId="
						+ ContainerLabels.shortId(standbyId) + " copyError=" + LogValues.quote(ex.getMessage())
						+ " note=\"the assignment is complete in the standby despite the error\"");
				return true;
			}
			LOG.warn("event=standby.assign_failed recordingId=" + r.id() + " epoch=" + epoch + " containerId="
					+ ContainerLabels.shortId(standbyId) + " error=" + LogValues.quote(ex.getMessage()) + " action=kill");
			containers.killQuietly(standbyId);
			return false;
		}
		finally {
			release(standbyId);
		}
	}

	/**
	 * Whether the file that completes an assignment is in the standby. The engine extracts the
	 * archive in order, each file whole before the next, so {@code ready} means the assignment is
	 * complete; the standby never removes it. Any doubt (the engine does not answer) is a no.
	 */
	private boolean readyIsThere(String standbyId) {
		try {
			return runtime.hasFile(standbyId, ASSIGNMENT_DIR + "/ready");
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	/** The claim is over (handed over, or given up). */
	void release(String standbyId) {
		try {
			lease.release(RedisKeys.standbyClaim(standbyId));
		}
		catch (RuntimeException ex) {
			// expires by itself
		}
	}

	/** Waits until the old recorder is no longer running; the ms waited. */
	/**
	 * Whether the replaced recorder still runs. One on a Docker engine that no longer answers
	 * (several engines: its host is lost) counts as gone: nothing can be asked of it, and if it
	 * lives on behind a partition its calls are refused (it no longer holds the epoch).
	 */
	private boolean stillRuns(String oldContainerId) {
		if (runtime.engineLost(oldContainerId)) {
			return false;
		}
		try {
			return runtime.inspect(oldContainerId).filter(RecorderContainer::running).isPresent();
		}
		catch (RecorderRuntimeException ex) {
			if (runtime.engineCount() > 1 && ex.kind() == RecorderRuntimeException.Kind.UNAVAILABLE) {
				// not on the engines that answer, and one does not: as above
				return false;
			}
			throw ex;
		}
	}

	private long waitUntilGone(String oldContainerId) {
		long t0 = System.nanoTime();
		if (!ContainerLabels.isExactId(oldContainerId)) {
			return 0;
		}
		long deadline = t0 + OLD_GONE_TIMEOUT.toNanos();
		while (stillRuns(oldContainerId)) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("the replaced recorder " + ContainerLabels.shortId(oldContainerId)
						+ " still runs after " + OLD_GONE_TIMEOUT.toMillis() + " ms: the standby must not join beside it");
			}
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("interrupted", ex);
			}
		}
		return (System.nanoTime() - t0) / 1_000_000;
	}

	/** One {@code KEY=<base64 of the value>} line per variable. */
	static byte[] assignment(Map<String, String> env) {
		StringBuilder text = new StringBuilder();
		Base64.Encoder b64 = Base64.getEncoder();
		env.forEach((k, v) -> {
			if (k.matches("[A-Z_]{1,64}")) {
				text.append(k).append('=').append(b64.encodeToString(v.getBytes(StandardCharsets.UTF_8))).append('\n');
			}
		});
		return text.toString().getBytes(StandardCharsets.US_ASCII);
	}

}
