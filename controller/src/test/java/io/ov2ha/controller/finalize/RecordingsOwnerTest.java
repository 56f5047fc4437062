package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.Api;

/**
 * The files the controller writes into OpenVidu's recordings folder get OpenVidu's owner (the
 * recordings folder's, or HA_RECORDINGS_OWNER), not the controller's uid 10001 (issue 16, item
 * 7). Changing an owner needs root (CAP_CHOWN): those tests run only as root.
 */
class RecordingsOwnerTest {

	@TempDir
	Path recordings;

	private HaProperties properties(String owner) {
		return new HaProperties(HaProperties.Profile.PRODUCTION, null, recordings.toString(), null, null, null, null,
				new HaProperties.Storage(null, null, null, null, false, null,
						new HaProperties.Finalizer(null, null, 0, 0, 0, null, null, owner)),
				null, null);
	}

	private static String ownerOf(Path file) throws IOException {
		return Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
				+ Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS);
	}

	private static void chown(Path file, int uid, int gid) throws IOException {
		Files.setAttribute(file, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
		Files.setAttribute(file, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
	}

	private static void assumeRoot() throws IOException {
		assumeTrue("0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))),
				"changing a file's owner needs root");
	}

	@Test
	void byDefaultFilesGetTheRecordingsFoldersOwner() throws IOException {
		assumeRoot();
		chown(recordings, 4242, 4243);
		Path file = Files.writeString(recordings.resolve("ses_A.mp4"), "x");

		RecordingsOwner owner = new RecordingsOwner(properties(""));

		assertThat(owner.owner()).isEqualTo(new RecordingsOwner.Owner(4242, 4243));
		assertThat(owner.apply(file)).isEqualTo(RecordingsOwner.Outcome.CHANGED);
		assertThat(ownerOf(file)).isEqualTo("4242:4243");
		assertThat(owner.apply(file)).isEqualTo(RecordingsOwner.Outcome.UNCHANGED);
	}

	@Test
	void theSettingWinsOverTheFoldersOwner() throws IOException {
		assumeRoot();
		chown(recordings, 4242, 4243);
		Path file = Files.writeString(recordings.resolve("ses_A.mp4"), "x");

		new RecordingsOwner(properties(" 1001:1002 ")).apply(file);

		assertThat(ownerOf(file)).isEqualTo("1001:1002");
	}

	@Test
	void aLinkIsNeverFollowed(@TempDir Path outside) throws IOException {
		assumeRoot();
		chown(recordings, 4242, 4243);
		Path victim = Files.writeString(outside.resolve("victim"), "victim");
		String before = ownerOf(victim);
		Path link = Files.createSymbolicLink(recordings.resolve("ses_A.jpg"), victim);

		assertThat(new RecordingsOwner(properties(null)).apply(link)).isEqualTo(RecordingsOwner.Outcome.SKIPPED);

		assertThat(ownerOf(victim)).isEqualTo(before);
	}

	/** OpenVidu's files written by the finalizer: .info, the thumbnail and the sealed .recording.<id>. */
	@Test
	void openViduFilesAreWrittenWithTheOwner() throws IOException {
		assumeRoot();
		chown(recordings, 4242, 4243);
		Path dir = Files.createDirectory(recordings.resolve("ses_A"));
		HaProperties properties = properties("");
		OpenViduFiles files = new OpenViduFiles(Api.JSON, properties, new RecordingsOwner(properties));

		files.sealReady(dir, RecordingId.of("ses_A"), OpenViduFilesTest.STARTED, "ses_A.mp4", OpenViduFilesTest.FACTS);

		assertThat(ownerOf(dir.resolve(".recording.ses_A"))).isEqualTo("4242:4243");
	}

	@Test
	void aFailureLeavesTheFileAsItIs() throws IOException {
		Path file = Files.writeString(recordings.resolve("ses_A.mp4"), "x");
		String before = ownerOf(file);
		// Without CAP_CHOWN, giving a file to another user fails; as root, a missing folder gives no owner.
		RecordingsOwner owner = new RecordingsOwner(new HaProperties(HaProperties.Profile.PRODUCTION, null,
				recordings.resolve("missing").toString(), null, null, null, null, null, null, null));

		assertThat(owner.owner()).isNull();
		assertThat(owner.apply(file)).isEqualTo(RecordingsOwner.Outcome.SKIPPED);
		assertThat(ownerOf(file)).isEqualTo(before);
	}

	@Test
	void aMalformedSettingIsRefusedWhenBound() {
		for (String bad : new String[] { "openvidu", "1000", "1000:", "-1:0", "1000:1000:1", "root:root" }) {
			assertThatThrownBy(() -> new HaProperties.Finalizer(null, null, 0, 0, 0, null, null, bad)).as(bad)
				.isInstanceOf(ConfigurationException.class)
				.hasMessageContaining("HA_RECORDINGS_OWNER");
		}
		assertThat(new HaProperties.Finalizer(null, null, 0, 0, 0, null, null, "  ").recordingsOwner()).isNull();
	}

}
