package io.ov2ha.controller.finalize;

import static io.ov2ha.controller.finalize.FakeRecorder.ALL_LOCAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.LossCut;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;
import tools.jackson.databind.JsonNode;

/** Finalization with local chunk storage (chunks stay in the recordings folder). */
@ControllerTest
class FinalizeLocalApiTest {

	static final Path RECORDINGS = Path.of("target/test-recordings");

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	private FakeRecorder recorder(String prefix) {
		return new FakeRecorder(Recordings.newId(prefix), System.currentTimeMillis(), Api.at(port), redis, RECORDINGS,
				false);
	}

	@Autowired
	FinalizationWorkers finalizations;

	@Autowired
	HaProperties properties;

	@Test
	void aControllerStoppedAndStartedAgainStillFinalizes() throws Exception {
		// a context's lifecycle stopped and started (the test framework pauses a cached context
		// between test classes): the finalizer's workers were shut down for good before
		finalizations.stop();
		finalizations.start();
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(2);
		FakeRecorder rec = recorder("restarted").register(false);
		for (int i = 0; i < chunks.size(); i++) {
			rec.chunk(i, chunks.get(i), ALL_LOCAL);
		}

		Api.Response r = rec.finalizeCall(20);

		assertThat(r.status()).as(r.body()).isEqualTo(200);
		assertThat(r.json().path("state").asString()).isEqualTo("DONE");
	}

	@Test
	void localChunksJoinAMissingRecordingFileIsCreatedAndTheFinalDownloads() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		// the primary died before it wrote .recording.<id>: the controller creates it from RECORDING_JSON
		FakeRecorder rec = recorder("local").register(false);
		for (int i = 0; i < chunks.size(); i++) {
			rec.chunk(i, chunks.get(i), ALL_LOCAL);
		}

		Api.Response r = rec.finalizeCall(20);

		assertThat(r.status()).as(r.body()).isEqualTo(200);
		JsonNode f = r.json();
		assertThat(f.path("state").asString()).isEqualTo("DONE");
		f.path("keptChunks").forEach(k -> assertThat(k.path("source").asString()).isEqualTo("local"));
		double expected = chunks.stream().mapToDouble(TestMedia.Chunk::duration).sum();
		JsonNode sealed = OpenViduCheck.assertSealedReady(rec.dir(), rec.id, expected);
		assertThat(sealed.path("url").isNull()).as("no HA_OPENVIDU_URL: url stays null").isTrue();
		assertThat(sealed.path("uniqueSessionId").asString()).isEqualTo(rec.id + "_1700000000000");
		assertThat(rec.dir().resolve("chunks").resolve("000005-e0.ts")).exists();

