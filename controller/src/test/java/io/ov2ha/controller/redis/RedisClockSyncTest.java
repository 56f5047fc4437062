package io.ov2ha.controller.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ov2ha.controller.support.TestRedis;

/** Hosts whose clocks are off by minutes read one time: Redis's. */
class RedisClockSyncTest {

	private static final StringRedisTemplate REDIS = TestRedis.template();

	static {
		// connected before any sample: a sample's round trip is then a command's, not a connect's
		redisMillis();
	}

	@Test
	void twoHostsMinutesApartReadRedissTime() {
		RedisClock ahead = new RedisClock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(3)));
		RedisClock behind = new RedisClock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-2)));
		RedisClockSync a = new RedisClockSync(REDIS, ahead, new SimpleMeterRegistry());
		RedisClockSync b = new RedisClockSync(REDIS, behind, new SimpleMeterRegistry());

		assertThat(a.sync()).isEqualTo(RedisClockSync.Sample.APPLIED);
		assertThat(b.sync()).isEqualTo(RedisClockSync.Sample.APPLIED);

		// the bound is the round trips of a busy machine, not the minutes between the hosts
		long redisNow = redisMillis();
		assertThat(Math.abs(ahead.millis() - redisNow)).isLessThan(1000);
		assertThat(Math.abs(behind.millis() - redisNow)).isLessThan(1000);
		assertThat(ahead.offsetMillis()).isBetween(-181_000L, -179_000L);
		assertThat(behind.offsetMillis()).isBetween(119_000L, 121_000L);
	}

	@Test
	void anUnreachableRedisKeepsTheLastOffset() {
		RedisClock clock = new RedisClock(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(40)));
		new RedisClockSync(REDIS, clock, new SimpleMeterRegistry()).sync();
		long offset = clock.offsetMillis();

		RedisClockSync gone = new RedisClockSync(unreachable(), clock, new SimpleMeterRegistry());

		assertThat(gone.sync()).isEqualTo(RedisClockSync.Sample.UNREACHABLE);
		assertThat(clock.offsetMillis()).isEqualTo(offset);
	}

	@Test
	void theOffsetIsExported() {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		RedisClock clock = new RedisClock(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-30)));
		new RedisClockSync(REDIS, clock, meters).sync();

		assertThat(meters.get("ov2ha.clock.offset.seconds").gauge().value()).isBetween(29.0, 31.0);
	}

	private static long redisMillis() {
		return REDIS.execute((RedisCallback<Long>) c -> c.serverCommands().time(TimeUnit.MILLISECONDS));
	}

	private static StringRedisTemplate unreachable() {
		var factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", TestRedis.freePort()),
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofMillis(500)).build());
		factory.afterPropertiesSet();
		factory.start();
		return new StringRedisTemplate(factory);
	}

}
