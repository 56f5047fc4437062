package io.ov2ha.controller.openvidu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ov2ha.controller.support.TestSecrets;

/** The questions to OpenVidu on threads of their own, against a real HTTP stand-in that can hang. */
class OpenViduQuestionsTest {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private OpenViduStandIn openvidu;

	private OpenViduQuestions questions;

	@BeforeEach
	void startStandIn() throws IOException {
		openvidu = new OpenViduStandIn();
	}

	@AfterEach
	void stop() {
		if (questions != null) {
			questions.stop();
		}
		openvidu.close();
	}

	/** Started questions asking the stand-in; one request times out after {@code timeout}. */
	private OpenViduQuestions questions(Duration timeout) {
		questions = new OpenViduQuestions(OpenViduClients.of(openvidu.url(), TestSecrets.OPENVIDU_SECRET, timeout));
		questions.start();
		return questions;
	}

	private static String sessionPath(String id) {
		return "/openvidu/api/sessions/" + id;
	}

	@Test
	void hangingChecksOfRunningBackupsDoNotHoldUpAQuestionBeforeABackup() {
		OpenViduQuestions q = questions(Duration.ofSeconds(60));
		openvidu.hang("ses_hang");
		List<CompletableFuture<OpenViduAnswer>> checks = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			checks.add(q.whileBackup("ses_hang" + i, "ses_hang" + i));
		}
		await().atMost(WAIT).until(() -> openvidu.hanging() == 1);

		CompletableFuture<OpenViduAnswer> beforeBackup = q.beforeBackup("ses_ok", "ses_ok");

		await().atMost(WAIT).until(beforeBackup::isDone);
		assertThat(beforeBackup.join()).isEqualTo(OpenViduAnswer.SESSION_ACTIVE);
		assertThat(openvidu.hanging()).as("the periodic checks ask one at a time").isEqualTo(1);
		assertThat(checks).noneMatch(CompletableFuture::isDone);

		openvidu.release();
		await().atMost(WAIT).until(() -> checks.stream().allMatch(CompletableFuture::isDone));
		assertThat(checks).allMatch(c -> c.join() == OpenViduAnswer.SESSION_ACTIVE);
	}

	@Test
	void beforeABackupEveryQuestionIsAnsweredWithinTwoTimeoutsWhileOpenViduHangs() {
		// 20 questions, 2 threads, 1 s per unanswered request: asked one after the other the last
		// would wait 10 s; each waits at most 2 s from its question (then: no answer)
		OpenViduQuestions q = questions(Duration.ofSeconds(1));
		openvidu.hang("ses_");
		List<CompletableFuture<OpenViduAnswer>> answers = new ArrayList<>();
		long start = System.nanoTime();
		for (int i = 0; i < 20; i++) {
			answers.add(q.beforeBackup("ses_dead" + i, "ses_dead" + i));
		}

		await().atMost(WAIT).until(() -> answers.stream().allMatch(CompletableFuture::isDone));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
		// never an answer since the start: a configuration problem, never a reason to end a recording
		assertThat(answers).allMatch(a -> a.join() == OpenViduAnswer.MISCONFIGURED);
	}

	@Test
	void oneQuestionPerRecordingAtATime() {
		OpenViduQuestions q = questions(Duration.ofSeconds(60));
		openvidu.hang("ses_same");
		CompletableFuture<OpenViduAnswer> check = q.whileBackup("ses_same", "ses_same");
		CompletableFuture<OpenViduAnswer> beforeBackup = q.beforeBackup("ses_same", "ses_same");
		await().atMost(WAIT).until(() -> openvidu.hanging() == 1);

		openvidu.release();

		await().atMost(WAIT).until(() -> check.isDone() && beforeBackup.isDone());
		assertThat(check.join()).isEqualTo(OpenViduAnswer.SESSION_ACTIVE);
		assertThat(beforeBackup.join()).isEqualTo(OpenViduAnswer.SESSION_ACTIVE);
		assertThat(openvidu.asked()).containsOnlyOnce(sessionPath("ses_same"));
	}

	@Test
	void pastTheQueueTheOldestWaitingCheckIsDropped() {
		OpenViduQuestions q = questions(Duration.ofSeconds(60));
		openvidu.hang("ses_full");
		q.whileBackup("ses_full", "ses_full");
		await().atMost(WAIT).until(() -> openvidu.hanging() == 1);
		List<CompletableFuture<OpenViduAnswer>> waiting = new ArrayList<>();
		for (int i = 0; i <= OpenViduQuestions.QUEUE; i++) {
			waiting.add(q.whileBackup("ses_full" + i, "ses_full" + i));
		}

		assertThat(waiting.get(0)).isCancelled();
		assertThat(waiting.subList(1, waiting.size())).noneMatch(CompletableFuture::isDone);
	}

	@Test
	void stoppedAndStartedAgainTheQuestionsStillAreAsked() {
		OpenViduQuestions q = questions(Duration.ofSeconds(60));
		assertThat(q.beforeBackup("ses_one", "ses_one")).succeedsWithin(WAIT).isEqualTo(OpenViduAnswer.SESSION_ACTIVE);
		openvidu.hang("ses_stop");
		CompletableFuture<OpenViduAnswer> hanging = q.whileBackup("ses_stop", "ses_stop");
		await().atMost(WAIT).until(() -> openvidu.hanging() == 1);

		// a context's lifecycle stopped (the test framework pauses a cached context) and started
		q.stop();
		assertThat(q.isRunning()).isFalse();
		assertThat(hanging).as("no decision on a question of a stopped controller").isCancelled();
		assertThat(q.whileBackup("ses_two", "ses_two")).isCancelled();
		q.stop();
		q.start();

		assertThat(q.isRunning()).isTrue();
		assertThat(q.beforeBackup("ses_three", "ses_three")).succeedsWithin(WAIT)
			.isEqualTo(OpenViduAnswer.SESSION_ACTIVE);
		assertThat(q.whileBackup("ses_four", "ses_four")).succeedsWithin(WAIT).isEqualTo(OpenViduAnswer.SESSION_ACTIVE);
	}

}
