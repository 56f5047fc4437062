package io.ov2ha.controller.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ov2ha.controller.kernel.RecordingId;

class LocalChunkStorageTest {

	@TempDir
	Path recordings;

	@Test
	void listsChunkFilesBySeqThenEpochAndIgnoresOtherFiles() throws Exception {
		RecordingId id = RecordingId.of("ses_A~1");
		Path dir = Files.createDirectories(recordings.resolve("ses_A~1/chunks"));
		for (String name : new String[] { "000002-e1.ts", "000001-e0.ts", "000002-e0.ts", "segments-e0.csv", "x.ts" }) {
			Files.writeString(dir.resolve(name), "data");
		}

		var chunks = new LocalChunkStorage(recordings).list(id, 1L);

		assertThat(chunks).extracting(ChunkStorage.StoredChunk::storageKey)
			.containsExactly("ses_A~1/chunks/000001-e0.ts", "ses_A~1/chunks/000002-e0.ts", "ses_A~1/chunks/000002-e1.ts");
		assertThat(chunks.get(0).sizeBytes()).isEqualTo(4);
		assertThat(new LocalChunkStorage(recordings).list(RecordingId.of("ses_none"), 1L)).isEmpty();
	}

	@Test
	void namesChunksTheWayTheProtocolSays() {
		RecordingId id = RecordingId.of("ses_A~1");
		assertThat(ChunkKeys.objectKey("recordings/", id, 1700000005000L, 12, 1))
			.isEqualTo("recordings/ses_A~1/1700000005000/000012-e1.ts");
		assertThat(ChunkKeys.localPath(id, 12, 1)).isEqualTo("ses_A~1/chunks/000012-e1.ts");
		assertThat(ChunkKeys.parse("recordings/ses_A~1/1/1234567-e10.ts")).contains(new ChunkKeys.SeqEpoch(1234567, 10));
		assertThat(ChunkKeys.parse("000012.ts")).isEmpty();
	}

}
