package io.ov2ha.controller.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.Properties;

import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * {@code ov2ha_redis_memory_used_bytes} and {@code ov2ha_redis_memory_max_bytes} from Redis's
 * {@code INFO memory} ({@code used_memory}, {@code maxmemory}; 0 = no limit), for alert
 * OV2HARedisMemoryHigh: with {@code noeviction}, a full Redis refuses every write. Read at most
 * once per {@link #MAX_AGE} (both gauges share one INFO); NaN while Redis does not answer.
 */
@Component
class RedisMemoryMetrics implements MeterBinder {

	static final Duration MAX_AGE = Duration.ofSeconds(5);

	/** One INFO reading; {@code used} NaN when Redis did not answer. */
	record Memory(double used, double max, long readAt) {
	}

	private final StringRedisTemplate redis;

	private final Clock clock;

	private volatile Memory last;

	RedisMemoryMetrics(StringRedisTemplate redis, Clock clock) {
		this.redis = redis;
		this.clock = clock;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("ov2ha.redis.memory.used", this, m -> m.memory().used())
			.description("Memory Redis uses (INFO memory used_memory)")
			.baseUnit("bytes")
			.register(registry);
		Gauge.builder("ov2ha.redis.memory.max", this, m -> m.memory().max())
			.description("Redis's maxmemory (INFO memory maxmemory); 0: no limit")
			.baseUnit("bytes")
			.register(registry);
	}

	Memory memory() {
		long now = clock.millis();
		Memory m = last;
		if (m == null || now - m.readAt() >= MAX_AGE.toMillis()) {
			m = read(now);
			last = m;
		}
		return m;
	}

	private Memory read(long now) {
		try {
			Properties info = redis.execute((RedisCallback<Properties>) c -> c.serverCommands().info("memory"));
			if (info == null) {
				return new Memory(Double.NaN, Double.NaN, now);
			}
			return new Memory(number(info.getProperty("used_memory")), number(info.getProperty("maxmemory")), now);
		}
		catch (RuntimeException ex) {
			return new Memory(Double.NaN, Double.NaN, now);
		}
	}

	private static double number(String value) {
		try {
			return value == null ? Double.NaN : Long.parseLong(value.trim());
		}
		catch (NumberFormatException ex) {
			return Double.NaN;
		}
	}

}
