package io.ov2ha.controller.recording;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.storage.ChunkKeys;
import io.ov2ha.controller.support.Secrets;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ProblemType;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The recording registry: what recorders report and what admins ask, with epoch fencing. */
@Service
public class RecordingService {

	private static final Log LOG = LogFactory.getLog(RecordingService.class);

	private final RecordingStore store;

	private final HaProperties properties;

	private final JsonMapper json;

	private final ApplicationEventPublisher events;

	private final Clock clock;

	private final ObjectProvider<ChunkFindings> chunkFindings;

	private final RecorderEnvironment environment;

	RecordingService(RecordingStore store, HaProperties properties, JsonMapper json, ApplicationEventPublisher events,
			Clock clock, ObjectProvider<ChunkFindings> chunkFindings, RecorderEnvironment environment) {
		this.environment = environment;
		this.store = store;
		this.properties = properties;
		this.json = json;
		this.events = events;
		this.clock = clock;
		this.chunkFindings = chunkFindings;
	}

	record RegisterResult(boolean created, RecordingViews.Registered answer) {
	}

	RegisterResult register(RecordingRequests.Register request) {
		RecordingId id = RecordingId.of(request.recordingId());
		JsonNode recordingJson = recordingJson(request.recordingJson());
		if (!id.value().equals(recordingJson.path("id").asString(null))) {
			throw invalid("recordingJson.id must equal recordingId.");
		}
		JsonNode createdAtNode = recordingJson.path("createdAt");
		if (!createdAtNode.isIntegralNumber() || !createdAtNode.canConvertToLong() || createdAtNode.asLong() <= 0) {
			throw invalid("recordingJson.createdAt must be OpenVidu's creation time in milliseconds.");
		}
		long createdAt = createdAtNode.asLong();
		Map<String, String> env = environment.check(id, request.env());
		String videoName = VideoName.effective(env.get("VIDEO_NAME"), recordingJson.path("name").asString(null), id);
		String nameProblem = VideoName.problem(videoName);
		if (nameProblem != null) {
			throw invalid("VIDEO_NAME (or recordingJson.name) " + nameProblem + "; it names the final file.");
		}
		var registration = new RecordingStore.Registration(id, createdAt, request.epoch(), request.containerId(),
				request.host(), json.writeValueAsString(recordingJson), json.writeValueAsString(env),
				recordingJson.path("sessionId").asString(""), recordingJson.path("name").asString(id.value()));
		LuaAnswer<RecordingStore.RegisterCode> outcome = store.register(registration);
		switch (outcome.code()) {
			case CREATED, REPEATED -> {
			}
			case ID_IN_USE -> throw new ApiException(ProblemType.RECORDING_ID_IN_USE,
					"Recording " + id + " is active with createdAt " + outcome.value(0) + "; it cannot be registered again"
							+ " with createdAt " + createdAt + " until it is final.");
			case FINAL -> throw final_(id, outcome.value(0));
			case STALE_EPOCH -> throw staleEpoch(id, request.epoch(), outcome.value(0));
			case CONTAINER_CONFLICT -> throw new ApiException(ProblemType.CONTAINER_CONFLICT,
					"Another container is registered for recording " + id + " at epoch " + request.epoch() + ".",
					Map.of("currentEpoch", outcome.longValue(0)));
			case EPOCH_NOT_ISSUED -> throw new ApiException(ProblemType.EPOCH_NOT_ISSUED, "Recording " + id
					+ " is new: its recorder registers at epoch 0. Epoch " + request.epoch()
					+ " was never issued (backups are started and registered by the controller).",
					Map.of("currentEpoch", 0));
		}
		boolean created = outcome.code() == RecordingStore.RegisterCode.CREATED;
		if (created) {
			LOG.info("event=recording.registered recordingId=" + id + " createdAt=" + createdAt + " epoch="
					+ request.epoch() + " containerId=" + shortId(request.containerId()) + " host=" + request.host());
		}
		return new RegisterResult(created, new RecordingViews.Registered(id.value(), request.epoch(),
				RecordingStatus.RECORDING, properties.heartbeat().interval().toSeconds()));
	}

