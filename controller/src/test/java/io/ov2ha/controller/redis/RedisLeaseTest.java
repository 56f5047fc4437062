package io.ov2ha.controller.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

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
	void aPeriodicPassRunsOnTheOneLeaderAndThrowsToItsCaller() {
		StringRedisTemplate redis = template();
		RedisLease a = new RedisLease(redis, new ControllerInstance());
		ControllerInstance second = new ControllerInstance();
		RedisLease b = new RedisLease(redis, second);
		String name = "test-" + System.nanoTime();
		AtomicInteger ranA = new AtomicInteger();
		AtomicInteger ranB = new AtomicInteger();

		assertThat(a.runIfLeader(name, Duration.ofSeconds(10), ranA::incrementAndGet)).isTrue();
		assertThat(b.runIfLeader(name, Duration.ofSeconds(10), ranB::incrementAndGet)).isFalse();
		assertThat(a.runIfLeader(name, Duration.ofSeconds(60), ranA::incrementAndGet)).as("the leader renews").isTrue();
		assertThat(redis.getExpire(RedisKeys.lease(name))).as("renewed: its new time to live").isGreaterThan(10);
		assertThat(ranA).hasValue(2);
		assertThat(ranB).hasValue(0);

		a.release(RedisKeys.lease(name));
		assertThatThrownBy(() -> b.runIfLeader(name, Duration.ofSeconds(10), () -> {
			throw new IllegalStateException("a pass failed");
		})).hasMessage("a pass failed");
		assertThat(a.runIfLeader(name, Duration.ofSeconds(10), ranA::incrementAndGet))
			.as("a pass that threw keeps its leader: the next pass runs there")
			.isFalse();
		assertThat(b.holder(RedisKeys.lease(name))).isEqualTo(second.id());
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
