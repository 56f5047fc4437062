package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.Api;

/**
 * The join of a plan and its verification, with real chunks made by ffmpeg (no Redis, no S3,
 * no Spring): the kept chunks in order, a chunk cut at a loss ending at its outpoint, and a
 * joined file that does not match its plan refused (and removed) instead of published. The
 * whole finalization (plan, join, OpenVidu's files) runs in the finalize API tests.
 */
class JoinedFileTest {

	private static final RecordingId ID = RecordingId.of("ses_Join");

	@TempDir
	Path work;

	private final Media media = new Media(Api.JSON);

	private final JoinedFile joined = new JoinedFile(
			new HaProperties(null, null, null, null, null, null, null, null, null, null), media);

	/** The chunks as the planner keeps them: each whole, with its segment-list duration. */
	private static List<JoinPlan.Kept> kept(List<TestMedia.Chunk> chunks) throws IOException {
		List<JoinPlan.Kept> kept = new ArrayList<>();
		for (int seq = 0; seq < chunks.size(); seq++) {
			TestMedia.Chunk c = chunks.get(seq);
			kept.add(new JoinPlan.Kept(seq, 0, c.file(), c.duration(), "local", true, TsScan.scan(c.file(), false)));
		}
		return kept;
	}

	private static JoinPlan plan(List<JoinPlan.Kept> kept) {
		return new JoinPlan(kept, List.of(), List.of());
	}

	private Finalization.Output joinAndVerify(JoinPlan plan) throws IOException {
		Path temp = work.resolve(Joiner.tempName(1));
		joined.join(ID, plan, work, temp);
		return joined.verify(ID, temp, plan, "ses_Join.mp4");
	}

	/** Joins the plan; its verification refuses the join with {@code message} and removes the file. */
	private void assertJoinRefused(JoinPlan plan, String message) throws IOException {
		Path temp = work.resolve(Joiner.tempName(1));
		joined.join(ID, plan, work, temp);

		assertThatThrownBy(() -> joined.verify(ID, temp, plan, "ses_Join.mp4")).isInstanceOf(FinalizeFailure.class)
			.hasMessageContaining(message);
		assertThat(temp).doesNotExist();
	}

	@Test
	void theKeptChunksAreJoinedIntoOneFileOfTheirSummedDurationWithSoundAndPicture() throws IOException {
		JoinPlan plan = plan(kept(TestMedia.audioVideo(3)));

		Finalization.Output out = joinAndVerify(plan);

		assertThat(out.durationSeconds()).isCloseTo(plan.expectedSeconds(), within(JoinedFile.tolerance(6)));
		assertThat(out.expectedSeconds()).isEqualTo(plan.expectedSeconds());
		assertThat(out.hasAudio()).isTrue();
		assertThat(out.hasVideo()).isTrue();
		assertThat(out.resolution()).isEqualTo("320x180");
		assertThat(out.sizeBytes()).isEqualTo(Files.size(work.resolve(Joiner.tempName(1))));
		assertThat(Files.readString(work.resolve("join.ffconcat"))).startsWith("ffconcat version 1.0\n")
			.doesNotContain("outpoint");
		assertThat(joined.stillVerifies(work.resolve(Joiner.tempName(1)), out)).isTrue();
	}

	@Test
	void aChunkCutAtALossEndsTheFinalAtItsOutpoint() throws IOException {
		List<JoinPlan.Kept> kept = kept(TestMedia.audioVideo(3));
		double whole = plan(kept).expectedSeconds();
		JoinPlan.Kept last = kept.get(2);
		// the loss 1 s into the last chunk: what follows it is left out
		kept.set(2, new JoinPlan.Kept(last.seq(), last.epoch(), last.file(), 1.0, last.source(), last.reported(),
				last.info(), 1.0));
		JoinPlan plan = plan(kept);

		Finalization.Output out = joinAndVerify(plan);

		assertThat(Files.readString(work.resolve("join.ffconcat"))).containsOnlyOnce("outpoint ");
		assertThat(out.durationSeconds()).isCloseTo(plan.expectedSeconds(), within(JoinedFile.tolerance(5)));
		assertThat(out.durationSeconds()).isLessThan(whole - 0.5);
	}

	@Test
	void aJoinedFileShorterThanItsPlanIsRefusedAndRemoved() throws IOException {
		List<JoinPlan.Kept> kept = kept(TestMedia.audioVideo(2));
		JoinPlan.Kept last = kept.get(1);
		// the last chunk said to last 10 s: nothing follows it to be shifted by the concat list's
		// duration, so the joined file ends seconds before the plan (an earlier chunk's duration only
		// moves the timestamps of those after it: the examination checks each chunk's own bytes)
		kept.set(1, new JoinPlan.Kept(last.seq(), last.epoch(), last.file(), 10.0, last.source(), last.reported(),
				last.info()));
		assertJoinRefused(plan(kept), "verification failed");
	}

	@Test
	void aJoinedFileWithoutTheSoundItsChunksHaveIsRefused() throws IOException {
		// the plan holds a chunk scanned with its sound; the file joined is that chunk without it
		List<JoinPlan.Kept> withSound = kept(TestMedia.audioVideo(2));
		Path videoOnly = work.resolve("video-only.ts");
		Media.Result r = media.run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i",
				withSound.get(0).file().toString(), "-map", "0:v", "-c", "copy", "-f", "mpegts", videoOnly.toString()),
				Media.CHECK_TIMEOUT, false);
		assertThat(r.ok()).as(r.errors()).isTrue();
		JoinPlan.Kept k = withSound.get(0);
		assertJoinRefused(plan(List.of(new JoinPlan.Kept(0, 0, videoOnly, k.duration(), "local", true, k.info()))),
				"no audio stream");
	}

	@Test
	void aListThatFfmpegCannotJoinIsAPermanentFailureAndLeavesNoFile() throws IOException {
		Path notMedia = Files.writeString(work.resolve("not-media.ts"), "not an MPEG-TS file");
		JoinPlan.Kept k = kept(TestMedia.audioVideo(1)).get(0);
		JoinPlan plan = plan(List.of(new JoinPlan.Kept(0, 0, notMedia, 2.0, "local", true, k.info())));
		Path temp = work.resolve(Joiner.tempName(1));

		assertThatThrownBy(() -> joined.join(ID, plan, work, temp)).isInstanceOf(FinalizeFailure.class)
			.hasMessageContaining("ffmpeg join failed");
		assertThat(temp).doesNotExist();
	}

	@Test
	void theToleranceIsHalfASecondPlusAFraction() {
		assertThat(JoinedFile.tolerance(0)).isEqualTo(0.5);
		assertThat(JoinedFile.tolerance(3600)).isCloseTo(2.3, within(1e-9));
	}

}