	RecordingViews.HeartbeatAck heartbeat(RecordingId id, RecordingRequests.Heartbeat request) {
		LuaAnswer<RecordingStore.HeartbeatCode> outcome = store.heartbeat(id, request.epoch(),
				request.lastChunkSeq(), orZero(request.uploadBacklog()), orZero(request.freeDiskBytes()),
				RecorderProgress.Phase.ofSlug(request.phase()), request.mediaTimeMs(), request.frames(),
				request.speed(), request.progressAgeMs(), new RecorderContent(RecorderContent.State.ofSlug(request.content()),
						request.blankMs(), request.shownMediaMs()));
		return switch (outcome.code()) {
			case OK -> acknowledged(id, outcome);
			case NOT_FOUND -> throw RecordingStore.notFound(id);
			case FINAL -> throw final_(id, outcome.value(0));
			case STALE_EPOCH -> throw staleEpoch(id, request.epoch(), outcome.value(0));
		};
	}

	private RecordingViews.HeartbeatAck acknowledged(RecordingId id, LuaAnswer<RecordingStore.HeartbeatCode> outcome) {
		RecordingStatus status = RecordingStatus.valueOf(outcome.value(0));
		long epoch = outcome.longValue(1);
		if (status == RecordingStatus.RECORDING && "1".equals(outcome.value(2))) {
			events.publishEvent(new RecorderStandstill(id, epoch));
		}
		return new RecordingViews.HeartbeatAck(id.value(), epoch, status);
	}

	RecordingViews.ChunkAccepted reportChunk(RecordingId id, RecordingRequests.ChunkReport request) {
		if (!Double.isFinite(request.durationSeconds())) {
			throw invalid("durationSeconds must be a finite number.");
		}
		Recording recording = store.require(id);
		String expected = expectedStorageKey(recording, request.seq(), request.epoch());
		if (!expected.equals(request.storageKey())) {
			throw new ApiException(ProblemType.INVALID_REQUEST,
					"storageKey does not name this chunk in " + properties.storage().mode().name().toLowerCase()
							+ " storage; expected " + expected + ".",
					Map.of("expectedStorageKey", expected));
		}
		ChunkEntry chunk = new ChunkEntry(request.seq(), request.epoch(), request.durationSeconds(),
				request.sizeBytes(), request.checksum(), request.storageKey(), clock.instant());
		LuaAnswer<RecordingStore.ChunkCode> outcome = store.reportChunk(id, chunk,
				RecorderLimits.MAX_CHUNKS);
		return switch (outcome.code()) {
			case CREATED, REPEATED -> new RecordingViews.ChunkAccepted(id.value(), request.seq(), request.epoch(),
					outcome.code() == RecordingStore.ChunkCode.CREATED);
			case CHUNK_CONFLICT -> throw new ApiException(ProblemType.CHUNK_CONFLICT, "Chunk " + request.seq()
					+ " of epoch " + request.epoch() + " was already reported with another checksum.");
			case NOT_FOUND -> throw RecordingStore.notFound(id);
			case FINAL -> throw final_(id, outcome.value(0));
			case STALE_EPOCH -> throw staleEpoch(id, request.epoch(), outcome.value(0));
			case TOO_MANY_CHUNKS -> throw new ApiException(ProblemType.TOO_MANY_CHUNKS, "Recording " + id
					+ " has " + RecorderLimits.MAX_CHUNKS + " chunks, the most a recording may have; chunk "
					+ request.seq() + " is not added.", Map.of("maxChunks", RecorderLimits.MAX_CHUNKS));
		};
	}

	private String expectedStorageKey(Recording recording, long seq, long epoch) {
		return properties.storage().mode() == StorageMode.S3
				? ChunkKeys.objectKey(properties.storage().s3Prefix(), recording.id(), recording.createdAt(), seq, epoch)
				: ChunkKeys.localPath(recording.id(), seq, epoch);
	}

	RecordingViews.Detail get(RecordingId id) {
		Recording r = store.require(id);
		List<ContainerEntry> containers = store.containers(id);
		ContainerEntry current = containers.stream().filter(c -> c.epoch() == r.epoch()).findFirst().orElse(null);
		return new RecordingViews.Detail(r.id().value(), r.createdAt(), r.status(), r.statusReason(), r.stopReason(),
				r.epoch(), r.sessionId(), r.name(), r.source(), current, containers, r.registeredAt(), r.updatedAt(),
				RecordingViews.LastHeartbeat.of(r),
				new RecordingViews.ChunkTotals(r.chunkCount(), r.chunkSeconds(), r.lastChunkSeq(), r.lastChunkAt()),
				r.failoverCount(), parseOrNull(r.recordingJson()), maskedEnv(r.env()));
	}

	RecordingViews.Page list(RecordingStatus status, int limit, int offset) {
		RecordingStore.Page page = store.page(status, offset, limit);
		return new RecordingViews.Page(page.items().stream().map(RecordingViews.Summary::of).toList(), page.total(),
				limit, offset);
	}

