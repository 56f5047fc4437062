package io.ov2ha.controller.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.support.LuaAnswers;
import io.ov2ha.controller.support.TestRedis;

/** Two controllers (two instances) competing for one lease on a real Redis. */
class RedisLeaseTest {

	private static StringRedisTemplate template() {
		return TestRedis.template();
	}

	@Test
	void onlyOneHolderAndOnlyTheHolderRenewsOrReleases() {
		StringRedisTemplate redis = template();
		RedisLease a = new RedisLease(redis, new ControllerInstance());
		RedisLease b = new RedisLease(redis, new ControllerInstance());
		String key = RedisKeys.lease("test-" + System.nanoTime());

		assertThat(a.tryAcquire(key, Duration.ofSeconds(10))).isTrue();
		assertThat(b.tryAcquire(key, Duration.ofSeconds(10))).isFalse();
		assertThat(b.renew(key, Duration.ofSeconds(10))).isFalse();
		assertThat(b.release(key)).isFalse();
		assertThat(a.renew(key, Duration.ofSeconds(60))).isTrue();
		assertThat(redis.getExpire(key)).as("renewed: its new time to live").isGreaterThan(10);
		assertThat(a.acquireOrRenew(key, Duration.ofSeconds(10))).isTrue();
		assertThat(a.release(key)).isTrue();
		assertThat(b.tryAcquire(key, Duration.ofSeconds(10))).isTrue();
	}

	@Test
	void theLeaseScriptsAnswerTheirEnumsConstants() {
		LuaAnswers.assertAnswersAre("lease-renew", RedisLease.RenewCode.class);
		LuaAnswers.assertAnswersAre("lease-release", RedisLease.ReleaseCode.class);
	}

	@Test
	void anExpiredLeaseCanBeTakenOver() {
		StringRedisTemplate redis = template();
		RedisLease a = new RedisLease(redis, new ControllerInstance());
		RedisLease b = new RedisLease(redis, new ControllerInstance());
		String key = RedisKeys.lease("test-" + System.nanoTime());
		a.tryAcquire(key, Duration.ofMillis(50));

		await().atMost(Duration.ofSeconds(5)).until(() -> b.tryAcquire(key, Duration.ofSeconds(10)));

		assertThat(a.renew(key, Duration.ofSeconds(10))).isFalse();
		assertThat(a.release(key)).isFalse();
	}

}
