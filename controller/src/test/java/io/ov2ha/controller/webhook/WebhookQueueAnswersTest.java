package io.ov2ha.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.redis.LuaAnswer;
import io.ov2ha.controller.redis.LuaScripts;
import io.ov2ha.controller.support.LuaAnswers;
import io.ov2ha.controller.support.TestRedis;
import io.ov2ha.controller.webhook.RecordingStateMachine.SessionIndexCode;
import io.ov2ha.controller.webhook.WebhookQueue.CommitCode;
import io.ov2ha.controller.webhook.WebhookQueue.FailCode;
import io.ov2ha.controller.webhook.WebhookQueue.IntakeCode;
import io.ov2ha.controller.webhook.WebhookQueue.RetryCode;

/**
 * Each script of WebhookQueue (and RecordingStateMachine's session index) answers only constants
 * of its enum, all of them, as its header says; and the commit's values, against a real Redis on keys of this test's own.
 */
class WebhookQueueAnswersTest {

	static Stream<Arguments> scripts() {
		return Stream.of(arguments("webhook-intake", IntakeCode.class), arguments("webhook-commit", CommitCode.class),
				arguments("webhook-fail", FailCode.class), arguments("webhook-dead-retry", RetryCode.class),
				arguments("session-index", SessionIndexCode.class));
	}

	@ParameterizedTest(name = "{0}.lua")
	@MethodSource("scripts")
	void everyAnswerOfTheScriptIsAConstantOfItsEnum(String script, Class<? extends Enum<?>> codes) {
		LuaAnswers.assertAnswersAre(script, codes);
	}

	@Test
	void aCommitBeyondTheDeadLetterLimitAnswersTheDroppedOnesOldestFirst() {
		StringRedisTemplate redis = TestRedis.template();
		String k = "test:commit:" + UUID.randomUUID() + ":";
		List<String> keys = List.of(k + "lease", k + "relay", k + "pending", k + "dead", k + "deadIndex");
		redis.opsForValue().set(k + "lease", "me");
		redis.opsForHash().put(k + "relay", "position", "100-0");
		for (int i = 1; i <= 3; i++) {
			redis.opsForHash().put(k + "dead", "old" + i, "{}");
			redis.opsForZSet().add(k + "deadIndex", "old" + i, i);
		}

		try {
			LuaAnswer<CommitCode> committed = LuaAnswer.run(redis, LuaScripts.load("webhook-commit"), keys,
					List.of("me", "101-0", "deadLettered", "1000", "new", "{}", "2"), CommitCode.class);
			LuaAnswer<CommitCode> again = LuaAnswer.run(redis, LuaScripts.load("webhook-commit"), keys,
					List.of("me", "101-0", "delivered", "1001", "new", "", "2"), CommitCode.class);
			LuaAnswer<CommitCode> notLeader = LuaAnswer.run(redis, LuaScripts.load("webhook-commit"), keys,
					List.of("other", "102-0", "delivered", "1002", "next", "", "2"), CommitCode.class);

			assertThat(committed.code()).isEqualTo(CommitCode.OK);
			assertThat(committed.values()).containsExactly("old1", "old2");
			assertThat(redis.opsForZSet().range(k + "deadIndex", 0, -1)).containsExactly("old3", "new");
			assertThat(again.code()).isEqualTo(CommitCode.ALREADY);
			assertThat(notLeader.code()).isEqualTo(CommitCode.NOT_LEADER);
		}
		finally {
			redis.delete(keys);
		}
	}

}
