package io.ov2ha.controller.finalize;

import static io.ov2ha.controller.finalize.FakeRecorder.ALL_S3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.S3ControllerTest;
import io.ov2ha.controller.support.TestS3;
import software.amazon.awssdk.services.s3.model.S3Object;
import tools.jackson.databind.JsonNode;

/** Finalization with chunks in a real S3-compatible server, real ffmpeg, the full controller. */
@S3ControllerTest
class FinalizeS3ApiTest {

	static final Path RECORDINGS = Path.of(S3ControllerTest.RECORDINGS);

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	FinalizationService service;

	@Autowired
	ChunkRetention retention;

	@Autowired
	ChunkBackfill backfill;

	@Autowired
	FinalUpload finalUpload;

	private FakeRecorder recorder(String prefix) {
		return new FakeRecorder(Recordings.newId(prefix), System.currentTimeMillis(), Api.at(port), redis, RECORDINGS,
				true);
	}

	private static double sum(List<TestMedia.Chunk> chunks) {
		return chunks.stream().mapToDouble(TestMedia.Chunk::duration).sum();
	}

	@Test
	void aCleanJoinIsVerifiedAndSealedTheWayOpenViduReadsIt() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		FakeRecorder rec = recorder("clean").register(true);
		for (int i = 0; i < chunks.size(); i++) {
			rec.chunk(i, chunks.get(i), ALL_S3);
		}

		Api.Response r = rec.finalizeCall(20);

		assertThat(r.status()).as(r.body()).isEqualTo(200);
		JsonNode f = r.json();
		assertThat(f.path("state").asString()).isEqualTo("DONE");
		assertThat(f.path("recordingStatus").asString()).isEqualTo("READY");
		assertThat(f.path("verified").asBoolean()).isTrue();
		assertThat(f.path("attempts").asInt()).isEqualTo(1);
		assertThat(f.path("keptChunks").size()).isEqualTo(6);
		f.path("keptChunks").forEach(k -> assertThat(k.path("source").asString()).isEqualTo("s3"));
		assertThat(f.path("droppedChunks").size()).isZero();
		assertThat(f.path("gaps").size()).isZero();
		assertThat(f.path("output").path("durationSeconds").asDouble()).isCloseTo(sum(chunks),
				within(JoinedFile.tolerance(sum(chunks))));
		JsonNode sealed = OpenViduCheck.assertSealedReady(rec.dir(), rec.id, sum(chunks));
		assertThat(sealed.path("url").asString())
			.isEqualTo("https://ov.example.com/openvidu/recordings/" + rec.id + "/" + rec.id + ".mp4");
		assertThat(f.path("output").path("url").asString()).isEqualTo(sealed.path("url").asString());
		assertThat(Api.at(port).asAdmin().get("/api/recordings/" + rec.id).json().path("status").asString())
			.isEqualTo("READY");

