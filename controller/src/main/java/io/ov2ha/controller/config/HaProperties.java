package io.ov2ha.controller.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

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
		security = security == null ? new Security(null, null, null, null, null, null) : security;
		api = api == null ? new Api(null) : api;
		heartbeat = heartbeat == null ? new Heartbeat(null, 0) : heartbeat;
		storage = storage == null ? new Storage(null, null, null, null, false, null, null) : storage;
		docker = docker == null ? new Docker(null, null, null, null, null, null, null, 0, null, 0, null, 0) : docker;
		failover = failover == null ? new Failover(true, 0, null, null, null, null, null, null, null, null, 0, null, null, null, null, null, null) : failover;
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

	/**
	 * The API users. The metrics user (read-only: {@code GET /actuator/prometheus}) exists only
	 * when its password is set.
	 */
	public record Security(String recorderUsername, String recorderPassword, String adminUsername,
			String adminPassword, String metricsUsername, String metricsPassword) {

		/** Never the passwords (a record's default toString would print them). */
		@Override
		public String toString() {
			return "Security[recorderUsername=" + recorderUsername + ", recorderPassword=****, adminUsername="
					+ adminUsername + ", adminPassword=****, metricsUsername=" + metricsUsername
					+ ", metricsPassword=****]";
		}
	}

	public record Api(DataSize maxBodySize) {
		public Api {
			maxBodySize = maxBodySize == null ? DataSize.ofKilobytes(256) : maxBodySize;
		}
	}

	public record Heartbeat(@DurationUnit(ChronoUnit.SECONDS) Duration interval, int maxMissed) {
		public Heartbeat {
			interval = interval == null ? Duration.ofSeconds(1) : interval;
			maxMissed = maxMissed <= 0 ? 5 : maxMissed;
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
	 * @param recorderLogMaxSize json-file log rotation of backup recorders: size of one file
	 *        ({@code 10m}; Docker's form: digits and k, m or g)
	 * @param recorderLogMaxFiles json-file log rotation of backup recorders: files kept
	 * @param recorderMemoryLimit memory limit of a backup recorder; null: none
	 * @param recorderCpus CPU limit of a backup recorder (e.g. 1.5); 0: none
	 * @param hosts every Docker engine recorders run on ({@code HA_DOCKER_HOSTS}, comma-separated);
	 *        empty: {@code host} alone. They share the API version and the TLS settings.
	 * @param engineMaxRecorders backups and standbys at most on one engine when there are several
	 *        (0: no limit); a full engine is passed over when a backup is placed
	 */
	public record Docker(String host, String apiVersion, String tlsVerify, String certPath, String recorderImage,
			String recordingsHostPath, String recorderLogMaxSize, int recorderLogMaxFiles, DataSize recorderMemoryLimit,
			double recorderCpus, List<String> hosts, int engineMaxRecorders) {

		/** The most engines one controller drives. */
		public static final int MAX_ENGINES = 16;

		/** The settings of one engine only (its own {@code host}, no list), for one engine's client. */
		public Docker forEngine(String endpoint) {
			return new Docker(endpoint, apiVersion, tlsVerify, certPath, recorderImage, recordingsHostPath,
					recorderLogMaxSize, recorderLogMaxFiles, recorderMemoryLimit, recorderCpus, List.of(), 0);
		}

		/** The engines, in their configured order ({@code hosts}, or {@code host} alone). */
		public List<String> engines() {
			return hosts.isEmpty() ? List.of(host) : hosts;
		}

		public Docker {
			host = StringUtils.hasText(host) ? host : "unix:///var/run/docker.sock";
			apiVersion = StringUtils.hasText(apiVersion) ? apiVersion : "1.41";
			tlsVerify = tlsVerify == null ? "" : tlsVerify;
			certPath = certPath == null ? "" : certPath;
			recorderImage = StringUtils.hasText(recorderImage) ? recorderImage : "ov2-ha-recorder-site:dev";
			recordingsHostPath = recordingsHostPath == null ? "" : recordingsHostPath;
			recorderLogMaxSize = StringUtils.hasText(recorderLogMaxSize) ? recorderLogMaxSize.trim() : "10m";
			if (!recorderLogMaxSize.matches("[1-9][0-9]{0,5}[kmg]?")) {
				throw new IllegalArgumentException(
						"HA_RECORDER_LOG_MAX_SIZE must be Docker's size form, e.g. 10m (is: " + recorderLogMaxSize + ")");
			}
			recorderLogMaxFiles = recorderLogMaxFiles <= 0 ? 3 : recorderLogMaxFiles;
			if (recorderMemoryLimit != null && recorderMemoryLimit.toBytes() <= 0) {
				recorderMemoryLimit = null;
			}
			if (recorderCpus < 0 || Double.isNaN(recorderCpus) || Double.isInfinite(recorderCpus)) {
				throw new IllegalArgumentException("HA_RECORDER_CPUS must be a number of CPUs >= 0 (0: no limit)");
			}
			hosts = engineList(hosts);
			if (engineMaxRecorders < 0 || engineMaxRecorders > 1000) {
				throw new IllegalArgumentException("HA_DOCKER_ENGINE_MAX_RECORDERS must be 0..1000 (0: no limit)");
			}
		}

		private static List<String> engineList(List<String> hosts) {
			List<String> out = new ArrayList<>();
			for (String h : hosts == null ? List.<String>of() : hosts) {
				String e = h == null ? "" : h.trim();
				if (e.isEmpty()) {
					continue;
				}
				if (!e.matches("(unix:///|tcp://)[A-Za-z0-9._:/\\[\\]-]{1,250}")) {
					throw new IllegalArgumentException(
							"HA_DOCKER_HOSTS: each engine is unix:///<socket> or tcp://<host>:<port> (is: " + e + ")");
				}
				if (out.contains(e)) {
					throw new IllegalArgumentException("HA_DOCKER_HOSTS names " + e + " twice");
				}
				out.add(e);
			}
			if (out.size() > MAX_ENGINES) {
				throw new IllegalArgumentException("HA_DOCKER_HOSTS: at most " + MAX_ENGINES + " engines");
			}
			return List.copyOf(out);
		}
	}

	/**
	 * Failure detection and backup recorders.
	 *
	 * @param enabled whether this controller detects failures and starts backups
	 * @param maxFailovers backups at most per recording, 1..100 (0: the default 5); then the recording is FAILED
	 * @param backoff wait before the 2nd failover of a recording (doubles for each further one),
	 *        and between attempts to start one backup
	 * @param chunkDuration the recorders' chunk length ({@code HA_CHUNK_DURATION}; a bare number is seconds)
	 * @param stallGrace added to 2 chunk durations before a recorder that reports no phase (an
	 *        older recorder) and writes no new chunk counts as stalled
	 * @param stopTimeout how long a backup may take to finish after {@code q} before it is killed
	 * @param reconcileInterval period of the reconciliation loop
	 * @param recorderShmSize /dev/shm of a backup when RECORDING_JSON names none (OpenVidu's default)
	 * @param stallTimeout a capturing recorder whose heartbeats show no media progress for this
	 *        long is stalled
	 * @param startTimeout a recorder that has not captured its first frame this long after its
	 *        start (or after this controller's start) has failed to start
	 * @param maxConcurrentBackups backups running at once across all controllers, 1..1000 (0: the
	 *        default 10); a failover over it is deferred and retried
	 * @param cpuPressureThreshold the host's CPU pressure (PSI {@code some avg10}, percent) from
	 *        which the host counts as saturated, 1..100 (0: off; default 90): a recorder that is
	 *        silent or stalled then gets {@code cpuPressureTimeout} before it is replaced (a cold
	 *        backup on a saturated host does worse than a starved recorder that catches up)
	 * @param cpuPressureTimeout silence or stall a saturated host's recorder gets (default 15 s;
	 *        never shorter than the normal timeouts); also the media stall a recorder whose page is
	 *        still to show gets, whatever the load
	 * @param cpuPressureFile where the host's CPU pressure is read (default /proc/pressure/cpu)
	 * @param blankTimeout a backup whose screen has been blank (a uniform frame and silence) this
	 *        long without ever showing anything has not found the session: the recording is ended
	 *        and finalized without that blank tail (default 60 s, as the start deadline; 0: never)
	 * @param standbyRecorders warm standby recorders kept ready on the Docker engine, 0..20
	 *        (default 1; 0: off): a failover hands the recording to one of them instead of
	 *        starting a backup cold
	 * @param standbyResolution the screen of the standbys ({@code <width>x<height>}, default
	 *        OpenVidu's 1280x720): a recording of another resolution gets a cold backup
	 */
	public record Failover(boolean enabled, int maxFailovers, Duration backoff,
			@DurationUnit(ChronoUnit.SECONDS) Duration chunkDuration, Duration stallGrace, Duration stopTimeout,
			Duration reconcileInterval, DataSize recorderShmSize, Duration stallTimeout, Duration startTimeout,
			int maxConcurrentBackups, Integer cpuPressureThreshold, Duration cpuPressureTimeout,
			String cpuPressureFile, @DurationUnit(ChronoUnit.SECONDS) Duration blankTimeout, Integer standbyRecorders,
			String standbyResolution) {

		public static final int MAX_FAILOVERS_LIMIT = 100;

		public static final int MAX_STANDBY_RECORDERS = 20;

		public static final int MAX_CONCURRENT_BACKUPS_LIMIT = 1000;

		public Failover {
			stallTimeout = stallTimeout == null || stallTimeout.isZero() ? Duration.ofSeconds(2) : stallTimeout;
			blankTimeout = blankTimeout == null ? Duration.ofSeconds(60) : blankTimeout;
			if (blankTimeout.isNegative()) {
				throw new ConfigurationException("HA_BACKUP_BLANK_TIMEOUT is " + blankTimeout.toSeconds()
						+ " s; it must not be negative (0: never).",
						"Set HA_BACKUP_BLANK_TIMEOUT to how long a backup may show nothing before the recording ends, e.g. 60s.");
			}
			startTimeout = startTimeout == null || startTimeout.isZero() ? Duration.ofSeconds(60) : startTimeout;
			maxFailovers = maxFailovers == 0 ? 5 : maxFailovers;
			maxConcurrentBackups = maxConcurrentBackups == 0 ? 10 : maxConcurrentBackups;
			if (maxFailovers < 1 || maxFailovers > MAX_FAILOVERS_LIMIT) {
				throw new ConfigurationException("HA_MAX_FAILOVERS is " + maxFailovers + "; it must be 1.." + MAX_FAILOVERS_LIMIT + ".",
						"Set HA_MAX_FAILOVERS to the backups a recording may have, e.g. 5.");
			}
			if (maxConcurrentBackups < 1 || maxConcurrentBackups > MAX_CONCURRENT_BACKUPS_LIMIT) {
				throw new ConfigurationException("HA_MAX_CONCURRENT_BACKUPS is " + maxConcurrentBackups + "; it must be 1.."
						+ MAX_CONCURRENT_BACKUPS_LIMIT + ".",
						"Set HA_MAX_CONCURRENT_BACKUPS to the backup recorders the hosts can run at once, e.g. 10.");
			}
			backoff = backoff == null ? Duration.ofSeconds(2) : backoff;
			chunkDuration = chunkDuration == null || chunkDuration.isZero() ? Duration.ofSeconds(10) : chunkDuration;
			stallGrace = stallGrace == null ? Duration.ofSeconds(5) : stallGrace;
			stopTimeout = stopTimeout == null ? Duration.ofSeconds(30) : stopTimeout;
			reconcileInterval = reconcileInterval == null || reconcileInterval.isZero() ? Duration.ofMillis(500)
					: reconcileInterval;
			recorderShmSize = recorderShmSize == null ? DataSize.ofMegabytes(512) : recorderShmSize;
			cpuPressureThreshold = cpuPressureThreshold == null ? 90 : cpuPressureThreshold;
			if (cpuPressureThreshold < 0 || cpuPressureThreshold > 100) {
				throw new ConfigurationException("HA_CPU_PRESSURE_THRESHOLD is " + cpuPressureThreshold
						+ "; it must be a percentage 1..100 (0: off).",
						"Set HA_CPU_PRESSURE_THRESHOLD to the host CPU pressure that counts as saturated, e.g. 90.");
			}
			cpuPressureTimeout = cpuPressureTimeout == null || cpuPressureTimeout.isZero() ? Duration.ofSeconds(15)
					: cpuPressureTimeout;
			if (cpuPressureTimeout.isNegative()) {
				throw new ConfigurationException("HA_CPU_PRESSURE_TIMEOUT is " + cpuPressureTimeout.toSeconds()
						+ " s; it must be positive.", "Set HA_CPU_PRESSURE_TIMEOUT to the patience a saturated host's "
								+ "recorder gets, e.g. 15s (HA_CPU_PRESSURE_THRESHOLD=0 turns the deferral off).");
			}
			cpuPressureFile = cpuPressureFile == null || cpuPressureFile.isBlank() ? "/proc/pressure/cpu"
					: cpuPressureFile;
			standbyRecorders = standbyRecorders == null ? 1 : standbyRecorders;
			if (standbyRecorders < 0 || standbyRecorders > MAX_STANDBY_RECORDERS) {
				throw new ConfigurationException("HA_STANDBY_RECORDERS is " + standbyRecorders + "; it must be 0.."
						+ MAX_STANDBY_RECORDERS + " (0: off).",
						"Set HA_STANDBY_RECORDERS to the warm standby recorders to keep ready, e.g. 1.");
			}
			standbyResolution = standbyResolution == null || standbyResolution.isBlank() ? "1280x720"
					: standbyResolution.strip();
			if (!standbyResolution.matches("[1-9][0-9]{1,3}x[1-9][0-9]{1,3}")) {
				throw new ConfigurationException("HA_STANDBY_RESOLUTION is not <width>x<height>.",
						"Set HA_STANDBY_RESOLUTION to the resolution most recordings use (OpenVidu's RESOLUTION), e.g. 1280x720.");
			}
		}

		/** No new complete chunk for longer than this: a recorder that reports no phase is stalled. */
		public Duration chunkStallTimeout() {
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
			finalizer = finalizer == null ? new Finalizer(null, null, 0, 0, 0, null, null, null) : finalizer;
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
	 * @param attempts attempts when chunk storage is unreachable, before the recording fails (as
	 *        many again after an admin's retry)
	 * @param retryDelay delay before the second attempt; doubles for each further one
	 * @param recoveryInterval a recording FINALIZING this long is asked about by the reconciler's
	 *        sweep, at most once per this period, and its finalization resumed if nobody runs it
	 * @param recordingsOwner {@code uid:gid} of the files written into the recordings folder; empty:
	 *        the recordings folder's owner
	 */
	public record Finalizer(String openviduUrl, Duration timeout, int concurrency, int downloads, int attempts,
			Duration retryDelay, Duration recoveryInterval, String recordingsOwner) {
		public Finalizer {
			timeout = timeout == null ? Duration.ofMinutes(15) : timeout;
			concurrency = concurrency <= 0 ? 2 : concurrency;
			downloads = downloads <= 0 ? 8 : downloads;
			attempts = attempts <= 0 ? 5 : attempts;
			retryDelay = retryDelay == null ? Duration.ofSeconds(15) : retryDelay;
			recoveryInterval = recoveryInterval == null ? Duration.ofSeconds(10) : recoveryInterval;
			recordingsOwner = StringUtils.hasText(recordingsOwner) ? recordingsOwner.trim() : null;
			if (recordingsOwner != null && !recordingsOwner.matches("\\d{1,9}:\\d{1,9}")) {
				throw new ConfigurationException("HA_RECORDINGS_OWNER is not uid:gid as numbers.",
						"Set HA_RECORDINGS_OWNER to the numeric owner of OpenVidu's recordings (e.g. 1000:1000), or leave it empty for the recordings folder's owner.");
			}
		}
	}

	public enum StorageMode {

		LOCAL, S3

	}

}
