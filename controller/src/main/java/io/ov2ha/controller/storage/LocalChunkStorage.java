package io.ov2ha.controller.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.storage.ChunkStorageException.Kind;

/** Chunks kept in OpenVidu's recordings folder: {@code <recordings>/<id>/chunks/<seq>-e<epoch>.ts}. */
public class LocalChunkStorage implements ChunkStorage {

	private final Path recordings;

	public LocalChunkStorage(Path recordings) {
		this.recordings = recordings;
	}

	@Override
	public StorageMode mode() {
		return StorageMode.LOCAL;
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

	@Override
	public void download(String storageKey, Path target) {
		Path source = file(storageKey);
		Path partial = target.resolveSibling(target.getFileName() + ".part");
		try {
			Files.copy(source, partial, StandardCopyOption.REPLACE_EXISTING);
			Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (NoSuchFileException ex) {
			throw new ChunkStorageException(Kind.NOT_FOUND, "no chunk file " + storageKey, ex);
		}
		catch (IOException ex) {
			throw new ChunkStorageException(Kind.FAILED, "cannot copy chunk file " + storageKey + ": " + ex, ex);
		}
	}

	@Override
	public boolean exists(String storageKey) {
		return Files.isRegularFile(file(storageKey));
	}

	@Override
	public void delete(String storageKey) {
		try {
			Files.deleteIfExists(file(storageKey));
		}
		catch (IOException ex) {
			throw new ChunkStorageException(Kind.FAILED, "cannot delete chunk file " + storageKey + ": " + ex, ex);
		}
	}

	@Override
	public void check() {
		if (!Files.isDirectory(recordings)) {
			throw new ChunkStorageException(Kind.NOT_FOUND, "recordings folder " + recordings + " does not exist", null);
		}
	}

	/** The file of a storage key (a path relative to the recordings folder), never outside that folder. */
	public Path file(String storageKey) {
		Path root = recordings.toAbsolutePath().normalize();
		Path file = root.resolve(storageKey).normalize();
		if (!file.startsWith(root) || file.equals(root)) {
			throw new ChunkStorageException(Kind.FAILED, "storage key outside the recordings folder", null);
		}
		return file;
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