		// the chunks stay until retention; the final is uploaded after the finalization (never in
		// it) and then downloads through a presigned URL
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(TestS3.client()
				.listObjectsV2(b -> b.bucket(TestS3.BUCKET).prefix("recordings/" + rec.id + "/"))
				.contents()).hasSize(7));
		Api.Response download = await().atMost(Duration.ofSeconds(30))
			.until(() -> Api.at(port).asAdmin().get("/api/recordings/" + rec.id + "/download"), d -> d.status() == 302);
		String url = download.json().path("url").asString();
		HttpResponse<byte[]> fetched = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(fetched.statusCode()).isEqualTo(200);
		assertThat(fetched.body()).isEqualTo(Files.readAllBytes(rec.dir().resolve(rec.id + ".mp4")));

		// repeating the call answers the same result without joining again
		Api.Response again = rec.finalizeCall(20);
		assertThat(again.status()).isEqualTo(200);
		assertThat(again.json().path("attempts").asInt()).isEqualTo(1);
	}


	@Test
	void chunksOfTwoEpochsJoinWithThePartialChunkOfTheDeadRecorder() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		FakeRecorder rec = recorder("epochs").register(true);
		for (int i = 0; i < 3; i++) {
			rec.chunk(i, chunks.get(i), ALL_S3);
		}
		// the primary dies 1 s into chunk 3: its partial chunk is only in the recordings folder
		byte[] partial = TestMedia.killedAt(chunks.get(3).file(), 0.5);
		rec.chunk(3, 0, partial, 0, partial, EnumSet.of(FakeRecorder.Where.LOCAL));
		rec.failover();
		for (int i = 4; i < 6; i++) {
			rec.chunk(i, chunks.get(i), ALL_S3);
		}
		// a chunk the replaced recorder wrote after the switch: its time is the backup's
		rec.chunk(5, 0, Files.readAllBytes(chunks.get(5).file()), 0, new byte[0], EnumSet.of(FakeRecorder.Where.S3));

		Api.Response r = rec.finalizeCall(20);

		assertThat(r.status()).as(r.body()).isEqualTo(200);
		JsonNode f = r.json();
		assertThat(f.path("state").asString()).isEqualTo("DONE");
		List<String> kept = new ArrayList<>();
		f.path("keptChunks").forEach(k -> kept.add(k.path("seq").asLong() + "-e" + k.path("epoch").asLong()));
		assertThat(kept).containsExactly("0-e0", "1-e0", "2-e0", "3-e0", "4-e1", "5-e1");
		JsonNode partialKept = f.path("keptChunks").get(3);
		assertThat(partialKept.path("reported").asBoolean()).isFalse();
		assertThat(partialKept.path("source").asString()).isEqualTo("local");
		double partialSeconds = partialKept.path("durationSeconds").asDouble();
		assertThat(partialSeconds).isBetween(0.5, 1.9);
		assertThat(f.path("droppedChunks").size()).isEqualTo(1);
		assertThat(f.path("droppedChunks").get(0).path("reason").asString()).startsWith("superseded");
		double expected = sum(chunks.subList(0, 3)) + partialSeconds + sum(chunks.subList(4, 6));
		OpenViduCheck.assertSealedReady(rec.dir(), rec.id, expected);

		// the dead recorder's partial chunk, on the local disk only, is copied to S3
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			backfill.run();
			assertThat(backfill.pending(rec.id + ":" + rec.createdAt)).isFalse();
		});
		assertThat(objects(rec)).extracting(S3Object::key).contains(rec.storageKey(3, 0));
	}

	@Test
	void theSameSeqFromTwoEpochsIsKeptInEpochOrder() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		FakeRecorder rec = recorder("sameseq").register(true);
		for (int i = 0; i < 2; i++) {
			rec.chunk(i, chunks.get(i), ALL_S3);
		}
		byte[] partial = TestMedia.killedAt(chunks.get(2).file(), 0.6);
		rec.chunk(2, 0, partial, 0, partial, EnumSet.of(FakeRecorder.Where.LOCAL));
		rec.failover();
		rec.chunk(2, chunks.get(3), ALL_S3);
		rec.chunk(3, chunks.get(4), ALL_S3);

		JsonNode f = rec.finalizeCall(20).json();

		List<String> kept = new ArrayList<>();
		f.path("keptChunks").forEach(k -> kept.add(k.path("seq").asLong() + "-e" + k.path("epoch").asLong()));
		assertThat(kept).containsExactly("0-e0", "1-e0", "2-e0", "2-e1", "3-e1");
		assertThat(f.path("state").asString()).isEqualTo("DONE");
	}

	@Test
	void aTruncatedAndAZeroByteChunkAreDroppedAsGapsAndTheRestIsKept() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		FakeRecorder rec = recorder("damaged").register(true);
		for (int i = 0; i < 6; i++) {
			byte[] bytes = Files.readAllBytes(chunks.get(i).file());
			byte[] stored = i == 2 ? Arrays.copyOf(bytes, bytes.length / 2) : i == 4 ? new byte[0] : bytes;
			rec.chunk(i, 0, stored, chunks.get(i).duration(), bytes, ALL_S3);
		}

		JsonNode f = rec.finalizeCall(20).json();

		assertThat(f.path("state").asString()).as(f.toString()).isEqualTo("DONE");
		List<Long> kept = new ArrayList<>();
		f.path("keptChunks").forEach(k -> kept.add(k.path("seq").asLong()));
		assertThat(kept).containsExactly(0L, 1L, 3L, 5L);
		assertThat(f.path("droppedChunks").get(0).path("seq").asLong()).isEqualTo(2);
		assertThat(f.path("droppedChunks").get(0).path("reason").asString()).contains("the report says");
		assertThat(f.path("droppedChunks").get(1).path("seq").asLong()).isEqualTo(4);
		assertThat(f.path("droppedChunks").get(1).path("reason").asString()).contains("has 0 bytes");
		assertThat(f.path("gaps").toString()).isEqualTo("[{\"fromSeq\":2,\"toSeq\":2},{\"fromSeq\":4,\"toSeq\":4}]");
		double expected = chunks.get(0).duration() + chunks.get(1).duration() + chunks.get(3).duration()
				+ chunks.get(5).duration();
		// never a silent truncation: everything after the damaged chunks is in the final
		OpenViduCheck.assertSealedReady(rec.dir(), rec.id, expected);

		// the manifest view shows the gaps and the dropped chunks with their reasons
		JsonNode manifest = Api.at(port).asAdmin().get("/api/recordings/" + rec.id + "/chunks").json();
		assertThat(manifest.path("count").asInt()).isEqualTo(6);
		assertThat(manifest.path("dropped").size()).isEqualTo(2);
		assertThat(manifest.path("dropped").get(1).path("reason").asString()).contains("has 0 bytes");
		assertThat(manifest.path("finalization").path("state").asString()).isEqualTo("DONE");
		assertThat(manifest.path("finalization").path("gaps").size()).isEqualTo(2);
	}

	@Test
	void aChunkWhoseReportWasLostIsFoundByListingTheStorage() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		FakeRecorder rec = recorder("lostreport").register(true);
		for (int i = 0; i < 6; i++) {
			rec.chunk(i, chunks.get(i), i == 3 ? EnumSet.of(FakeRecorder.Where.S3) : ALL_S3);
		}

		JsonNode f = rec.finalizeCall(20).json();

		assertThat(f.path("state").asString()).isEqualTo("DONE");
		assertThat(f.path("keptChunks").size()).isEqualTo(6);
		assertThat(f.path("keptChunks").get(3).path("reported").asBoolean()).isFalse();
		OpenViduCheck.assertSealedReady(rec.dir(), rec.id, sum(chunks));
		JsonNode manifest = Api.at(port).asAdmin().get("/api/recordings/" + rec.id + "/chunks").json();
		assertThat(manifest.path("gaps").toString()).isEqualTo("[{\"fromSeq\":3,\"toSeq\":3}]");
		assertThat(manifest.path("finalization").path("keptUnreported").toString())
			.isEqualTo("[{\"seq\":3,\"epoch\":0}]");
		assertThat(manifest.path("finalization").path("gaps").size()).isZero();
	}

	@Test
	void localChunksAreUsedFirstAndACorruptedLocalCopyComesFromS3() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		FakeRecorder rec = recorder("localfirst").register(true);
		for (int i = 0; i < 6; i++) {
			byte[] bytes = Files.readAllBytes(chunks.get(i).file());
			rec.chunk(i, 0, bytes, chunks.get(i).duration(), bytes, EnumSet.allOf(FakeRecorder.Where.class));
		}
		Path corrupted = rec.dir().resolve("chunks").resolve("000002-e0.ts");
		byte[] bytes = Files.readAllBytes(corrupted);
		for (int i = bytes.length / 2; i < bytes.length / 2 + 2000; i++) {
			bytes[i] ^= 0x5a;
		}
		Files.write(corrupted, bytes);

		JsonNode f = rec.finalizeCall(20).json();

		assertThat(f.path("state").asString()).isEqualTo("DONE");
		List<String> sources = new ArrayList<>();
		f.path("keptChunks").forEach(k -> sources.add(k.path("source").asString()));
		assertThat(sources).containsExactly("local", "local", "s3", "local", "local", "local");
		assertThat(f.path("droppedChunks").size()).isZero();
		OpenViduCheck.assertSealedReady(rec.dir(), rec.id, sum(chunks));
		// the corrupted local copy is left as it was
		assertThat(Files.readAllBytes(corrupted)).isEqualTo(bytes);
	}

	@Test
	void concurrentTriggersJoinOnceAndAllGetTheSameResult() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		FakeRecorder rec = recorder("twice").register(true);
		for (int i = 0; i < 6; i++) {
			rec.chunk(i, chunks.get(i), ALL_S3);
		}
		// OpenVidu stopped it (an admin may finalize a stopping recording, not a live one)
		assertThat(Api.at(port).asAdmin().post("/api/recordings/" + rec.id + "/stop", null).status()).isEqualTo(202);
		ExecutorService pool = Executors.newFixedThreadPool(3);
		try {
			Future<Api.Response> byRecorder = pool.submit(() -> rec.finalizeCall(20));
			Future<Api.Response> byAdmin = pool
				.submit(() -> Api.at(port).asAdmin().post("/api/recordings/" + rec.id + "/finalize", null));
			Future<Finalization> byFailover = pool.submit(() -> service
				.finalizeAsync(RecordingId.of(rec.id), FinalizationRequest.failover())
				.get(30, TimeUnit.SECONDS));

			JsonNode a = byRecorder.get(30, TimeUnit.SECONDS).json();
			JsonNode b = byAdmin.get(30, TimeUnit.SECONDS).json();
			Finalization c = byFailover.get(30, TimeUnit.SECONDS);
			assertThat(a.path("state").asString()).isEqualTo("DONE");
			assertThat(b.path("output")).isEqualTo(a.path("output"));
			assertThat(c.output().sizeBytes()).isEqualTo(a.path("output").path("sizeBytes").asLong());
			assertThat(a.path("attempts").asInt()).isEqualTo(1);
			assertThat(service.find(RecordingId.of(rec.id)).orElseThrow().attempts()).isEqualTo(1);
		}
		finally {
			pool.shutdownNow();
		}
		OpenViduCheck.assertSealedReady(rec.dir(), rec.id, sum(chunks));
	}

	@Test
	void unreachableStorageIsRetriedAutomaticallyAndTheRetrySucceeds() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		FakeRecorder rec = recorder("s3blip").register(true);
		for (int i = 0; i < 6; i++) {
			rec.chunk(i, chunks.get(i), ALL_S3);
		}
		TestS3.stop();
		try {
			Api.Response r = rec.finalizeCall(0);
			assertThat(r.status()).isEqualTo(202);
			JsonNode waiting = poll(rec.id, "RETRY_WAIT");
			assertThat(waiting.path("error").asString()).contains("S3");
			assertThat(waiting.path("recordingStatus").asString()).isEqualTo("FINALIZING");
			assertThat(Files.readString(rec.dir().resolve(rec.id + ".mp4"))).isEqualTo("placeholder");
		}
		finally {
			TestS3.start();
		}
		JsonNode done = poll(rec.id, "DONE");
		assertThat(done.path("attempts").asInt()).isBetween(2, 3);
		OpenViduCheck.assertSealedReady(rec.dir(), rec.id, sum(chunks));
	}

	@Test
	void unreachableStorageFailsCleanlyAfterTheAttemptsAndAnAdminRetryGetsAsManyAgain() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		FakeRecorder rec = recorder("s3down").register(true);
		for (int i = 0; i < 6; i++) {
			rec.chunk(i, chunks.get(i), ALL_S3);
		}
		TestS3.stop();
		try {
			Api.Response r = Api.at(port).asAdmin().post("/api/recordings/" + rec.id + "/stop", null);
			assertThat(r.status()).isEqualTo(202);
			Api.at(port).asAdmin().post("/api/recordings/" + rec.id + "/finalize?waitSeconds=1", null);
			JsonNode failed = poll(rec.id, "FAILED");
			pollHealth("DOWN");
			assertThat(failed.path("attempts").asInt()).isEqualTo(3);
			assertThat(failed.path("recordingStatus").asString()).isEqualTo("FAILED");
			assertThat(failed.path("error").asString()).contains("cannot list the chunks in S3");
			assertThat(Api.at(port).asAdmin().get("/api/recordings/" + rec.id).json().path("statusReason").asString())
				.startsWith("finalization failed: cannot list the chunks in S3");
			// OpenVidu's file says failed (not "started" forever); the media untouched: placeholder as
			// it was, every chunk still stored, no final uploaded
			JsonNode sealedFailed = Api.JSON.readTree(Files.readString(rec.dir().resolve(".recording." + rec.id)));
			assertThat(sealedFailed.path("status").asString()).isEqualTo("failed");
			assertThat(sealedFailed.path("id").asString()).isEqualTo(rec.id);
			assertThat(Files.readString(rec.dir().resolve(rec.id + ".mp4"))).isEqualTo("placeholder");

			assertThat(rec.finalizeCall(0).problem()).isEqualTo("recording-final");
			Api.Response noForce = Api.at(port).asAdmin().post("/api/recordings/" + rec.id + "/finalize", null);
			assertThat(noForce.status()).isEqualTo(409);
			assertThat(noForce.json().path("detail").asString()).contains("force=true");

			// an admin's retry while the storage is still down gets HA_FINALIZE_ATTEMPTS (3) of its
			// own, its delays starting over (2 s, 4 s), then fails again
			Api.Response retry = Api.at(port)
				.asAdmin()
				.post("/api/recordings/" + rec.id + "/finalize?force=true&waitSeconds=0", null);
			assertThat(retry.status()).as(retry.body()).isEqualTo(202);
			assertThat(retry.json().path("state").asString()).isIn("PENDING", "RUNNING", "RETRY_WAIT");
			JsonNode failedAgain = poll(rec.id, "FAILED");
			assertThat(failedAgain.path("attempts").asInt()).isEqualTo(6);
			assertThat(failedAgain.path("recordingStatus").asString()).isEqualTo("FAILED");
		}
		finally {
			TestS3.start();
		}
		pollHealth("UP");
		assertThat(TestS3.client().listObjectsV2(b -> b.bucket(TestS3.BUCKET).prefix("recordings/" + rec.id + "/"))
			.contents()).hasSize(6);

		Api.Response retry = Api.at(port).asAdmin().post("/api/recordings/" + rec.id + "/finalize?force=true", null);

		assertThat(retry.status()).as(retry.body()).isEqualTo(200);
		assertThat(retry.json().path("state").asString()).isEqualTo("DONE");
		assertThat(retry.json().path("attempts").asInt()).isEqualTo(7);
		OpenViduCheck.assertSealedReady(rec.dir(), rec.id, sum(chunks));
		assertThat(Api.at(port).asAdmin().post("/api/recordings/" + rec.id + "/finalize?force=true", null).problem())
			.isEqualTo("recording-final");
	}

	@Test
	void withS3DownAtTheStopTheFinalIsJoinedFromTheLocalChunksAndS3GetsThemLater() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(4);
		FakeRecorder rec = recorder("s3gone").register(true);
		for (int i = 0; i < 3; i++) {
			rec.chunk(i, chunks.get(i), EnumSet.allOf(FakeRecorder.Where.class));
		}
		String member = rec.id + ":" + rec.createdAt;
		TestS3.stop();
		try {
			// S3 went down before the last chunk's upload: it is on the local disk only, unreported
			rec.chunk(3, chunks.get(3), EnumSet.of(FakeRecorder.Where.LOCAL));

			Api.Response r = rec.finalizeCall(20);

			// OpenVidu's stop does not wait for S3: the final comes from the local files, in time
			assertThat(r.status()).as(r.body()).isEqualTo(200);
			JsonNode f = r.json();
			assertThat(f.path("state").asString()).isEqualTo("DONE");
			assertThat(f.path("attempts").asInt()).isEqualTo(1);
			List<String> sources = new ArrayList<>();
			f.path("keptChunks").forEach(k -> sources.add(k.path("source").asString()));
			assertThat(sources).containsExactly("local", "local", "local", "local");
			assertThat(f.path("keptChunks").get(3).path("reported").asBoolean()).isFalse();
			OpenViduCheck.assertSealedReady(rec.dir(), rec.id, sum(chunks));
			assertThat(backfill.pending(member)).isTrue();

			// the final's upload waits for S3; meanwhile downloads stream the local final
			assertThat(finalUpload.run()).isZero();
			assertThat(finalUpload.pending(member)).isTrue();
			assertThat(finalization(rec).path("finalUploadError").asString()).isNotBlank();
			Api.Response local = Api.at(port).asAdmin().get("/api/recordings/" + rec.id + "/download");
			assertThat(local.status()).isEqualTo(200);

			// while S3 is down nothing is copied, and retention deletes nothing before the copy
			assertThat(backfill.run()).isZero();
			assertThat(backfill.pending(member)).isTrue();
			redis.opsForZSet().add(RedisKeys.retentionIndex(), member, 1);
			retention.run();
			assertThat(rec.dir().resolve("chunks").resolve("000003-e0.ts")).exists();
			redis.opsForZSet().remove(RedisKeys.retentionIndex(), member);
		}
		finally {
			TestS3.start();
		}

		// S3 is back: the chunk it lacks is copied (the pass also runs on its own every 15 s)
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			backfill.run();
			assertThat(backfill.pending(member)).isFalse();
		});
		assertThat(objects(rec)).extracting(S3Object::key)
			.filteredOn(k -> k.endsWith(".ts"))
			.containsExactly(rec.storageKey(0, 0), rec.storageKey(1, 0), rec.storageKey(2, 0), rec.storageKey(3, 0));
		byte[] copied = TestS3.client()
			.getObjectAsBytes(b -> b.bucket(TestS3.BUCKET).key(rec.storageKey(3, 0)))
			.asByteArray();
		assertThat(copied).isEqualTo(Files.readAllBytes(chunks.get(3).file()));
		// and the final is uploaded: downloads redirect to S3
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			finalUpload.run();
			assertThat(finalUpload.pending(member)).isFalse();
		});
		assertThat(Api.at(port).asAdmin().get("/api/recordings/" + rec.id + "/download").status()).isEqualTo(302);
		JsonNode uploaded = finalization(rec);
		assertThat(uploaded.path("finalKey").asString()).endsWith("/final/" + rec.id + ".mp4");
		assertThat(uploaded.path("finalUploadError").isNull()).as(uploaded.toString()).isTrue();
	}

	@Test
	void retentionDeletesChunksOnlyOfVerifiedFinalsAndOnlyWhenDue() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(3);
		FakeRecorder due = recorder("retdue").register(true);
		FakeRecorder notDue = recorder("retlater").register(true);
		FakeRecorder failed = recorder("retfailed").register(true);
		for (FakeRecorder rec : List.of(due, notDue)) {
			for (int i = 0; i < 3; i++) {
				rec.chunk(i, chunks.get(i), EnumSet.allOf(FakeRecorder.Where.class));
			}
			assertThat(rec.finalizeCall(20).json().path("state").asString()).isEqualTo("DONE");
		}
		List<TestMedia.Chunk> noVideo = TestMedia.audioOnly(3);
		for (int i = 0; i < 3; i++) {
			failed.chunk(i, noVideo.get(i), EnumSet.allOf(FakeRecorder.Where.class));
		}
		JsonNode verification = failed.finalizeCall(20).json();
		assertThat(verification.path("state").asString()).isEqualTo("FAILED");
		assertThat(verification.path("error").asString()).contains("verification failed").contains("no video stream");

		// the retention time of one final has passed; the failed one is (wrongly) listed as well
		redis.opsForZSet().add(RedisKeys.retentionIndex(), due.id + ":" + due.createdAt, 1);
		redis.opsForZSet().add(RedisKeys.retentionIndex(), failed.id + ":" + failed.createdAt, 1);
		byte[] finalBefore = Files.readAllBytes(due.dir().resolve(due.id + ".mp4"));

		retention.run();

		// every chunk object is gone; the uploaded final stays
		assertThat(objects(due)).extracting(S3Object::key)
			.containsExactly("recordings/" + due.id + "/" + due.createdAt + "/final/" + due.id + ".mp4");
		assertThat(due.dir().resolve("chunks")).doesNotExist();
		assertThat(Files.readAllBytes(due.dir().resolve(due.id + ".mp4"))).isEqualTo(finalBefore);
		assertThat(service.find(RecordingId.of(due.id)).orElseThrow().chunksDeletedAt()).isNotNull();
		assertThat(objects(notDue)).hasSize(3 + 1);
		assertThat(notDue.dir().resolve("chunks").resolve("000002-e0.ts")).exists();
		assertThat(objects(failed)).hasSize(3);
		assertThat(failed.dir().resolve("chunks").resolve("000002-e0.ts")).exists();
		assertThat(Files.readString(failed.dir().resolve(failed.id + ".mp4"))).isEqualTo("placeholder");
	}

	@Test
	void recorderCallsAreFencedAndAdminsCannotFinalizeALiveRecording() throws Exception {
		FakeRecorder rec = recorder("fence").register(true);
		Api api = Api.at(port);

		assertThat(api.asAdmin().post("/api/recordings/" + rec.id + "/finalize", null).problem())
			.isEqualTo("recording-active");
		assertThat(api.asRecorder().post("/api/recordings/" + rec.id + "/finalize", Map.of()).problem())
			.isEqualTo("invalid-request");
		assertThat(api.asRecorder().post("/api/recordings/" + rec.id + "/finalize?waitSeconds=99", Map.of("epoch", 0))
			.problem()).isEqualTo("invalid-request");
		rec.failover();
		Api.Response stale = api.asRecorder().post("/api/recordings/" + rec.id + "/finalize", Map.of("epoch", 0));
		assertThat(stale.status()).isEqualTo(409);
		assertThat(stale.problem()).isEqualTo("stale-epoch");
		assertThat(stale.json().path("currentEpoch").asLong()).isEqualTo(1);
		assertThat(api.asRecorder().post("/api/recordings/ses_nobody/finalize", Map.of("epoch", 0)).problem())
			.isEqualTo("recording-not-found");
		assertThat(api.asAdmin().get("/api/recordings/" + rec.id + "/download").problem())
			.isEqualTo("final-not-available");
		assertThat(api.asRecorder().get("/api/recordings/" + rec.id + "/download").status()).isEqualTo(403);
	}

	private List<S3Object> objects(FakeRecorder rec) {
		return TestS3.client()
			.listObjectsV2(b -> b.bucket(TestS3.BUCKET).prefix("recordings/" + rec.id + "/" + rec.createdAt + "/"))
			.contents();
	}

	private JsonNode finalization(FakeRecorder rec) {
		return Api.at(port).asAdmin().get("/api/recordings/" + rec.id + "/finalization").json();
	}

	private JsonNode poll(String id, String state) {
		return await("finalization of " + id + " reaching " + state).atMost(Duration.ofSeconds(30))
			.until(() -> Api.at(port).asAdmin().get("/api/recordings/" + id + "/finalization").json(),
					f -> state.equals(f.path("state").asString()));
	}

	private void pollHealth(String status) {
		await("storage health " + status).atMost(Duration.ofSeconds(15))
			.until(() -> Api.at(port).asAdmin().get("/actuator/health").json().path("components").path("storage")
				.path("status").asString(), status::equals);
	}

}
