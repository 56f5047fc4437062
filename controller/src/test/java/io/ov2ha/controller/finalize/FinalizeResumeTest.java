package io.ov2ha.controller.finalize;

import static io.ov2ha.controller.finalize.FakeRecorder.ALL_S3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.finalize.Finalization.Step;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestControllers;
import io.ov2ha.controller.support.TestDatabase;
import io.ov2ha.controller.support.TestRedis;
import io.ov2ha.controller.support.TestS3;
import io.ov2ha.controller.support.TestSecrets;
import tools.jackson.databind.JsonNode;

/**
 * A controller stopped in the middle of finalizations leaves a state that another (or a
 * restarted) controller completes: a join cut short is redone; a verified join waiting for its
 * rename is used as it is. Two controller processes share one Redis and one S3 server.
 */
class FinalizeResumeTest {

	static final Path RECORDINGS = Path.of("target/test-recordings-resume");

	private static final TestDatabase DATABASE = TestRedis.database();

	/** Holds an attempt at a step until the controller is stopped, like a process that hangs and is killed. */
	static final class Hang implements FinalizationStepListener {

		final Map<String, Step> at = new ConcurrentHashMap<>();

		final Map<String, FileTime> tempTimes = new ConcurrentHashMap<>();

		final CountDownLatch reached;

		Hang(int count) {
			reached = new CountDownLatch(count);
		}

		@Override
		public void beforeStep(RecordingId id, Step step) {
			if (at.get(id.value()) != step) {
				return;
			}
			Path temp = RECORDINGS.resolve(id.value()).resolve(Joiner.tempName(1));
			try {
				if (step == Step.VERIFYING) {
					// the join was cut short: only half of the file reached the disk
					try (RandomAccessFile f = new RandomAccessFile(temp.toFile(), "rw")) {
						f.setLength(f.length() / 2);
					}
				}
				tempTimes.put(id.value(), Files.getLastModifiedTime(temp));
			}
			catch (java.io.IOException ex) {
				throw new IllegalStateException(ex);
			}
			reached.countDown();
			try {
				Thread.sleep(Long.MAX_VALUE);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("killed");
			}
		}

	}

	/** Records the RecordingFinalized events of one controller. */
	static final class Events implements ApplicationListener<ApplicationEvent> {

		final List<RecordingFinalized> seen = new CopyOnWriteArrayList<>();

		@Override
		public void onApplicationEvent(ApplicationEvent event) {
			if (event instanceof PayloadApplicationEvent<?> p && p.getPayload() instanceof RecordingFinalized f) {
				seen.add(f);
			}
		}

	}

