package io.ov2ha.controller.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * Every setting of the controller. Bound from {@code application.yml}, which maps each
 * {@code HA_*} environment variable to one property here.
 */
@ConfigurationProperties("ha")
public record HaProperties(Profile profile, Path dataDir, String recordingsPath, Redis redis, Security security,
		Api api, Heartbeat heartbeat, Storage storage, Docker docker, Failover failover) {

	public HaProperties {
		profile = profile == null ? Profile.LOCAL : profile;
		dataDir = dataDir == null ? Path.of("data") : dataDir;
		redis = redis == null ? new Redis(null, 0) : redis;
		security = security == null ? new Security(null, null, null, null) : security;
		api = api == null ? new Api(null) : api;
		heartbeat = heartbeat == null ? new Heartbeat(null, 0) : heartbeat;
		storage = storage == null ? new Storage(null, null, null, null, false, null, null) : storage;
		docker = docker == null ? new Docker(null, null, null, null, null, null) : docker;
		failover = failover == null ? new Failover(true, 0, null, null, null, null, null, null) : failover;
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

		/** Never the passwords (a record's default toString would print them). */
		@Override
		public String toString() {
			return "Security[recorderUsername=" + recorderUsername + ", recorderPassword=****, adminUsername="
					+ adminUsername + ", adminPassword=****]";
		}
	}

	public record Api(DataSize maxBodySize) {
		public Api {
			maxBodySize = maxBodySize == null ? DataSize.ofKilobytes(256) : maxBodySize;
		}
	}

	public record Heartbeat(@DurationUnit(ChronoUnit.SECONDS) Duration interval, int maxMissed) {
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
	 * The container runtime that starts backup recorders.
	 *
	 * @param host Docker API endpoint ({@code unix:///var/run/docker.sock}, {@code tcp://host:2376})
	 * @param apiVersion Docker API version the client speaks (docker-java does not negotiate)
	 * @param tlsVerify {@code true}/{@code false}; empty: docker-java's standard {@code DOCKER_TLS_VERIFY}
	 * @param certPath folder with ca.pem, cert.pem, key.pem; empty: the standard {@code DOCKER_CERT_PATH}
	 * @param recorderImage image of backup recorders; the same image OpenVidu uses ({@code OPENVIDU_RECORDING_IMAGE})
	 * @param recordingsHostPath the recordings folder as the Docker host sees it; empty: the recordings path
	 */
	public record Docker(String host, String apiVersion, String tlsVerify, String certPath, String recorderImage,
			String recordingsHostPath) {
		public Docker {
			host = StringUtils.hasText(host) ? host : "unix:///var/run/docker.sock";
			apiVersion = StringUtils.hasText(apiVersion) ? apiVersion : "1.41";
			tlsVerify = tlsVerify == null ? "" : tlsVerify;
			certPath = certPath == null ? "" : certPath;
			recorderImage = StringUtils.hasText(recorderImage) ? recorderImage : "ov2-ha-recorder-site:dev";
			recordingsHostPath = recordingsHostPath == null ? "" : recordingsHostPath;
		}
	}

	/**
	 * Failure detection and backup recorders.
	 *
	 * @param enabled whether this controller detects failures and starts backups
	 * @param maxFailovers backups at most per recording; then the recording is FAILED
	 * @param backoff wait before the 2nd failover of a recording (doubles for each further one),
	 *        and between attempts to start one backup
	 * @param chunkDuration the recorders' chunk length ({@code HA_CHUNK_DURATION}; a bare number is seconds)
	 * @param stallGrace added to 2 chunk durations before a recorder without new chunks counts as stalled
	 * @param stopTimeout how long a backup may take to finish after {@code q} before it is killed
	 * @param reconcileInterval period of the reconciliation loop
	 * @param recorderShmSize /dev/shm of a backup when RECORDING_JSON names none (OpenVidu's default)
	 */
	public record Failover(boolean enabled, int maxFailovers, Duration backoff,
			@DurationUnit(ChronoUnit.SECONDS) Duration chunkDuration, Duration stallGrace, Duration stopTimeout,
			Duration reconcileInterval, DataSize recorderShmSize) {
		public Failover {
			maxFailovers = maxFailovers <= 0 ? 5 : maxFailovers;
			backoff = backoff == null ? Duration.ofSeconds(2) : backoff;
			chunkDuration = chunkDuration == null || chunkDuration.isZero() ? Duration.ofSeconds(10) : chunkDuration;
			stallGrace = stallGrace == null ? Duration.ofSeconds(5) : stallGrace;
			stopTimeout = stopTimeout == null ? Duration.ofSeconds(30) : stopTimeout;
			reconcileInterval = reconcileInterval == null || reconcileInterval.isZero() ? Duration.ofMillis(500)
					: reconcileInterval;
			recorderShmSize = recorderShmSize == null ? DataSize.ofMegabytes(512) : recorderShmSize;
		}

		/** No new complete chunk for longer than this: the recorder is stalled. */
		public Duration stallTimeout() {
			return chunkDuration.multipliedBy(2).plus(stallGrace);
		}
	}

	/**
	 * Chunk storage and finalization.
	 *
	 * @param mode where chunks are stored
	 * @param s3Prefix prefix of every chunk object key
	 * @param s3 the S3-compatible server (mode s3)
	 * @param chunkRetention how long chunks are kept after a verified final before they are deleted
	 * @param uploadFinal whether the final MP4 is also uploaded to S3 (mode s3)
	 * @param downloadUrlExpiry validity of a presigned download URL of an uploaded final
	 * @param finalizer how finalizations run
	 */
	public record Storage(StorageMode mode, String s3Prefix, S3 s3, Duration chunkRetention, boolean uploadFinal,
			Duration downloadUrlExpiry, Finalizer finalizer) {
		public Storage {
			mode = mode == null ? StorageMode.LOCAL : mode;
			s3Prefix = s3Prefix == null ? "recordings/" : s3Prefix;
			s3 = s3 == null ? new S3(null, null, null, null, null) : s3;
			chunkRetention = chunkRetention == null ? Duration.ofHours(24) : chunkRetention;
			downloadUrlExpiry = downloadUrlExpiry == null ? Duration.ofHours(1) : downloadUrlExpiry;
			finalizer = finalizer == null ? new Finalizer(null, null, 0, 0, 0, null, null) : finalizer;
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

	/**
	 * How finalizations (joining the chunks into OpenVidu's MP4) run.
	 *
	 * @param openviduUrl OpenVidu's public URL, for the {@code url} of a sealed recording
	 * @param timeout longest run of one ffmpeg join
	 * @param concurrency finalizations running at once in this controller
	 * @param downloads chunk downloads and checks running at once within one finalization
	 * @param attempts attempts when chunk storage is unreachable, before the recording fails
	 * @param retryDelay delay before the second attempt; doubles for each further one
	 * @param recoveryInterval period of the scan that resumes unfinished finalizations
	 */
	public record Finalizer(String openviduUrl, Duration timeout, int concurrency, int downloads, int attempts,
			Duration retryDelay, Duration recoveryInterval) {
		public Finalizer {
			timeout = timeout == null ? Duration.ofMinutes(15) : timeout;
			concurrency = concurrency <= 0 ? 2 : concurrency;
			downloads = downloads <= 0 ? 8 : downloads;
			attempts = attempts <= 0 ? 5 : attempts;
			retryDelay = retryDelay == null ? Duration.ofSeconds(15) : retryDelay;
			recoveryInterval = recoveryInterval == null ? Duration.ofSeconds(10) : recoveryInterval;
		}
	}

	public enum StorageMode {

		LOCAL, S3

	}

}
