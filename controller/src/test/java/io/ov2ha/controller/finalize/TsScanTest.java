package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TsScanTest {

	@TempDir
	Path tmp;

	@Test
	void findsTheStreamsTheirSpanAndTheChecksumOfARealChunk() throws Exception {
		TestMedia.Chunk chunk = TestMedia.audioVideo(6).get(1);
		byte[] bytes = Files.readAllBytes(chunk.file());

		TsScan.Info info = TsScan.scan(chunk.file(), true);

		assertThat(info.problem()).isNull();
		assertThat(info.sizeBytes()).isEqualTo(bytes.length);
		assertThat(info.programTables()).isTrue();
		assertThat(info.hasVideo()).isTrue();
		assertThat(info.hasAudio()).isTrue();
		assertThat(info.syncErrors()).isZero();
		assertThat(info.span()).isCloseTo(chunk.duration(), within(0.1));
		assertThat(info.sha256()).isEqualTo(TestMedia.sha256(bytes));
		// the segment muxer resets each chunk's timestamps to its mux delay (1.4 s): a cut's
		// outpoint counts from there
		assertThat(info.startSeconds()).isCloseTo(1.4, within(0.1));
	}

	@Test
	void aPartialChunkIsUsableButShorter() throws Exception {
		TestMedia.Chunk chunk = TestMedia.audioVideo(6).get(2);
		Path partial = Files.write(tmp.resolve("p.ts"), TestMedia.killedAt(chunk.file(), 0.5));

		TsScan.Info info = TsScan.scan(partial, false);

		assertThat(info.problem()).isNull();
		assertThat(info.span()).isBetween(0.5, 1.6);
		assertThat(info.sha256()).isNull();
	}

	@Test
	void namesWhatIsWrongWithUnusableChunks() throws Exception {
		byte[] real = Files.readAllBytes(TestMedia.audioVideo(6).get(0).file());
		Path empty = Files.write(tmp.resolve("empty.ts"), new byte[0]);
		Path headerOnly = Files.write(tmp.resolve("header.ts"), Arrays.copyOf(real, 2 * TsScan.PACKET));
		byte[] noise = new byte[100_000];
		new Random(1).nextBytes(noise);
		Path garbage = Files.write(tmp.resolve("noise.ts"), noise);
		byte[] damaged = real.clone();
		for (int i = 10 * TsScan.PACKET; i < real.length / 2; i += TsScan.PACKET * 7) {
			damaged[i] = 0;
		}
		Path lostSync = Files.write(tmp.resolve("damaged.ts"), damaged);

		assertThat(TsScan.scan(empty, true).problem()).isEqualTo("empty (0 bytes)");
		assertThat(TsScan.scan(headerOnly, true).problem()).isEqualTo("header only (no audio or video data)");
		assertThat(TsScan.scan(garbage, true).problem()).isEqualTo("not an MPEG-TS chunk");
		assertThat(TsScan.scan(lostSync, true).problem()).startsWith("corrupt MPEG-TS");
	}

}
