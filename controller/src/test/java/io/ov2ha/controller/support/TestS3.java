package io.ov2ha.controller.support;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One real S3-compatible server (S3Proxy, in memory) for the whole test JVM, on a fixed free
 * loopback port so that it can be stopped and started again at the same address (the
 * "storage unreachable" tests). Its own metrics stay off (they clash with Boot's Prometheus client).
 */
public final class TestS3 {

	public static final String BUCKET = "ov2ha-test";

	private static S3Proxy proxy;

	private static BlobStore store;

	private static int port;

	private static S3Client client;

	private TestS3() {
	}

	public static synchronized String endpoint() {
		if (proxy == null) {
			store = BlobStores.create("transient", new Properties());
			port = TestRedis.freePort();
			start();
			Runtime.getRuntime().addShutdownHook(new Thread(TestS3::stop, "test-s3-stop"));
		}
		return "http://127.0.0.1:" + port;
	}

	/** Starts the server (again), with everything stored before. */
	public static synchronized void start() {
		try {
			proxy = S3Proxy.builder()
				.blobStore(store)
				.endpoint(URI.create("http://127.0.0.1:" + port))
				.awsAuthentication(AuthenticationType.AWS_V2_OR_V4, TestSecrets.S3_ACCESS_KEY, TestSecrets.S3_SECRET_KEY)
				.build();
			proxy.start();
			await("S3Proxy's start").atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(5))
				.until(() -> "STARTED".equals(proxy.getState()));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Stops the server: the storage is then unreachable (connection refused). */
	public static synchronized void stop() {
		if (proxy != null) {
			try {
				proxy.stop();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}
	}

	/** A client for the tests themselves (uploading chunks, checking objects). */
	public static synchronized S3Client client() {
		if (client == null) {
			client = S3Client.builder()
				.endpointOverride(URI.create(endpoint()))
				.region(Region.US_EAST_1)
				.forcePathStyle(true)
				.credentialsProvider(StaticCredentialsProvider
					.create(AwsBasicCredentials.create(TestSecrets.S3_ACCESS_KEY, TestSecrets.S3_SECRET_KEY)))
				.build();
		}
		return client;
	}

	/**
	 * Points a controller context at this server ({@code HA_S3_ENDPOINT}) and at its own Redis
	 * database ({@code db}), so that cached contexts with another storage configuration never
	 * pick up its recordings.
	 */
	public static Map<String, Object> properties(TestDatabase db) {
		return Map.of("ha.storage.s3.endpoint", endpoint(), "ha.redis.url", db.url());
	}

	/** For {@link S3ControllerTest}: S3 storage on this server, a Redis database of its own. */
	public static class Initializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

		private static final TestDatabase DATABASE = TestRedis.database();

		@Override
		public void initialize(ConfigurableApplicationContext context) {
			context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("testS3", properties(DATABASE)));
		}

	}

}
