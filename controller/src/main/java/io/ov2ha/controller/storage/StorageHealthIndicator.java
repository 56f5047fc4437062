package io.ov2ha.controller.storage;

import java.time.Clock;
import java.time.Duration;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties.StorageMode;

/**
 * Chunk storage in {@code /actuator/health}: in S3 mode whether the bucket is reachable
 * (checked at most every few seconds, so health polling never loads the server).
 */
@Component("storage")
class StorageHealthIndicator implements HealthIndicator {

	static final Duration CACHE = Duration.ofSeconds(5);

	private final ChunkStorage storage;

	private final Clock clock;

	private volatile Health last;

	private volatile long lastAt;

	StorageHealthIndicator(ChunkStorage storage, Clock clock) {
		this.storage = storage;
		this.clock = clock;
	}

	@Override
	public Health health() {
		if (storage.mode() != StorageMode.S3) {
			return Health.up().withDetail("mode", "local").build();
		}
		long now = clock.millis();
		Health cached = last;
		if (cached != null && now - lastAt < CACHE.toMillis()) {
			return cached;
		}
		Health health;
		try {
			storage.check();
			health = Health.up().withDetail("mode", "s3").withDetail("bucket", bucket()).build();
		}
		catch (ChunkStorageException ex) {
			health = Health.down()
				.withDetail("mode", "s3")
				.withDetail("bucket", bucket())
				.withDetail("reason", ex.kind() == ChunkStorageException.Kind.NOT_FOUND ? "bucket does not exist"
						: ex.getMessage())
				.build();
		}
		last = health;
		lastAt = now;
		return health;
	}

	private String bucket() {
		return storage instanceof S3ChunkStorage s3 ? s3.bucket() : "";
	}

}
