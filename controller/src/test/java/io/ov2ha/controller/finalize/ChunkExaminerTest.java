package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.finalize.ChunkExaminer.Candidate;
import io.ov2ha.controller.finalize.ChunkExaminer.Dropped;
import io.ov2ha.controller.finalize.ChunkExaminer.Examined;
import io.ov2ha.controller.finalize.ChunkExaminer.Usable;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.ChunkEntry;
import io.ov2ha.controller.storage.ChunkKeys;
import io.ov2ha.controller.storage.LocalChunkStorage;
import io.ov2ha.controller.support.Api;

/**
 * One chunk of a finalization, with real chunks made by ffmpeg and local storage (no S3, no
 * Redis): what is kept, with which duration and source, and why the rest is dropped. The S3
 * paths are covered by FinalizeS3ApiTest.
 */
class ChunkExaminerTest {

	private static final RecordingId ID = RecordingId.of("ses_Examine");

	@TempDir
	Path recordings;

	@TempDir
	Path cache;

	private ChunkExaminer examiner;

	@BeforeEach
	void examiner() {
		HaProperties properties = new HaProperties(null, null, recordings.toString(), null, null, null, null, null,
				null, null);
		examiner = new ChunkExaminer(properties, new LocalChunkStorage(recordings), new Media(Api.JSON));
	}

	private Path place(long seq, long epoch, byte[] bytes) throws IOException {
		Path file = recordings.resolve(ChunkKeys.localPath(ID, seq, epoch));
		Files.createDirectories(file.getParent());
		return Files.write(file, bytes);
	}

	private static ChunkEntry report(long seq, long epoch, double duration, byte[] bytes) {
		return new ChunkEntry(seq, epoch, duration, bytes.length, TestMedia.sha256(bytes), "key-" + seq,
				Instant.EPOCH);
	}

	private Examined examine(long seq, long epoch, ChunkEntry report, Path local) throws IOException {
		return examiner.examine(ID, new Candidate(seq, epoch, report, null, local), cache);
	}

	@Test
	void aReportedChunkWhoseBytesMatchIsKeptFromTheLocalFolderWithItsReportedDuration() throws IOException {
		TestMedia.Chunk chunk = TestMedia.audioVideo(3).get(1);
		byte[] bytes = Files.readAllBytes(chunk.file());
		Path local = place(1, 0, bytes);

		Examined e = examine(1, 0, report(1, 0, chunk.duration(), bytes), local);

		assertThat(e).isInstanceOf(Usable.class);
		JoinPlan.Kept kept = ((Usable) e).kept();
		assertThat(kept.source()).isEqualTo("local");
		assertThat(kept.reported()).isTrue();
		assertThat(kept.file()).isEqualTo(local);
		assertThat(kept.duration()).isEqualTo(chunk.duration());
	}

	@Test
	void aReportedDurationFarFromTheChunksOwnTimestampsIsMeasuredInstead() throws IOException {
		TestMedia.Chunk chunk = TestMedia.audioVideo(3).get(0);
		byte[] bytes = Files.readAllBytes(chunk.file());
		Path local = place(0, 0, bytes);

		Examined e = examine(0, 0,
				report(0, 0, chunk.duration() + ChunkExaminer.DURATION_DOUBT_SECONDS + 5, bytes), local);

		assertThat(((Usable) e).kept().duration()).isCloseTo(chunk.duration(), within(0.2));
	}

	@Test
	void aReportedChunkWhoseLocalBytesDifferIsDroppedWithoutS3AndSaysWhy() throws IOException {
		TestMedia.Chunk chunk = TestMedia.audioVideo(3).get(2);
		byte[] bytes = Files.readAllBytes(chunk.file());
		Path local = place(2, 1, Arrays.copyOf(bytes, bytes.length - 188));

		Examined e = examine(2, 1, report(2, 1, chunk.duration(), bytes), local);

		assertThat(e).isInstanceOf(Dropped.class);
		var dropped = ((Dropped) e).dropped();
		assertThat(dropped.seq()).isEqualTo(2);
		assertThat(dropped.epoch()).isEqualTo(1);
		assertThat(dropped.storageKey()).isEqualTo("key-2");
		assertThat(dropped.reason()).startsWith("local file has " + (bytes.length - 188) + " bytes");
	}

	@Test
	void aReportedChunkWithoutAFileIsDroppedAsMissing() throws IOException {
		byte[] bytes = Files.readAllBytes(TestMedia.audioVideo(3).get(0).file());

		Examined e = examine(0, 0, report(0, 0, 2.0, bytes), null);

		assertThat(((Dropped) e).dropped().reason()).isEqualTo("missing: reported, but there is no chunk file");
	}

	@Test
	void anUnreportedPartialChunkThatDecodesIsKeptWithItsMeasuredDuration() throws IOException {
		TestMedia.Chunk chunk = TestMedia.audioVideo(3).get(1);
		Path local = place(1, 0, TestMedia.killedAt(chunk.file(), 0.6));

		Examined e = examine(1, 0, null, local);

		JoinPlan.Kept kept = ((Usable) e).kept();
		assertThat(kept.reported()).isFalse();
		assertThat(kept.source()).isEqualTo("local");
		assertThat(kept.duration()).isBetween(ChunkExaminer.MIN_UNREPORTED_SECONDS, chunk.duration());
	}

	@Test
	void anUnreportedChunkTooShortToKeepIsDropped() throws IOException {
		TestMedia.Chunk chunk = TestMedia.audioVideo(3).get(1);
		// about 0.4 s of a 2 s chunk (a cut under about 0.3 s fails the decode check instead)
		Path local = place(1, 0, TestMedia.killedAt(chunk.file(), 0.2));

		Examined e = examine(1, 0, null, local);

		assertThat(e).isInstanceOf(Dropped.class);
		assertThat(((Dropped) e).dropped().reason()).startsWith("too short (");
		assertThat(((Dropped) e).dropped().storageKey()).isEqualTo(ChunkKeys.fileName(1, 0));
	}

	@Test
	void anUnreportedChunkThatIsOnlyAHeaderIsDroppedAsUnusable() throws IOException {
		byte[] real = Files.readAllBytes(TestMedia.audioVideo(3).get(1).file());
		Path headerOnly = place(1, 0, Arrays.copyOf(real, 2 * TsScan.PACKET));

		Examined e = examine(1, 0, null, headerOnly);

		assertThat(e).isInstanceOf(Dropped.class);
		assertThat(((Dropped) e).dropped().reason()).doesNotStartWith("too short");
	}

}
