package io.ov2ha.controller.failover;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.docker.BackupSpec;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.storage.ChunkStorage;
import io.ov2ha.controller.storage.LocalChunkStorage;
import io.ov2ha.controller.support.DaemonThreads;
import io.ov2ha.controller.support.LogValues;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a backup recorder gets: the same inputs OpenVidu gave the primary (its environment and
 * shm size), the new epoch, and the chunk it starts at (one past the highest chunk anyone knows
 * of, so that it never overwrites one).
 */
@Component
class BackupSpecs implements DisposableBean {

	private static final Log LOG = LogFactory.getLog(BackupSpecs.class);

	private final HaProperties properties;

	private final ChunkStorage chunkStorage;

	private final ControllerInstance instance;

	private final JsonMapper json;

	/**
	 * How long a backup start waits for the bucket's list (each page has {@code LIST_TIMEOUT}),
	 * then goes on as after a failed list: well within a standby's claim.
	 */
	static final Duration LIST_WAIT = Duration.ofSeconds(20);

	/** The S3 lists of backup starts: one per failover worker (a host's recorders fail together). */
	private final ExecutorService lists = DaemonThreads.fixedPool("chunk-lookup", FailoverService.WORKERS);

	BackupSpecs(HaProperties properties, ChunkStorage chunkStorage, ControllerInstance instance, JsonMapper json) {
		this.properties = properties;
		this.chunkStorage = chunkStorage;
		this.instance = instance;
		this.json = json;
	}

	@Override
	public void destroy() {
		lists.shutdownNow();
	}

	/**
	 * The first chunk a backup writes: one past the highest chunk anyone knows of (the reports,
	 * the last heartbeat, the storage and, in S3 mode, the recordings folder: a chunk written and
	 * never uploaded counts as well). In S3 mode the bucket's list, the slow part of a backup's
	 * start (seconds on a starved host), runs on a thread of its own: the caller claims a standby
	 * meanwhile and then waits for the answer (at most {@link #LIST_WAIT}, then as after a failed
	 * list: what the others know).
	 */
	CompletableFuture<Long> startChunk(Recording r) {
		long known = -1;
		if (r.lastChunkSeq() != null) {
			known = Math.max(known, r.lastChunkSeq());
		}
		if (r.heartbeatLastChunkSeq() != null) {
			known = Math.max(known, r.heartbeatLastChunkSeq());
		}
		if (properties.storage().mode() != StorageMode.S3) {
			return CompletableFuture.completedFuture(Math.max(known, highestStored(chunkStorage, r)) + 1);
		}
		CompletableFuture<Long> bucket;
		try {
			bucket = CompletableFuture.supplyAsync(() -> highestStored(chunkStorage, r), lists)
				.orTimeout(LIST_WAIT.toMillis(), TimeUnit.MILLISECONDS)
				// highestStored answers a failed list itself: only the wait's end comes here
				.exceptionally(ex -> listFailed(r, "no answer within " + LIST_WAIT.toMillis() + " ms"));
		}
		catch (RejectedExecutionException ex) {
			// shutting down: on the caller's thread
			bucket = CompletableFuture.completedFuture(highestStored(chunkStorage, r));
		}
		long folder = Math.max(known, highestStored(new LocalChunkStorage(properties.recordingsDir()), r));
		return bucket.thenApply(highest -> Math.max(folder, highest) + 1);
	}

	private static long highestStored(ChunkStorage storage, Recording r) {
		try {
			return storage.list(r.id(), r.createdAt())
				.stream()
				.mapToLong(ChunkStorage.StoredChunk::seq)
				.max()
				.orElse(-1);
		}
		catch (RuntimeException ex) {
			return listFailed(r, ex.getClass().getSimpleName() + ": " + ex.getMessage());
		}
	}

	/** A list without an answer counts as an empty one: the others' knowledge decides. */
	private static long listFailed(Recording r, String error) {
		LOG.warn("event=failover.storage_list_failed recordingId=" + r.id() + " error=" + LogValues.quote(error));
		return -1;
	}

	/**
	 * The backup's container: OpenVidu's environment of the primary ({@link #openViduEnv}) plus
	 * the new epoch and start chunk.
	 */
	BackupSpec spec(Recording r, Map<String, String> openViduEnv, long epoch, long startChunk) {
		Map<String, String> env = new LinkedHashMap<>(openViduEnv);
		env.put("HA_EPOCH", Long.toString(epoch));
		env.put("HA_START_CHUNK", Long.toString(startChunk));
		return new BackupSpec(ContainerLabels.backupName(r.id(), epoch), properties.docker().recorderImage(), env,
				ContainerLabels.backup(r.id(), r.createdAt(), epoch, instance.id()), recordingsHostPath(), shmSize(r));
	}

	/**
	 * OpenVidu's environment of the primary, as it registered it.
	 *
	 * @throws IllegalStateException when none is stored (never registered): no backup can start
	 */
	Map<String, String> openViduEnv(Recording r) {
		if (r.env() == null || r.env().isBlank()) {
			throw new IllegalStateException("no OpenVidu environment stored for the recording (never registered)");
		}
		Map<String, String> env = new LinkedHashMap<>();
		json.readTree(r.env()).properties().forEach(e -> env.put(e.getKey(), e.getValue().asString("")));
		return env;
	}

	/**
	 * A warm standby's container: the same image and host settings as a backup, only
	 * {@code HA_STANDBY=true} and the screen size (HA_STANDBY_RESOLUTION) in its environment.
	 */
	BackupSpec standby(String name) {
		String resolution = properties.failover().standbyResolution();
		return new BackupSpec(name, properties.docker().recorderImage(),
				Map.of("HA_STANDBY", "true", "RESOLUTION", resolution),
				ContainerLabels.standby(resolution, instance.id()), recordingsHostPath(),
				properties.failover().recorderShmSize().toBytes());
	}

	/**
	 * The resolution a backup of the recording records: OpenVidu's RESOLUTION of the primary, or
	 * the recorder's default (OpenVidu's 1280x720) when it has none.
	 */
	String resolution(Recording r) {
		String resolution = "";
		if (r.env() != null && !r.env().isBlank()) {
			try {
				resolution = json.readTree(r.env()).path("RESOLUTION").asString("");
			}
			catch (JacksonException ex) {
				// unreadable: the recorder's default
			}
		}
		return resolution.isEmpty() ? "1280x720" : resolution;
	}

	private String recordingsHostPath() {
		return properties.docker().recordingsHostPath().isBlank()
				? properties.recordingsDir().toAbsolutePath().normalize().toString()
				: properties.docker().recordingsHostPath();
	}

	/** OpenVidu's shmSize when RECORDING_JSON carries one, else HA_RECORDER_SHM_SIZE. */
	long shmSize(Recording r) {
		long fallback = properties.failover().recorderShmSize().toBytes();
		if (r.recordingJson() == null || r.recordingJson().isBlank()) {
			return fallback;
		}
		try {
			JsonNode shm = json.readTree(r.recordingJson()).path("shmSize");
			return shm.isIntegralNumber() && shm.asLong() >= 64L * 1024 * 1024 ? shm.asLong() : fallback;
		}
		catch (JacksonException ex) {
			return fallback;
		}
	}

}
