package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.Api;

class OpenViduFilesTest {

	static final String STARTED = "{\"id\":\"ses_A\",\"object\":\"recording\",\"name\":\"ses_A\",\"outputMode\":\"COMPOSED\","
			+ "\"resolution\":\"1280x720\",\"frameRate\":25,\"recordingLayout\":\"BEST_FIT\",\"sessionId\":\"ses_A\","
			+ "\"uniqueSessionId\":\"ses_A_1700000000000\",\"createdAt\":1700000005000,\"size\":0,\"duration\":0.0,"
			+ "\"url\":null,\"hasAudio\":true,\"hasVideo\":true,\"status\":\"started\"}";

	static final MediaInfo.Facts FACTS = new MediaInfo.Facts(1234567, 600.0, true, true, 640, 360, 25);

	@TempDir
	Path dir;

	private static OpenViduFiles files(String openviduUrl) {
		HaProperties properties = new HaProperties(null, null, null, null, null, null, null,
				new HaProperties.Storage(null, null, null, null, false, null,
						new HaProperties.Finalizer(openviduUrl, null, 0, 0, 0, null, null, null)), null, null);
		return new OpenViduFiles(Api.JSON, properties, new RecordingsOwner(properties));
	}

	@Test
	void sealsTheExistingFileReadyKeepingEveryFieldInOpenVidusOrder() throws IOException {
		Files.writeString(dir.resolve(".recording.ses_A"), STARTED);

		String url = files("https://ov.example.com/").sealReady(dir, RecordingId.of("ses_A"), null, "ses_A.mp4", FACTS);

		assertThat(url).isEqualTo("https://ov.example.com/openvidu/recordings/ses_A/ses_A.mp4");
		assertThat(Files.readString(dir.resolve(".recording.ses_A"))).isEqualTo(
				"{\"id\":\"ses_A\",\"object\":\"recording\",\"name\":\"ses_A\",\"outputMode\":\"COMPOSED\","
						+ "\"resolution\":\"640x360\",\"frameRate\":25,\"recordingLayout\":\"BEST_FIT\",\"sessionId\":\"ses_A\","
						+ "\"uniqueSessionId\":\"ses_A_1700000000000\",\"createdAt\":1700000005000,\"size\":1234567,"
						+ "\"duration\":600.0,\"url\":\"https://ov.example.com/openvidu/recordings/ses_A/ses_A.mp4\","
						+ "\"hasAudio\":true,\"hasVideo\":true,\"status\":\"ready\"}");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(".recording.ses_A"))))
			.isEqualTo("rw-r--r--");
		try (var list = Files.list(dir)) {
			assertThat(list).hasSize(1);
		}
	}

	@Test
	void createsAMissingFileFromTheStoredRecordingJsonAndKeepsItsUrlWithoutAnOpenViduUrl() throws IOException {
		String url = files("").sealReady(dir, RecordingId.of("ses_A"), STARTED, "ses_A.mp4", FACTS);

		assertThat(url).isNull();
		String sealed = Files.readString(dir.resolve(".recording.ses_A"));
		assertThat(sealed).contains("\"url\":null").contains("\"status\":\"ready\"").contains("\"size\":1234567");
	}

	@Test
	void sealsFailedOnlyAFileThatIsNotFinalAndChangesNothingButItsStatus() throws IOException {
		OpenViduFiles files = files("");
		Files.writeString(dir.resolve(".recording.ses_A"), STARTED);

		assertThat(files.sealFailed(dir, RecordingId.of("ses_A"), 1700000005000L, null)).isTrue();
		assertThat(Files.readString(dir.resolve(".recording.ses_A")))
			.isEqualTo(STARTED.replace("\"status\":\"started\"", "\"status\":\"failed\""));
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(".recording.ses_A"))))
			.isEqualTo("rw-r--r--");

		// another incarnation of the id (another createdAt): not this one's to seal
		Files.writeString(dir.resolve(".recording.ses_C"), STARTED.replace("ses_A", "ses_C"));
		assertThat(files.sealFailed(dir, RecordingId.of("ses_C"), 1800000000000L, null)).isFalse();
		assertThat(Files.readString(dir.resolve(".recording.ses_C"))).contains("\"status\":\"started\"");
		Files.delete(dir.resolve(".recording.ses_C"));

		// final already (failed, or ready by OpenVidu's own stop): left alone
		assertThat(files.sealFailed(dir, RecordingId.of("ses_A"), 1700000005000L, null)).isFalse();
		files.sealReady(dir, RecordingId.of("ses_A"), null, "ses_A.mp4", FACTS);
		String ready = Files.readString(dir.resolve(".recording.ses_A"));
		assertThat(files.sealFailed(dir, RecordingId.of("ses_A"), 1700000005000L, STARTED)).isFalse();
		assertThat(Files.readString(dir.resolve(".recording.ses_A"))).isEqualTo(ready);

		// missing: made from the stored RECORDING_JSON; without one nothing is written
		assertThat(files.sealFailed(dir, RecordingId.of("ses_B"), 1700000005000L, null)).isFalse();
		assertThat(dir.resolve(".recording.ses_B")).doesNotExist();
		assertThat(files.sealFailed(dir, RecordingId.of("ses_B"), 1700000005000L, STARTED.replace("ses_A", "ses_B"))).isTrue();
		assertThat(Files.readString(dir.resolve(".recording.ses_B"))).contains("\"status\":\"failed\"");
		try (var list = Files.list(dir)) {
			assertThat(list).hasSize(2);
		}
	}

	/**
	 * Recorders write into the recording folder as root: links planted at the names the
	 * controller once used (and at .recording.<id>) are never written through, read through or
	 * chmodded (issue 15, item 6).
	 */
	@Test
	void linksPlantedInTheRecordingFolderAreNeverFollowed(@TempDir Path outside) throws Exception {
		Path victim = Files.writeString(outside.resolve("victim"), "victim");
		Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
		Path secret = Files.writeString(outside.resolve("secret.json"), "{\"id\":\"ses_A\",\"secret\":\"s3cr3t\"}");
		Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
		List<String> planted = List.of(".ov2ha-info.tmp", ".ov2ha-info.err", ".ov2ha-info.err.json",
				".ov2ha-thumb.tmp.jpg", ".ov2ha-thumb.err", ".ov2ha-recording-ses_A.tmp");
		for (String name : planted) {
			Files.createSymbolicLink(dir.resolve(name), victim);
		}
		Files.createSymbolicLink(dir.resolve(".recording.ses_A"), secret);
		Path mp4 = dir.resolve("ses_A.mp4");
		Process remux = new ProcessBuilder("ffmpeg", "-nostdin", "-loglevel", "error", "-i",
				TestMedia.audioVideo(6).get(0).file().toString(), "-c", "copy", "-f", "mp4", mp4.toString())
			.redirectErrorStream(true)
			.start();
		assertThat(remux.waitFor()).isZero();

		OpenViduFiles files = files("");
		MediaInfo mediaInfo = new MediaInfo(new Media(Api.JSON), Api.JSON, files);
		RecordingId id = RecordingId.of("ses_A");
		MediaInfo.Facts facts = mediaInfo.writeInfo(dir, id, mp4);
		mediaInfo.writeThumbnail(dir, id, mp4, facts);
		files.sealReady(dir, id, STARTED, "ses_A.mp4", facts);

		assertThat(Files.readString(victim)).isEqualTo("victim");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim))).isEqualTo("rw-------");
		assertThat(Files.readString(secret)).contains("s3cr3t");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
		for (String name : List.of("ses_A.info", "ses_A.jpg", ".recording.ses_A")) {
			Path written = dir.resolve(name);
			assertThat(Files.isRegularFile(written, LinkOption.NOFOLLOW_LINKS)).as(name + " is a file, not a link").isTrue();
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written))).as(name)
				.isEqualTo("rw-r--r--");
		}
		assertThat(Files.readString(dir.resolve(".recording.ses_A"))).doesNotContain("s3cr3t")
			.contains("\"status\":\"ready\"");
		List<String> left = new ArrayList<>();
		try (var list = Files.list(dir)) {
			list.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".ov2ha-")).forEach(left::add);
		}
		assertThat(left).as("no temporary file left, the planted links untouched").containsExactlyInAnyOrderElementsOf(planted);
	}

	@Test
	void readsFactsAsOpenViduDoesAndRefusesWhatItCouldNotUse() throws IOException {
		String info = "{\"streams\":[{\"codec_type\":\"audio\"},{\"codec_type\":\"video\",\"width\":640,\"height\":360,"
				+ "\"r_frame_rate\":\"30000/1001\"}],\"format\":{\"duration\":\"12.500000\",\"size\":\"99\"}}";
		MediaInfo.Facts facts = MediaInfo.facts(Api.JSON.readTree(info));
		assertThat(facts).isEqualTo(new MediaInfo.Facts(99, 12.5, true, true, 640, 360, 29));
		assertThat(facts.resolution()).isEqualTo("640x360");

		assertThatThrownBy(() -> MediaInfo.facts(Api.JSON.readTree(
				"{\"streams\":[{\"codec_type\":\"video\",\"r_frame_rate\":\"0/0\"}],\"format\":{}}")))
			.hasMessageContaining("r_frame_rate");
		assertThatThrownBy(() -> MediaInfo.facts(Api.JSON.readTree(
				"{\"streams\":[{\"codec_type\":\"audio\"}],\"format\":{}}")))
			.hasMessageContaining("no video stream");
		assertThat(MediaInfo.thumbnailHeight(1280, 720)).isEqualTo(270);
		assertThat(MediaInfo.thumbnailHeight(1000, 333)).isEqualTo(158);
	}

}
