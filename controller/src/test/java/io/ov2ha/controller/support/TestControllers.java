package io.ov2ha.controller.support;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.ov2ha.controller.ControllerApplication;

/**
 * Controllers with failover enabled, started and stopped by the Docker tests themselves (a
 * restart, two replicas), on a Redis database of their own and with short timings: heartbeat
 * 1 s x 3, chunks of 2 s, stall grace 2 s.
 */
public final class TestControllers {

	/** The Redis database of the failover tests (the other tests use database 0). */
	public static final int REDIS_DB = 9;

	public static final int CHUNK_SECONDS = 2;

	public static final int HEARTBEAT_SECONDS = 1;

	private TestControllers() {
	}

	public static String redisUrl() {
		return TestRedis.url() + "/" + REDIS_DB;
	}

	/** Empties the failover tests' Redis database. */
	public static void flushRedis() {
		RedisClient client = RedisClient.create(redisUrl());
		try (StatefulRedisConnection<String, String> c = client.connect()) {
			c.sync().flushdb();
		}
		finally {
			client.shutdown();
		}
	}

	/** The recorder settings (recorder.env of the site image) for a controller on this port. */
	public static Map<String, String> recorderSettings(int port) {
		return Map.of("HA_CONTROLLER_URL", "http://127.0.0.1:" + port, "HA_RECORDER_USERNAME",
				TestSecrets.RECORDER_USER, "HA_RECORDER_PASSWORD", TestSecrets.RECORDER_PASSWORD, "HA_RECORDING_STORAGE",
				"local", "HA_CHUNK_DURATION", Integer.toString(CHUNK_SECONDS), "HA_HEARTBEAT_INTERVAL",
				Integer.toString(HEARTBEAT_SECONDS));
	}

	/**
	 * Starts a controller.
	 *
	 * @param beans registers extra singletons before the context refreshes (test doubles)
	 */
	public static ConfigurableApplicationContext start(int port, String image, Path recordings,
			Consumer<GenericApplicationContext> beans, String... extra) {
		List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--ha.profile=production",
				"--spring.profiles.active=production", "--ha.security.recorder-username=" + TestSecrets.RECORDER_USER,
				"--ha.security.recorder-password=" + TestSecrets.RECORDER_PASSWORD,
				"--ha.security.admin-username=" + TestSecrets.ADMIN_USER,
				"--ha.security.admin-password=" + TestSecrets.ADMIN_PASSWORD, "--ha.data-dir=target/test-data",
				"--ha.recordings-path=" + recordings.toAbsolutePath(), "--ha.redis.url=" + redisUrl(),
				"--ha.failover.enabled=true", "--ha.docker.recorder-image=" + image,
				"--ha.heartbeat.interval=" + HEARTBEAT_SECONDS + "s", "--ha.heartbeat.max-missed=3",
				"--ha.failover.chunk-duration=" + CHUNK_SECONDS + "s", "--ha.failover.stall-grace=2s",
				"--ha.failover.backoff=200ms", "--ha.failover.reconcile-interval=250ms",
				"--ha.failover.stop-timeout=10s", "--ha.failover.recorder-shm-size=64MB"));
		args.addAll(List.of(extra));
		SpringApplicationBuilder builder = new SpringApplicationBuilder(ControllerApplication.class);
		if (beans != null) {
			builder.initializers(ctx -> beans.accept((GenericApplicationContext) ctx));
		}
		return builder.run(args.toArray(String[]::new));
	}

	public static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

}
