package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.ov2ha.controller.support.Api;
import tools.jackson.databind.JsonNode;

/** Reads a recording folder the way OpenVidu 2 does after its recorder exited (facts §3, §6). */
final class OpenViduCheck {

	/** OpenVidu's field order of a recording entity file (Recording.toJson). */
	static final List<String> FIELD_ORDER = List.of("id", "object", "name", "outputMode", "resolution", "frameRate",
			"recordingLayout", "customLayout", "sessionId", "uniqueSessionId", "createdAt", "size", "duration", "url",
			"hasAudio", "hasVideo", "status");

	private OpenViduCheck() {
	}

	static JsonNode ffprobe(Path file) throws IOException, InterruptedException {
		Process p = new ProcessBuilder("ffprobe", "-v", "error", "-print_format", "json", "-show_format",
				"-show_streams", file.toString()).redirectErrorStream(false).start();
		byte[] out = p.getInputStream().readAllBytes();
		assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(p.exitValue()).as("ffprobe " + file).isZero();
		return Api.JSON.readTree(out);
	}

	static double duration(Path file) throws IOException, InterruptedException {
		return Double.parseDouble(ffprobe(file).path("format").path("duration").asString());
	}

	/**
	 * The folder holds a final MP4 of about {@code expectedSeconds}, with audio and video, a
	 * {@code .info} OpenVidu accepts, a 480 px thumbnail, and {@code .recording.<id>} sealed ready
	 * with every field OpenVidu's parser requires.
	 */
	static JsonNode assertSealedReady(Path dir, String id, double expectedSeconds)
			throws IOException, InterruptedException {
		Path mp4 = dir.resolve(id + ".mp4");
		JsonNode probe = ffprobe(mp4);
		double duration = Double.parseDouble(probe.path("format").path("duration").asString());
		assertThat(duration).isCloseTo(expectedSeconds, within(JoinedFile.tolerance(expectedSeconds)));
		List<String> kinds = new ArrayList<>();
		probe.path("streams").forEach(s -> kinds.add(s.path("codec_type").asString()));
		assertThat(kinds).containsExactlyInAnyOrder("video", "audio");
		// +faststart: the index (moov) comes before the media (mdat)
		byte[] head = new byte[64];
		try (var in = Files.newInputStream(mp4)) {
			in.readNBytes(head, 0, head.length);
		}
		String start = new String(head, java.nio.charset.StandardCharsets.ISO_8859_1);
		assertThat(start.indexOf("moov")).as("moov before mdat").isGreaterThan(0);

		// <id>.info: what OpenVidu parses (format.duration/size, a video stream, a usable r_frame_rate)
		JsonNode info = Api.JSON.readTree(Files.readString(dir.resolve(id + ".info")));
		assertThat(Double.parseDouble(info.path("format").path("duration").asString())).isEqualTo(duration);
		assertThat(Long.parseLong(info.path("format").path("size").asString())).isEqualTo(Files.size(mp4));
		JsonNode video = null;
		for (JsonNode s : info.path("streams")) {
			if (s.path("codec_type").asString().equals("video")) {
				video = s;
			}
		}
		assertThat(video).as("video stream in .info").isNotNull();
		String[] rate = video.path("r_frame_rate").asString().split("/");
		assertThat(Integer.parseInt(rate[1])).isPositive();
		int frameRate = Integer.parseInt(rate[0]) / Integer.parseInt(rate[1]);
		assertThat(frameRate).isEqualTo(25);

		// thumbnail: 480 px wide, from OpenVidu's formula
		JsonNode jpg = ffprobe(dir.resolve(id + ".jpg")).path("streams").get(0);
		assertThat(jpg.path("width").asInt()).isEqualTo(480);
		assertThat(jpg.path("height").asInt()).isEqualTo(270);

		// .recording.<id>: OpenVidu's parser requires these; values from the final file
		JsonNode rec = Api.JSON.readTree(Files.readString(dir.resolve(".recording." + id)));
		for (String field : List.of("id", "sessionId", "createdAt", "size", "duration", "url", "status", "hasAudio",
				"hasVideo", "outputMode", "name")) {
			assertThat(rec.has(field)).as(".recording field " + field).isTrue();
		}
		assertThat(rec.path("id").asString()).isEqualTo(id);
		assertThat(rec.path("status").asString()).isEqualTo("ready");
		assertThat(rec.path("size").isIntegralNumber()).isTrue();
		assertThat(rec.path("size").asLong()).isEqualTo(Files.size(mp4));
		assertThat(rec.path("duration").isDouble()).isTrue();
		assertThat(rec.path("duration").asDouble()).isEqualTo(duration);
		assertThat(rec.path("hasAudio").asBoolean()).isTrue();
		assertThat(rec.path("hasVideo").asBoolean()).isTrue();
		assertThat(rec.path("resolution").asString()).isEqualTo("320x180");
		assertThat(rec.path("frameRate").isInt()).isTrue();
		assertThat(rec.path("frameRate").asInt()).isEqualTo(25);
		List<String> order = new ArrayList<>();
		rec.propertyNames().forEach(order::add);
		assertThat(order).as("field order").isEqualTo(FIELD_ORDER.stream().filter(order::contains).toList());

		// nothing else OpenVidu would parse as a recording, no temporary file left
		try (Stream<Path> files = Files.list(dir)) {
			List<String> names = files.map(p -> p.getFileName().toString()).toList();
			assertThat(names.stream().filter(n -> n.startsWith(".recording."))).containsExactly(".recording." + id);
			assertThat(names.stream().filter(n -> n.startsWith(".ov2ha"))).isEmpty();
		}
		return rec;
	}

}