	private static ConfigurableApplicationContext start(FinalizationStepListener hook, Events events) {
		return TestControllers.run(ctx -> {
			if (hook != null) {
				ctx.getBeanFactory().registerSingleton("testStepListener", hook);
			}
			ctx.addApplicationListener(events);
		}, "--ha.recordings-path=" + RECORDINGS, "--ha.redis.url=" + DATABASE.url(),
				"--ha.storage.mode=s3", "--ha.storage.s3.endpoint=" + TestS3.endpoint(),
				"--ha.storage.s3.bucket=" + TestS3.BUCKET, "--ha.storage.s3.access-key=" + TestSecrets.S3_ACCESS_KEY,
				"--ha.storage.s3.secret-key=" + TestSecrets.S3_SECRET_KEY,
				"--ha.storage.finalizer.recovery-interval=300ms");
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	@Test
	void anotherControllerCompletesFinalizationsLeftUnfinished() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(6);
		double expected = chunks.stream().mapToDouble(TestMedia.Chunk::duration).sum();
		Hang hang = new Hang(2);
		Events eventsA = new Events();
		FakeRecorder cut;
		FakeRecorder verified;
		FakeRecorder done;
		FileTime doneFileTime;
		StringRedisTemplate redis;
		try (ConfigurableApplicationContext a = start(hang, eventsA)) {
			redis = a.getBean(StringRedisTemplate.class);
			Api api = Api.at(port(a));
			// finalized, but as if A died between storing DONE and making the recording READY
			done = new FakeRecorder(Recordings.newId("done"), System.currentTimeMillis(), api, redis, RECORDINGS, true);
			done.register(true);
			for (int i = 0; i < chunks.size(); i++) {
				done.chunk(i, chunks.get(i), ALL_S3);
			}
			assertThat(done.finalizeCall(0).status()).isEqualTo(202);
			assertThat(poll(api.asAdmin(), done.id).path("state").asString()).isEqualTo("DONE");
			// A's own recovery must not finish it: its lease looks held by the dead controller
			redis.opsForValue().set(RedisKeys.finalizeLease(RecordingId.of(done.id)), "dead-controller",
					Duration.ofMinutes(5));
			assertThat(a.getBean(RecordingStore.class)
				.transition(RecordingId.of(done.id), RecordingStatus.FINALIZING, List.of(RecordingStatus.READY), Map.of())
				.code()).isEqualTo(RecordingStore.TransitionCode.CHANGED);
			doneFileTime = Files.getLastModifiedTime(done.dir().resolve(done.id + ".mp4"));
			cut = new FakeRecorder(Recordings.newId("cut"), System.currentTimeMillis(), api, redis, RECORDINGS, true);
			verified = new FakeRecorder(Recordings.newId("verified"), System.currentTimeMillis(), api, redis,
					RECORDINGS, true);
			hang.at.put(cut.id, Step.VERIFYING);
			hang.at.put(verified.id, Step.COMMITTED);
			for (FakeRecorder rec : List.of(cut, verified)) {
				rec.register(true);
				for (int i = 0; i < chunks.size(); i++) {
					rec.chunk(i, chunks.get(i), ALL_S3);
				}
				// the recorder gives up waiting at once (and exits, as OpenVidu's 30 s demand)
				assertThat(rec.finalizeCall(0).status()).isEqualTo(202);
			}
			assertThat(hang.reached.await(60, TimeUnit.SECONDS)).isTrue();
		}
		// controller A is gone mid-way: both finalizations are unfinished, nothing is final yet
		StringRedisTemplate shared = DATABASE.template();
		assertThat(step(shared, cut)).isEqualTo("VERIFYING");
		assertThat(step(shared, verified)).isEqualTo("VERIFIED");
		for (FakeRecorder rec : List.of(cut, verified)) {
			assertThat(Files.readString(rec.dir().resolve(rec.id + ".mp4"))).isEqualTo("placeholder");
			assertThat(rec.dir().resolve(Joiner.tempName(1))).exists();
		}
		assertThat(eventsA.seen).extracting(e -> e.id().value()).containsExactly(done.id);
		shared.delete(RedisKeys.finalizeLease(RecordingId.of(done.id)));

		// one of them as if A had been killed: its lease is still held until it expires
		shared.opsForValue().set(RedisKeys.finalizeLease(RecordingId.of(cut.id)), "dead-controller",
				Duration.ofSeconds(3));
		Events eventsB = new Events();
		try (ConfigurableApplicationContext b = start(null, eventsB)) {
			Api admin = Api.at(port(b)).asAdmin();
			JsonNode first = poll(admin, cut.id);
			JsonNode second = poll(admin, verified.id);
			// the one stored DONE is made READY without another attempt: its final stays as it is
			JsonNode third = poll(admin, done.id);
			assertThat(third.path("attempts").asInt()).as(third.toString()).isEqualTo(1);
			assertThat(third.path("recordingStatus").asString()).isEqualTo("READY");
			assertThat(Files.getLastModifiedTime(done.dir().resolve(done.id + ".mp4"))).isEqualTo(doneFileTime);
			OpenViduCheck.assertSealedReady(done.dir(), done.id, expected);

			String controllerB = b.getBean(ControllerInstance.class).id();
			for (JsonNode f : List.of(first, second)) {
				assertThat(f.path("state").asString()).as(f.toString()).isEqualTo("DONE");
				assertThat(f.path("attempts").asInt()).isEqualTo(2);
				assertThat(f.path("controllerId").asString()).isEqualTo(controllerB);
			}
			OpenViduCheck.assertSealedReady(cut.dir(), cut.id, expected);
			OpenViduCheck.assertSealedReady(verified.dir(), verified.id, expected);
			// the verified join of A was renamed into place, not made again
			assertThat(Files.getLastModifiedTime(verified.dir().resolve(verified.id + ".mp4")))
				.isEqualTo(hang.tempTimes.get(verified.id));
			assertThat(Files.getLastModifiedTime(cut.dir().resolve(cut.id + ".mp4")))
				.isNotEqualTo(hang.tempTimes.get(cut.id));

			await().atMost(Duration.ofSeconds(10)).until(() -> eventsB.seen.size() >= 3);
			assertThat(eventsB.seen).extracting(e -> e.id().value())
				.containsExactlyInAnyOrder(cut.id, verified.id, done.id);
			for (RecordingFinalized e : eventsB.seen) {
				assertThat(e.ready()).isTrue();
				assertThat(e.recorderWaiting()).isFalse();
				assertThat(e.openViduSealsItself()).isFalse();
				assertThat(e.durationSeconds()).isEqualTo(first.path("output").path("durationSeconds").asDouble());
				assertThat(e.resolution()).isEqualTo("320x180");
				assertThat(e.frameRate()).isEqualTo(25);
			}
		}
	}

