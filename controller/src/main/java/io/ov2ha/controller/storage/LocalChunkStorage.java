package io.ov2ha.controller.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import io.ov2ha.controller.recording.RecordingId;

/** Chunks kept in OpenVidu's recordings folder: {@code <recordings>/<id>/chunks/<seq>-e<epoch>.ts}. */
public class LocalChunkStorage implements ChunkStorage {

	private final Path recordings;

	public LocalChunkStorage(Path recordings) {
		this.recordings = recordings;
	}

	@Override
	public List<StoredChunk> list(RecordingId id, long createdAt) {
		Path dir = recordings.resolve(id.value()).resolve(ChunkKeys.CHUNK_DIR);
		List<StoredChunk> chunks = new ArrayList<>();
		try (Stream<Path> files = Files.list(dir)) {
			files.filter(Files::isRegularFile).forEach(file -> ChunkKeys.parse(file.getFileName().toString())
				.ifPresent(se -> chunks.add(new StoredChunk(se.seq(), se.epoch(),
						ChunkKeys.localPath(id, se.seq(), se.epoch()), size(file)))));
		}
		catch (NoSuchFileException ex) {
			return List.of();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		chunks.sort(Comparator.comparingLong(StoredChunk::seq).thenComparingLong(StoredChunk::epoch));
		return chunks;
	}

	private static long size(Path file) {
		try {
			return Files.size(file);
		}
		catch (IOException ex) {
			return -1;
		}
	}

}
