package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.FileSystemUtils;

import io.ov2ha.controller.recording.VideoName;
import io.ov2ha.controller.support.LogValues;

/**
 * The files of a finalization in the recording folder: its work folder and temporary files,
 * removed without ever following a link a recorder may have planted.
 */
final class WorkFiles {

	private static final Log LOG = LogFactory.getLog(WorkFiles.class);

	private WorkFiles() {
	}

	/** Removes whatever is at the work folder's name (a link itself, not its target) and creates the folder anew. */
	static void freshWorkDir(Path work) throws IOException {
		remove(work);
		Files.createDirectory(work);
	}

	/** Deletes a folder with its content, or a file, or a link (the link itself, also a dangling one). */
	static void remove(Path entry) throws IOException {
		if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
			FileSystemUtils.deleteRecursively(entry);
		}
		else {
			Files.deleteIfExists(entry);
		}
	}

	static void deleteWork(Path work) {
		try {
			remove(work);
		}
		catch (IOException ex) {
			LOG.warn("event=finalize.cleanup_failed path=" + LogValues.quote(work.toString()));
		}
	}

	/**
	 * Everything under the controller's reserved prefix ({@link VideoName#RESERVED_PREFIX}, never
	 * a final's name) left in the folder once the recording is sealed: joined files of attempts
	 * that never got verified (a controller stopped during the join), temporary files, and
	 * whatever a recorder planted there. Links are deleted, never followed.
	 */
	static void deleteTemps(Path dir) {
		try (var files = Files.newDirectoryStream(dir, VideoName.RESERVED_PREFIX + "*")) {
			for (Path file : files) {
				remove(file);
			}
		}
		catch (IOException ex) {
			LOG.warn("event=finalize.cleanup_failed path=" + LogValues.quote(dir.toString()));
		}
	}

	static long sizeOf(Path file) {
		try {
			return Files.size(file);
		}
		catch (NoSuchFileException ex) {
			return -1;
		}
		catch (IOException ex) {
			return -2;
		}
	}

}
