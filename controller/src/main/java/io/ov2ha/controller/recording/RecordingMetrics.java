package io.ov2ha.controller.recording;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.redis.RedisKeys;

/**
 * {@code ov2ha_recordings{status=...}}: recordings per status, read from the status indexes;
 * {@code ov2ha_recorder_upload_backlog_chunks}: the largest backlog an active recorder reported.
 */
@Component
class RecordingMetrics implements MeterBinder {

	private final StringRedisTemplate redis;

	RecordingMetrics(StringRedisTemplate redis) {
		this.redis = redis;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (RecordingStatus status : RecordingStatus.values()) {
			Gauge.builder("ov2ha.recordings", redis, r -> count(r, status))
				.description("Recordings in the registry by status")
				.tag("status", status.name())
				.register(registry);
		}
		Gauge.builder("ov2ha.recorder.upload.backlog.chunks", redis, RecordingMetrics::largestBacklog)
			.description("Largest upload backlog (complete chunks not yet stored) among active recorders")
			.register(registry);
	}

	private static double largestBacklog(StringRedisTemplate redis) {
		try {
			var top = redis.opsForZSet().reverseRangeWithScores(RedisKeys.uploadBacklogIndex(), 0, 0);
			return top == null || top.isEmpty() || top.iterator().next().getScore() == null ? 0
					: top.iterator().next().getScore();
		}
		catch (RuntimeException ex) {
			return Double.NaN;
		}
	}

	private static double count(StringRedisTemplate redis, RecordingStatus status) {
		try {
			Long n = redis.opsForZSet().zCard(RedisKeys.statusIndex(status.name()));
			return n == null ? 0 : n;
		}
		catch (RuntimeException ex) {
			return Double.NaN;
		}
	}

}
