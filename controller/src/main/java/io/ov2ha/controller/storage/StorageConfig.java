package io.ov2ha.controller.storage;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.util.StringUtils;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.support.LogValues;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Chunk storage selected by {@code HA_RECORDING_STORAGE}. In S3 mode the settings are checked
 * at startup (a missing one stops the controller with a message naming it) and the bucket is
 * created if it is missing.
 */
@Configuration(proxyBeanMethods = false)
class StorageConfig {

	private static final Log LOG = LogFactory.getLog(StorageConfig.class);

	@Bean
	ChunkStorage chunkStorage(HaProperties properties) {
		HaProperties.Storage storage = properties.storage();
		if (storage.mode() != StorageMode.S3) {
			return new LocalChunkStorage(properties.recordingsDir());
		}
		HaProperties.S3 s3 = requireS3Settings(storage.s3());
		var credentials = StaticCredentialsProvider
			.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey()));
		S3ClientBuilder client = S3Client.builder()
			.region(Region.of(s3.region()))
			.credentialsProvider(credentials)
			.forcePathStyle(true)
			// our own SHA-256 protects every chunk; SDK checksums only where the server requires
			// them, which every S3-compatible server accepts (no aws-chunked trailers)
			.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
			.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
			.httpClientBuilder(Apache5HttpClient.builder()
				.connectionTimeout(Duration.ofSeconds(5))
				.socketTimeout(Duration.ofSeconds(30))
				.maxConnections(Math.max(16, storage.finalizer().downloads() * storage.finalizer().concurrency() + 4)))
			.overrideConfiguration(o -> o.apiCallAttemptTimeout(Duration.ofMinutes(2)));
		S3Presigner.Builder presigner = S3Presigner.builder()
			.region(Region.of(s3.region()))
			.credentialsProvider(credentials)
			.serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build());
		if (StringUtils.hasText(s3.endpoint())) {
			URI endpoint = URI.create(s3.endpoint().trim());
			client.endpointOverride(endpoint);
			presigner.endpointOverride(endpoint);
		}
		return new S3ChunkStorage(client.build(), presigner.build(), s3.bucket(), storage.s3Prefix());
	}

	static HaProperties.S3 requireS3Settings(HaProperties.S3 s3) {
		List<String> missing = new ArrayList<>();
		if (!StringUtils.hasText(s3.endpoint())) {
			missing.add("HA_S3_ENDPOINT");
		}
		if (!StringUtils.hasText(s3.bucket())) {
			missing.add("HA_S3_BUCKET");
		}
		if (!StringUtils.hasText(s3.accessKey())) {
			missing.add("HA_S3_ACCESS_KEY");
		}
		if (!StringUtils.hasText(s3.secretKey())) {
			missing.add("HA_S3_SECRET_KEY");
		}
		if (!missing.isEmpty()) {
			throw new ConfigurationException(
					String.join(", ", missing) + (missing.size() == 1 ? " is" : " are")
							+ " not set; HA_RECORDING_STORAGE=s3 needs an S3-compatible server.",
					"Set " + String.join(", ", missing) + " (see .env_template), or use HA_RECORDING_STORAGE=local.");
		}
		if (StringUtils.hasText(s3.endpoint())) {
			try {
				URI uri = URI.create(s3.endpoint().trim());
				if (uri.getScheme() == null || uri.getHost() == null) {
					throw new IllegalArgumentException("no scheme or host");
				}
			}
			catch (IllegalArgumentException ex) {
				throw new ConfigurationException("HA_S3_ENDPOINT is not a URL.",
						"Set HA_S3_ENDPOINT to the server's base URL, e.g. http://minio:9000.");
			}
		}
		return s3;
	}

	@Bean
	BucketInitializer bucketInitializer(ChunkStorage storage) {
		return new BucketInitializer(storage);
	}

	/** Creates the bucket once the controller is up; an unreachable server is logged, not fatal. */
	static final class BucketInitializer {

		private final ChunkStorage storage;

		BucketInitializer(ChunkStorage storage) {
			this.storage = storage;
		}

		@EventListener(ApplicationReadyEvent.class)
		void createBucket() {
			if (!(storage instanceof S3ChunkStorage s3)) {
				return;
			}
			try {
				if (s3.ensureBucket()) {
					LOG.info("event=storage.bucket_created bucket=" + LogValues.quote(s3.bucket()));
				}
			}
			catch (ChunkStorageException ex) {
				LOG.warn("event=storage.bucket_check_failed bucket=" + LogValues.quote(s3.bucket()) + " kind="
						+ ex.kind() + " error=" + LogValues.quote(ex.getMessage()));
			}
		}

	}

}
