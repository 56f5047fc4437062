package io.ov2ha.controller.failover;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.docker.BackupSpec;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.storage.ChunkStorage;
import io.ov2ha.controller.storage.LocalChunkStorage;
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
class BackupSpecs {

	private static final Log LOG = LogFactory.getLog(BackupSpecs.class);

	private final HaProperties properties;

	private final ChunkStorage chunkStorage;

	private final ControllerInstance instance;

	private final JsonMapper json;

	BackupSpecs(HaProperties properties, ChunkStorage chunkStorage, ControllerInstance instance, JsonMapper json) {
		this.properties = properties;
		this.chunkStorage = chunkStorage;
		this.instance = instance;
		this.json = json;
	}

	/** The first chunk a backup writes: one past the highest chunk anyone knows of. */
	long startChunk(Recording r) {
		long max = -1;
		if (r.lastChunkSeq() != null) {
			max = Math.max(max, r.lastChunkSeq());
		}
		if (r.heartbeatLastChunkSeq() != null) {
			max = Math.max(max, r.heartbeatLastChunkSeq());
		}
		max = Math.max(max, highestStored(chunkStorage, r));
		if (properties.storage().mode() == StorageMode.S3) {
			// a chunk still in the recordings folder (written, never uploaded) counts as well
			max = Math.max(max, highestStored(new LocalChunkStorage(properties.recordingsDir()), r));
		}
		return max + 1;
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
			LOG.warn("event=failover.storage_list_failed recordingId=" + r.id() + " error="
					+ LogValues.quote(ex.getClass().getSimpleName() + ": " + ex.getMessage()));
			return -1;
		}
	}

	/** The backup's container: OpenVidu's environment of the primary plus the new epoch and start chunk. */
	BackupSpec spec(Recording r, long epoch, long startChunk) {
		Map<String, String> env = new LinkedHashMap<>();
		if (r.env() == null || r.env().isBlank()) {
			throw new IllegalStateException("no OpenVidu environment stored for the recording (never registered)");
		}
		json.readTree(r.env()).properties().forEach(e -> env.put(e.getKey(), e.getValue().asString("")));
		env.put("HA_EPOCH", Long.toString(epoch));
		env.put("HA_START_CHUNK", Long.toString(startChunk));
		return new BackupSpec(ContainerLabels.backupName(r.id(), epoch), properties.docker().recorderImage(), env,
				ContainerLabels.backup(r.id(), r.createdAt(), epoch, instance.id()), recordingsHostPath(), shmSize(r));
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
