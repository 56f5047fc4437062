package io.ov2ha.controller.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.LuaRunner;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestRedis;
import tools.jackson.databind.json.JsonMapper;

/**
 * The adoption of a primary's container id against a real Redis (the claim and the started
 * backup: FailoverStoreTest, with the failover's attempts).
 */
class RecorderHandoverTest {

	private static StringRedisTemplate redis;

	private static RecorderHandover handover;

	@BeforeAll
	static void connect() {
		redis = TestRedis.template();
		handover = new RecorderHandover(new LuaRunner(redis), JsonMapper.builder().build());
	}

	private RecordingId primaryWithoutContainer(long epoch) {
		RecordingId id = RecordingId.of(Recordings.newId("handover"));
		redis.opsForHash()
			.putAll(RedisKeys.recording(id), Map.of("schema", "1", "id", id.value(), "createdAt", "1700000005000",
					"status", "RECORDING", "epoch", Long.toString(epoch), "containerId", ""));
		redis.opsForHash().put(RedisKeys.containers(id), Long.toString(epoch), "{\"epoch\":" + epoch + ",\"role\":\"primary\"}");
		return id;
	}

	@Test
	void aPrimaryFoundByNameGetsItsContainerIdOnceInTheRecordingItsHistoryAndTheIndex() {
		RecordingId id = primaryWithoutContainer(0);
		String container = "0a".repeat(32);

		assertThat(handover.adoptPrimary(id, 0, container)).isTrue();
		assertThat(redis.opsForHash().get(RedisKeys.recording(id), "containerId")).isEqualTo(container);
		assertThat(redis.opsForHash().get(RedisKeys.containers(id), "0").toString())
			.contains("\"containerId\":\"" + container + "\"")
			.contains("\"role\":\"primary\"");
		assertThat(redis.opsForHash().get(RedisKeys.containerIndex(), container)).isEqualTo(id.value());

		assertThat(handover.adoptPrimary(id, 0, "0b".repeat(32))).as("a container id is never replaced").isFalse();
		assertThat(redis.opsForHash().get(RedisKeys.recording(id), "containerId")).isEqualTo(container);
	}

	@Test
	void nothingIsAdoptedAtAnotherEpochOrForAGoneRecording() {
		RecordingId id = primaryWithoutContainer(1);

		assertThat(handover.adoptPrimary(id, 0, "0c".repeat(32))).isFalse();
		assertThat(redis.opsForHash().get(RedisKeys.recording(id), "containerId")).isEqualTo("");
		assertThat(handover.adoptPrimary(RecordingId.of(Recordings.newId("gone")), 0, "0d".repeat(32))).isFalse();
		assertThat(redis.opsForHash().hasKey(RedisKeys.containerIndex(), "0c".repeat(32))).isFalse();
	}

}