		Api.Download download = Api.at(port).asAdmin().download("/api/recordings/" + rec.id + "/download");
		assertThat(download.status()).isEqualTo(200);
		assertThat(download.contentType()).startsWith("video/mp4");
		assertThat(download.body()).isEqualTo(Files.readAllBytes(rec.dir().resolve(rec.id + ".mp4")));
	}

	/**
	 * A recording ended for a loss ({@link io.ov2ha.controller.recording.LossCut} written with the
	 * end, 5.3 s into its epoch): the final ends there. The chunk holding the cut (2: 4-6 s) is cut
	 * inside by ffmpeg's concat (stream copy), the chunk after it is dropped as recorded after the
	 * loss and is no gap, and the final verifies and is sealed at the cut's length.
	 */
	@Test
	void aRecordingEndedForALossEndsAtTheLossInsideAChunk() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(4);
		FakeRecorder rec = recorder("losscut").register(false);
		for (int i = 0; i < chunks.size(); i++) {
			rec.chunk(i, chunks.get(i), ALL_LOCAL);
		}
		double before = chunks.get(0).duration() + chunks.get(1).duration();
		long cutMs = Math.round((before + 1.3) * 1000);
		redis.opsForHash()
			.putAll(RedisKeys.recording(RecordingId.of(rec.id)),
					new LossCut(0, System.currentTimeMillis(), cutMs).fields());

		Api.Response r = rec.finalizeCall(20);

		assertThat(r.status()).as(r.body()).isEqualTo(200);
		JsonNode f = r.json();
		assertThat(f.path("state").asString()).as(r.body()).isEqualTo("DONE");
		assertThat(f.path("keptChunks")).extracting(k -> k.path("seq").asLong()).containsExactly(0L, 1L, 2L);
		JsonNode cut = f.path("keptChunks").get(2);
		assertThat(cut.path("cutAtSeconds").asDouble()).isCloseTo(1.3, within(0.001));
		assertThat(cut.path("durationSeconds").asDouble()).isCloseTo(1.3, within(0.001));
		assertThat(f.path("keptChunks").get(1).path("cutAtSeconds").isNull()).isTrue();
		assertThat(f.path("droppedChunks")).hasSize(1);
		assertThat(f.path("droppedChunks").get(0).path("seq").asLong()).isEqualTo(3);
		assertThat(f.path("droppedChunks").get(0).path("reason").asString()).startsWith("after the loss:")
			.contains("5.3 s of epoch 0");
		assertThat(f.path("gaps")).as("a chunk recorded after the loss is no gap").isEmpty();
		OpenViduCheck.assertSealedReady(rec.dir(), rec.id, before + 1.3);
	}

	/**
	 * A backup whose first chunk is known nowhere (no report, no upload, no file): its media time
	 * still counts from its start chunk ({@code HA_START_CHUNK}, its container history), so the cut
	 * at the loss lands inside the right chunk.
	 */
	@Test
	void aBackupsFirstChunkLostEverywhereStillPlacesTheCutAtTheLoss() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(5);
		FakeRecorder rec = recorder("lostfirst").register(false);
		rec.chunk(0, chunks.get(0), ALL_LOCAL);
		rec.chunk(1, chunks.get(1), ALL_LOCAL);
		rec.failover();
		RecordingId id = RecordingId.of(rec.id);
		redis.opsForHash().put(RedisKeys.containers(id), "1", "{\"epoch\":1,\"containerId\":\"\",\"host\":\"h\","
				+ "\"role\":\"backup\",\"since\":" + System.currentTimeMillis() + ",\"startChunk\":2}");
		rec.chunk(3, chunks.get(3), ALL_LOCAL);
		rec.chunk(4, chunks.get(4), ALL_LOCAL);
		// epoch 1's media time: chunk 2 (HA_CHUNK_DURATION, known nowhere), chunk 3, then 1.3 s into chunk 4
		double before = properties.failover().chunkDuration().toMillis() / 1000.0 + chunks.get(3).duration();
		redis.opsForHash()
			.putAll(RedisKeys.recording(id), new LossCut(1, System.currentTimeMillis(), Math.round((before + 1.3) * 1000))
				.fields());

		Api.Response r = rec.finalizeCall(20);

		assertThat(r.status()).as(r.body()).isEqualTo(200);
		JsonNode f = r.json();
		assertThat(f.path("state").asString()).as(r.body()).isEqualTo("DONE");
		assertThat(f.path("keptChunks")).extracting(k -> k.path("seq").asLong()).containsExactly(0L, 1L, 3L, 4L);
		assertThat(f.path("keptChunks").get(3).path("cutAtSeconds").asDouble()).as(r.body()).isCloseTo(1.3, within(0.001));
		assertThat(f.path("gaps")).extracting(g -> g.path("fromSeq").asLong()).containsExactly(2L);
	}

	/**
	 * A recorder (root in the recording folder) plants links at the names the finalization uses
	 * or used: the work folder, the joined file, the scratch files. The finalization succeeds and
	 * writes, chmods and deletes nothing outside the folder (issue 15, item 6).
	 */
	@Test
	void linksPlantedInTheRecordingFolderLeaveTheirTargetsUntouched(@TempDir Path outside) throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		FakeRecorder rec = recorder("symlink").register(true);
		for (int i = 0; i < chunks.size(); i++) {
			rec.chunk(i, chunks.get(i), ALL_LOCAL);
		}
		Path victim = Files.writeString(outside.resolve("victim"), "victim");
		Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
		Path victimDir = Files.createDirectory(outside.resolve("victim-dir"));
		Files.createSymbolicLink(rec.dir().resolve(Joiner.WORK_DIR), victimDir);
		for (String name : List.of(Joiner.tempName(1), Joiner.tempName(2), ".ov2ha-info.tmp", ".ov2ha-info.err",
				".ov2ha-thumb.tmp.jpg", ".ov2ha-thumb.err", ".ov2ha-recording-" + rec.id + ".tmp",
				"chunks/000000-e0.ts.probe", "chunks/000000-e0.ts.probe.json")) {
			Files.createSymbolicLink(rec.dir().resolve(name), victim);
		}

		Api.Response r = rec.finalizeCall(20);

		assertThat(r.status()).as(r.body()).isEqualTo(200);
		assertThat(r.json().path("state").asString()).as(r.body()).isEqualTo("DONE");
		OpenViduCheck.assertSealedReady(rec.dir(), rec.id, chunks.stream().mapToDouble(TestMedia.Chunk::duration).sum());
		assertThat(Files.readString(victim)).isEqualTo("victim");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim))).isEqualTo("rw-------");
		try (var inVictimDir = Files.list(victimDir)) {
			assertThat(inVictimDir).as("nothing written into the folder the work-folder link points to").isEmpty();
		}
		for (String name : List.of(rec.id + ".mp4", rec.id + ".info", rec.id + ".jpg", ".recording." + rec.id)) {
			assertThat(Files.isRegularFile(rec.dir().resolve(name), LinkOption.NOFOLLOW_LINKS)).as(name).isTrue();
		}
	}

	@Test
	void aFailedVerificationKeepsEverythingAndAnAdminCanRetry() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioOnly(3);
		FakeRecorder rec = recorder("novideo").register(true);
		for (int i = 0; i < chunks.size(); i++) {
			rec.chunk(i, chunks.get(i), ALL_LOCAL);
		}
		String metadataBefore = Files.readString(rec.dir().resolve(".recording." + rec.id));

		Api.Response r = rec.finalizeCall(20);

		assertThat(r.status()).isEqualTo(200);
		assertThat(r.json().path("state").asString()).isEqualTo("FAILED");
		assertThat(r.json().path("verified").asBoolean()).isFalse();
		assertThat(r.json().path("error").asString())
			.isEqualTo("verification failed: the joined file is not usable: no video stream");
		JsonNode detail = Api.at(port).asAdmin().get("/api/recordings/" + rec.id).json();
		assertThat(detail.path("status").asString()).isEqualTo("FAILED");
		assertThat(detail.path("statusReason").asString()).contains("no video stream");
		// untouched: chunks, placeholder, metadata; nothing OpenVidu would take for a result
		for (int i = 0; i < chunks.size(); i++) {
			assertThat(Files.readAllBytes(rec.dir().resolve("chunks").resolve(String.format("%06d-e0.ts", i))))
				.isEqualTo(Files.readAllBytes(chunks.get(i).file()));
		}
		assertThat(Files.readString(rec.dir().resolve(rec.id + ".mp4"))).isEqualTo("placeholder");
		assertThat(Files.readString(rec.dir().resolve(".recording." + rec.id))).isEqualTo(metadataBefore);
		List<String> names = new ArrayList<>();
		try (var files = Files.list(rec.dir())) {
			files.forEach(p -> names.add(p.getFileName().toString()));
		}
		assertThat(names).containsExactlyInAnyOrder("chunks", rec.id + ".mp4", ".recording." + rec.id,
				Joiner.WORK_DIR);
		assertThat(Api.at(port).asAdmin().get("/api/recordings/" + rec.id + "/download").problem())
			.isEqualTo("final-not-available");

		Api.Response retry = Api.at(port).asAdmin().post("/api/recordings/" + rec.id + "/finalize?force=true", null);

		assertThat(retry.status()).isEqualTo(200);
		assertThat(retry.json().path("state").asString()).isEqualTo("FAILED");
		assertThat(retry.json().path("attempts").asInt()).isEqualTo(2);
		assertThat(retry.json().path("trigger").asString()).isEqualTo("admin");
	}

}