	@Test
	void aFinalizationWhoseAttemptsKeepEndingWithoutAnOutcomeFailsInsteadOfBeingResumedForever() throws Exception {
		Events events = new Events();
		try (ConfigurableApplicationContext a = start(null, events)) {
			StringRedisTemplate redis = a.getBean(StringRedisTemplate.class);
			Api api = Api.at(port(a));
			FakeRecorder rec = new FakeRecorder(Recordings.newId("loop"), System.currentTimeMillis(), api, redis,
					RECORDINGS, true);
			rec.register(true);
			// as if four attempts had each killed their controller, and a fifth now ran on a dead one
			RecordingId id = RecordingId.of(rec.id);
			redis.opsForHash().putAll(RedisKeys.finalization(id, rec.createdAt),
					Map.of("schema", "1", "id", rec.id, "createdAt", Long.toString(rec.createdAt), "state", "RUNNING",
							"attempts", "5", "diedAttempts", "4", "trigger", "recorder", "requestedAt",
							Long.toString(System.currentTimeMillis())));
			assertThat(a.getBean(RecordingStore.class)
				.transition(id, RecordingStatus.FINALIZING, List.of(RecordingStatus.RECORDING), Map.of())
				.code()).isEqualTo(RecordingStore.TransitionCode.CHANGED);

			// the reconciler resumes it (recovery interval 300 ms): the attempt finds it RUNNING once more
			JsonNode f = poll(api.asAdmin(), rec.id);

			assertThat(f.path("state").asString()).as(f.toString()).isEqualTo("FAILED");
			assertThat(f.path("attempts").asInt()).isEqualTo(5);
			assertThat(f.path("error").asString()).contains("5 attempts ended with their controller's death");
			assertThat(api.asAdmin().get("/api/recordings/" + rec.id).json().path("status").asString())
				.isEqualTo("FAILED");
			await().atMost(Duration.ofSeconds(10)).until(() -> !events.seen.isEmpty());
			assertThat(events.seen).singleElement().satisfies(e -> assertThat(e.ready()).isFalse());
		}
	}

	private static String step(StringRedisTemplate redis, FakeRecorder rec) {
		Object step = redis.opsForHash()
			.get(RedisKeys.finalization(RecordingId.of(rec.id), rec.createdAt), "step");
		return step == null ? null : step.toString();
	}

	private static JsonNode poll(Api admin, String id) {
		return await("finalization of " + id + " ending").atMost(Duration.ofSeconds(60))
			.until(() -> admin.get("/api/recordings/" + id + "/finalization").json(),
					f -> f.path("state").asString().equals("DONE") || f.path("state").asString().equals("FAILED"));
	}

}
