package io.ov2ha.controller.finalize;

import static io.ov2ha.controller.finalize.FakeRecorder.ALL_LOCAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;

/** The chunk retention's schedule ends with its context's lifecycle and begins anew with it. */
@ControllerTest
class ChunkRetentionLifecycleTest {

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	ChunkRetention retention;

	@Test
	void aRetentionStoppedAndStartedAgainStillDeletesDueChunks() throws Exception {
		List<TestMedia.Chunk> chunks = TestMedia.audioVideo(2);
		FakeRecorder rec = new FakeRecorder(Recordings.newId("retrestart"), System.currentTimeMillis(), Api.at(port),
				redis, FinalizeLocalApiTest.RECORDINGS, false).register(false);
		for (int i = 0; i < chunks.size(); i++) {
			rec.chunk(i, chunks.get(i), ALL_LOCAL);
		}
		assertThat(rec.finalizeCall(20).json().path("state").asString()).isEqualTo("DONE");
		Path chunkDir = rec.dir().resolve("chunks");
		assertThat(chunkDir).exists();

		// a context's lifecycle stopped and started (the test framework pauses a cached context):
		// the schedule ended with the stop (a pass then would find Redis stopped) and begins anew
		retention.stop();
		assertThat(retention.isRunning()).isFalse();
		retention.stop();
		retention.start(Duration.ofMillis(200)); // start(), with a short period
		try {
			assertThat(retention.isRunning()).isTrue();
			redis.opsForZSet().add(RedisKeys.retentionIndex(), rec.id + ":" + rec.createdAt, 1);

			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(chunkDir).doesNotExist());
			assertThat(rec.dir().resolve(rec.id + ".mp4")).exists();
		}
		finally {
			retention.stop();
			retention.start();
		}
	}

}
