package io.ov2ha.controller.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.TestS3;
import io.ov2ha.controller.support.TestSecrets;
import software.amazon.awssdk.core.sync.RequestBody;

/** The S3 chunk storage, built as the controller builds it, against a real S3-compatible server. */
class S3ChunkStorageTest {

	static final String BUCKET = "storage-unit-" + System.nanoTime() % 100_000;

	static S3ChunkStorage storage;

	static boolean created;

	@TempDir
	Path tmp;

	@BeforeAll
	static void create() {
		storage = TestStorages.s3(TestStorages.s3Settings(BUCKET, null));
		created = storage.ensureBucket();
	}

	@AfterAll
	static void close() {
		storage.close();
	}

	private static void put(String key, byte[] bytes) {
		TestS3.client().putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
	}

	@Test
	void createsTheBucketOnceListsChunksAndIgnoresOtherObjects() {
		assertThat(created).isTrue();
		assertThat(storage.ensureBucket()).isFalse();
		RecordingId id = RecordingId.of("ses_L~1");
		put(ChunkKeys.objectKey("recordings/", id, 5, 2, 1), new byte[3]);
		put(ChunkKeys.objectKey("recordings/", id, 5, 2, 0), new byte[2]);
		put(ChunkKeys.objectKey("recordings/", id, 5, 1, 0), new byte[1]);
		put(ChunkKeys.objectKey("recordings/", id, 6, 9, 0), new byte[1]); // another recording with this id
		put(ChunkKeys.finalKey("recordings/", id, 5, "ses_L~1.mp4"), new byte[4]);
		put("recordings/ses_L~1/5/notes.txt", new byte[4]);

		var chunks = storage.list(id, 5);

		assertThat(chunks).extracting(ChunkStorage.StoredChunk::storageKey)
			.containsExactly("recordings/ses_L~1/5/000001-e0.ts", "recordings/ses_L~1/5/000002-e0.ts",
					"recordings/ses_L~1/5/000002-e1.ts");
		assertThat(chunks).extracting(ChunkStorage.StoredChunk::sizeBytes).containsExactly(1L, 2L, 3L);
		assertThat(storage.list(RecordingId.of("ses_none"), 5)).isEmpty();
	}

	@Test
	void downloadsChecksAndDeletesObjects() throws Exception {
		String key = "recordings/ses_D/1/000000-e0.ts";
		put(key, "chunk".getBytes());
		Path target = tmp.resolve("000000-e0.ts");
		Files.writeString(target, "old");

		storage.download(key, target);

		assertThat(Files.readString(target)).isEqualTo("chunk");
		assertThat(storage.exists(key)).isTrue();
		storage.delete(key);
		storage.delete(key);
		assertThat(storage.exists(key)).isFalse();
		assertThatThrownBy(() -> storage.download(key, target)).isInstanceOf(ChunkStorageException.class)
			.extracting(ex -> ((ChunkStorageException) ex).kind())
			.isEqualTo(ChunkStorageException.Kind.NOT_FOUND);
		assertThat(Files.readString(target)).isEqualTo("chunk");
		assertThat(tmp.resolve("000000-e0.ts.part")).doesNotExist();
	}

	@Test
	void uploadsALargeFinalInPartsAndPresignsADownload() throws Exception {
		byte[] bytes = new byte[S3ChunkStorage.PART_SIZE * 2 + 12345];
		new Random(7).nextBytes(bytes);
		Path file = tmp.resolve("final.mp4");
		Files.write(file, bytes);

		String key = storage.putFinal(RecordingId.of("ses_F"), 9, "ses_F.mp4", file);

		assertThat(key).isEqualTo("recordings/ses_F/9/final/ses_F.mp4");
		URI url = storage.presignedGet(key, Duration.ofMinutes(5)).orElseThrow();
		assertThat(url.getQuery()).contains("X-Amz-Signature").doesNotContain(TestSecrets.S3_SECRET_KEY);
		HttpResponse<byte[]> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(bytes);
	}

	@Test
	void anUnreachableServerIsReportedAsUnavailable() {
		TestS3.stop();
		try {
			assertThatThrownBy(storage::check).isInstanceOf(ChunkStorageException.class)
				.extracting(ex -> ((ChunkStorageException) ex).unavailable())
				.isEqualTo(true);
		}
		finally {
			TestS3.start();
		}
		storage.check();
	}

}
