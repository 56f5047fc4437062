package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecorderProgress;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.storage.ChunkKeys;
import io.ov2ha.controller.storage.LocalChunkStorage;
import io.ov2ha.controller.storage.S3ChunkStorage;
import io.ov2ha.controller.storage.TestStorages;
import io.ov2ha.controller.support.TestS3;
import software.amazon.awssdk.core.sync.RequestBody;
import tools.jackson.databind.json.JsonMapper;

/**
 * A backup's start chunk: one past the highest chunk the reports, the last heartbeat, the bucket
 * (a real S3-compatible server) and the recordings folder know of, the bucket listed on a thread
 * of its own.
 */
class BackupSpecsTest {

	private static final String BUCKET = "backup-specs-" + Math.floorMod(System.nanoTime(), 100_000);

	private static final long CREATED_AT = 1_700_000_000_000L;

	@TempDir
	static Path recordings;

	private static S3ChunkStorage s3;

	private static BackupSpecs specs;

	@BeforeAll
	static void create() {
		HaProperties properties = TestStorages.s3Settings(BUCKET, recordings);
		s3 = TestStorages.s3(properties);
		s3.ensureBucket();
		specs = new BackupSpecs(properties, s3, new ControllerInstance(), JsonMapper.builder().build());
	}

	@AfterAll
	static void close() {
		specs.destroy();
		s3.close();
	}

	private static void uploaded(RecordingId id, long seq, long epoch) {
		TestS3.client()
			.putObject(r -> r.bucket(BUCKET).key(ChunkKeys.objectKey("recordings/", id, CREATED_AT, seq, epoch)),
					RequestBody.fromBytes(new byte[] { 1 }));
	}

	private static void onDisk(RecordingId id, long seq, long epoch) throws IOException {
		Path file = recordings.resolve(ChunkKeys.localPath(id, seq, epoch));
		Files.createDirectories(file.getParent());
		Files.write(file, new byte[] { 1 });
	}

	private static Recording recording(RecordingId id, Long reported, Long heartbeat, String env) {
		return new Recording(1, id, CREATED_AT, RecordingStatus.RECORDING, null, null, 1, "", "", null, env, "ses",
				"ses", null, null, null, null, heartbeat, null, null, 0, 0, reported, null, 0, null,
				RecorderProgress.NONE, null, null);
	}

	private static long startChunk(Recording r) {
		return specs.startChunk(r).orTimeout(30, TimeUnit.SECONDS).join();
	}

	@Test
	void aChunkUploadedButNeverReportedCounts() {
		RecordingId id = RecordingId.of("ses_S3~1");
		for (long seq = 0; seq <= 6; seq++) {
			uploaded(id, seq, 0);
		}
		// the reports stopped at 3, the last heartbeat said 4: the bucket knows better
		assertThat(startChunk(recording(id, 3L, 4L, "{}"))).isEqualTo(7);
	}

	@Test
	void aChunkWrittenButNeverUploadedCounts() throws IOException {
		RecordingId id = RecordingId.of("ses_S3~2");
		uploaded(id, 0, 0);
		uploaded(id, 1, 0);
		onDisk(id, 2, 0);
		assertThat(startChunk(recording(id, 1L, 1L, "{}"))).isEqualTo(3);
	}

	@Test
	void theReportsAndTheHeartbeatCountWhenTheStorageKnowsLess() {
		RecordingId id = RecordingId.of("ses_S3~3");
		uploaded(id, 0, 1);
		assertThat(startChunk(recording(id, 5L, 8L, "{}"))).isEqualTo(9);
		assertThat(startChunk(recording(id, 9L, null, "{}"))).isEqualTo(10);
		// nothing anywhere: a backup of a recorder that never wrote starts at 0
		assertThat(startChunk(recording(RecordingId.of("ses_S3~4"), null, null, "{}"))).isZero();
	}

	@Test
	void inLocalModeTheFolderIsTheStorage() throws IOException {
		HaProperties local = new HaProperties(HaProperties.Profile.PRODUCTION, null, recordings.toString(), null, null,
				null, null, null, null, null);
		BackupSpecs localSpecs = new BackupSpecs(local, new LocalChunkStorage(recordings), new ControllerInstance(),
				JsonMapper.builder().build());
		try {
			RecordingId id = RecordingId.of("ses_L~1");
			onDisk(id, 11, 2);
			assertThat(localSpecs.startChunk(recording(id, 4L, 4L, "{}")).join()).isEqualTo(12);
		}
		finally {
			localSpecs.destroy();
		}
	}

	@Test
	void aRecordingWithoutOpenViduEnvironmentGetsNoBackup() {
		Recording never = recording(RecordingId.of("ses_E~1"), null, null, null);
		assertThatThrownBy(() -> specs.openViduEnv(never)).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("never registered");
		Recording registered = recording(RecordingId.of("ses_E~2"), null, null,
				"{\"URL\":\"https://ov.example.test/layout\",\"RESOLUTION\":\"640x360\"}");
		assertThat(specs.spec(registered, specs.openViduEnv(registered), 2, 7).env()).containsEntry("RESOLUTION", "640x360")
			.containsEntry("HA_EPOCH", "2")
			.containsEntry("HA_START_CHUNK", "7");
	}

}
