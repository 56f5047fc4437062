package io.ov2ha.controller.config;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * Every setting of the controller. Bound from {@code application.yml}, which maps each
 * {@code HA_*} environment variable to one property here.
 */
@ConfigurationProperties("ha")
public record HaProperties(Profile profile, Path dataDir, String recordingsPath, Redis redis, Security security,
		Api api, Heartbeat heartbeat, Storage storage) {

	public HaProperties {
		profile = profile == null ? Profile.LOCAL : profile;
		dataDir = dataDir == null ? Path.of("data") : dataDir;
		redis = redis == null ? new Redis(null, 0) : redis;
		security = security == null ? new Security(null, null, null, null) : security;
		api = api == null ? new Api(null) : api;
		heartbeat = heartbeat == null ? new Heartbeat(null, 0) : heartbeat;
		storage = storage == null ? new Storage(null, null, null) : storage;
	}

	public boolean production() {
		return profile == Profile.PRODUCTION;
	}

	/**
	 * The OpenVidu recordings folder. Defaults to {@code <data-dir>/recordings} in local mode
	 * and to OpenVidu's default {@code /opt/openvidu/recordings} in production.
	 */
	public Path recordingsDir() {
		if (StringUtils.hasText(recordingsPath)) {
			return Path.of(recordingsPath);
		}
		return production() ? Path.of("/opt/openvidu/recordings") : dataDir.resolve("recordings");
	}

	public enum Profile {

		LOCAL, PRODUCTION

	}

	public record Redis(String url, int embeddedPort) {
	}

	public record Security(String recorderUsername, String recorderPassword, String adminUsername,
			String adminPassword) {
	}

	public record Api(DataSize maxBodySize) {
		public Api {
			maxBodySize = maxBodySize == null ? DataSize.ofKilobytes(256) : maxBodySize;
		}
	}

	public record Heartbeat(Duration interval, int maxMissed) {
		public Heartbeat {
			interval = interval == null ? Duration.ofSeconds(2) : interval;
			maxMissed = maxMissed <= 0 ? 3 : maxMissed;
		}

		/** How long a recorder may stay silent before it counts as missing. */
		public Duration timeout() {
			return interval.multipliedBy(maxMissed);
		}
	}

	/**
	 * Chunk storage.
	 *
	 * @param mode where chunks are stored
	 * @param s3Prefix prefix of every chunk object key
	 * @param s3 the S3-compatible server (mode s3)
	 */
	public record Storage(StorageMode mode, String s3Prefix, S3 s3) {
		public Storage {
			mode = mode == null ? StorageMode.LOCAL : mode;
			s3Prefix = s3Prefix == null ? "recordings/" : s3Prefix;
			s3 = s3 == null ? new S3(null, null, null, null, null) : s3;
		}
	}

	/**
	 * An S3-compatible server (path-style addressing).
	 *
	 * @param endpoint base URL, e.g. {@code http://minio:9000}; empty for AWS S3 itself
	 * @param region signing region
	 * @param bucket bucket of the chunks (created at startup if missing)
	 * @param accessKey access key id
	 * @param secretKey secret key (never logged)
	 */
	public record S3(String endpoint, String region, String bucket, String accessKey, String secretKey) {
		public S3 {
			region = region == null || region.isBlank() ? "us-east-1" : region;
		}

		@Override
		public String toString() {
			return "S3[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket + "]";
		}
	}

	public enum StorageMode {

		LOCAL, S3

	}

}