	RecordingViews.Manifest manifest(RecordingId id) {
		Recording recording = store.require(id);
		List<ChunkEntry> chunks = store.chunks(id);
		ChunkFindings findings = chunkFindings.getIfAvailable();
		List<ChunkFindings.Dropped> dropped = List.of();
		ChunkFindings.Findings found = null;
		if (findings != null) {
			var result = findings.find(id, recording.createdAt());
			found = result.map(ChunkFindings.Report::findings).orElse(null);
			dropped = result.map(ChunkFindings.Report::dropped).orElse(List.of());
		}
		return new RecordingViews.Manifest(id.value(), chunks, gaps(chunks), chunks.size(),
				chunks.stream().mapToDouble(ChunkEntry::durationSeconds).sum(), dropped, found);
	}

	/** Missing sequence numbers between 0 and the highest known chunk. */
	static List<ChunkFindings.Range> gaps(List<ChunkEntry> chunks) {
		return ChunkFindings.Range.gaps(chunks.stream().map(ChunkEntry::seq).toList(), -1);
	}

	/** Admin stop: the recording moves to STOPPING and stop listeners act on it. */
	RecordingViews.Detail stop(RecordingId id) {
		LuaAnswer<RecordingStore.TransitionCode> outcome = store.advance(id, RecordingStatus.STOPPING,
				Map.of("stopReason", "stoppedByAdmin", "statusReason", "stop requested by an admin"));
		switch (outcome.code()) {
			case CHANGED -> {
				LOG.info("event=recording.stop_requested recordingId=" + id + " source=admin");
				events.publishEvent(new RecordingStopRequested(id, "stoppedByAdmin", "admin"));
			}
			case UNCHANGED -> {
				RecordingStatus status = RecordingStatus.valueOf(outcome.value(0));
				if (status.isFinal()) {
					throw final_(id, status.name());
				}
			}
			case NOT_FOUND -> throw RecordingStore.notFound(id);
			case STALE_EPOCH -> throw new IllegalStateException("advance without an epoch answered STALE_EPOCH");
		}
		return get(id);
	}

	void delete(RecordingId id, boolean force) {
		LuaAnswer<RecordingStore.DeleteCode> outcome = store.delete(id, force);
		switch (outcome.code()) {
			case DELETED -> LOG.info("event=recording.deleted recordingId=" + id + " status=" + outcome.value(0)
					+ " force=" + force);
			case ACTIVE -> throw new ApiException(ProblemType.RECORDING_ACTIVE,
					"Recording " + id + " is " + outcome.value(0)
							+ "; stop it first or delete with force=true (its state is then lost).",
					Map.of("recordingStatus", outcome.value(0)));
			case NOT_FOUND -> throw RecordingStore.notFound(id);
		}
	}

	private JsonNode recordingJson(JsonNode node) {
		JsonNode parsed = node;
		if (node.isString()) {
			try {
				parsed = json.readTree(node.asString());
			}
			catch (JacksonException ex) {
				throw invalid("recordingJson is not valid JSON.");
			}
		}
		if (parsed == null || !parsed.isObject()) {
			throw invalid("recordingJson must be a JSON object.");
		}
		return parsed;
	}

	private Map<String, String> maskedEnv(String envJson) {
		if (envJson == null || envJson.isEmpty()) {
			return Map.of();
		}
		Map<String, String> env = new LinkedHashMap<>();
		json.readTree(envJson).properties().forEach(e -> env.put(e.getKey(), e.getValue().asString("")));
		return Secrets.maskEnvironment(env);
	}

	private JsonNode parseOrNull(String value) {
		if (value == null || value.isEmpty()) {
			return null;
		}
		try {
			return json.readTree(value);
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private static long orZero(Long value) {
		return value == null ? 0 : value;
	}

	private static String shortId(String containerId) {
		return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
	}


	private static ApiException invalid(String detail) {
		return new ApiException(ProblemType.INVALID_REQUEST, detail);
	}

	private static ApiException final_(RecordingId id, String status) {
		return new ApiException(ProblemType.RECORDING_FINAL, "Recording " + id + " is already " + status + ".",
				Map.of("recordingStatus", status));
	}

	private static ApiException staleEpoch(RecordingId id, long epoch, String current) {
		return new ApiException(ProblemType.STALE_EPOCH, "Epoch " + epoch + " of recording " + id
				+ " is not the current epoch " + current + "; this recorder has been replaced and must stop.",
				Map.of("currentEpoch", Long.parseLong(current)));
	}

}
