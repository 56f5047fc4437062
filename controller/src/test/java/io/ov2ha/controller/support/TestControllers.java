package io.ov2ha.controller.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.support.TestPropertySourceUtils;

import io.ov2ha.controller.ControllerApplication;

/**
 * Controllers with failover enabled, started and stopped by the Docker tests themselves (a
 * restart, two replicas), on a Redis database of their own and with short timings: heartbeat
 * 1 s x 4, chunks of 2 s, stall grace 2 s, media stall 2 s (the default). The host's CPU
 * pressure they read is the test's ({@link #cpuPressure(double)}; idle unless a test says
 * otherwise), never the busy test machine's.
 */
public final class TestControllers {

	/** The Redis database of the controllers these tests start (the cached contexts use database 0). */
	private static final TestDatabase REDIS = TestRedis.database();

	public static final int CHUNK_SECONDS = 2;

	public static final int HEARTBEAT_SECONDS = 1;

	/** The host CPU pressure file the test controllers read ({@code HA_CPU_PRESSURE_FILE}). */
	public static final Path CPU_PRESSURE = Path.of("target/test-cpu-pressure").toAbsolutePath();

	static {
		// idle at the start of every test JVM, whatever a killed earlier run left behind
		cpuPressure(0);
	}

	/**
	 * The settings every test controller shares (the one place that lists them): production
	 * profile, the test credentials, the test data folder. {@link #run} passes them as arguments;
	 * {@link ControllerTest} and {@link S3ControllerTest} through {@link Settings}.
	 */
	static final Map<String, String> SETTINGS = Map.of("ha.profile", "production", "spring.profiles.active",
			"production", "ha.security.recorder-username", TestSecrets.RECORDER_USER, "ha.security.recorder-password",
			TestSecrets.RECORDER_PASSWORD, "ha.security.admin-username", TestSecrets.ADMIN_USER,
			"ha.security.admin-password", TestSecrets.ADMIN_PASSWORD, "ha.security.metrics-username",
			TestSecrets.METRICS_USER, "ha.security.metrics-password", TestSecrets.METRICS_PASSWORD, "ha.data-dir",
			"target/test-data");

	private TestControllers() {
	}

	/**
	 * Puts {@link #SETTINGS} into a test context's environment (the test annotations use it): over
	 * the configuration files, under what a test class sets itself (its inlined properties).
	 */
	public static final class Settings implements ApplicationContextInitializer<ConfigurableApplicationContext> {

		private static final String INLINED = TestPropertySourceUtils.INLINED_PROPERTIES_PROPERTY_SOURCE_NAME;

		@Override
		public void initialize(ConfigurableApplicationContext context) {
			// the profiles were read from the configuration before this runs: set them too
			context.getEnvironment().setActiveProfiles(SETTINGS.get("spring.profiles.active"));
			MutablePropertySources sources = context.getEnvironment().getPropertySources();
			MapPropertySource settings = new MapPropertySource("testControllerSettings", new LinkedHashMap<>(SETTINGS));
			if (sources.contains(INLINED)) {
				sources.addAfter(INLINED, settings);
			}
			else {
				sources.addFirst(settings);
			}
		}

	}

	/** Sets the host CPU pressure (percent) the test controllers see (read at most once a second). */
	public static void cpuPressure(double percent) {
		try {
			Files.createDirectories(CPU_PRESSURE.getParent());
			Files.writeString(CPU_PRESSURE, String.format(Locale.ROOT,
					"some avg10=%.2f avg60=0.00 avg300=0.00 total=0%nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0%n",
					percent));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public static String redisUrl() {
		return REDIS.url();
	}

	/** The failover tests' Redis database (what their controllers store). */
	public static StringRedisTemplate redis() {
		return REDIS.template();
	}

	/** Empties the failover tests' Redis database. */
	public static void flushRedis() {
		REDIS.flush();
	}

	/** The recorder settings (recorder.env of the site image) for a controller on this port. */
	public static Map<String, String> recorderSettings(int port) {
		return Map.of("HA_CONTROLLER_URL", "http://127.0.0.1:" + port, "HA_RECORDER_USERNAME",
				TestSecrets.RECORDER_USER, "HA_RECORDER_PASSWORD", TestSecrets.RECORDER_PASSWORD, "HA_RECORDING_STORAGE",
				"local", "HA_CHUNK_DURATION", Integer.toString(CHUNK_SECONDS), "HA_HEARTBEAT_INTERVAL",
				Integer.toString(HEARTBEAT_SECONDS));
	}

	/**
	 * Starts a controller with failover on, this test's short timings and the recorder image.
	 *
	 * @param beans registers extra singletons before the context refreshes (test doubles)
	 */
	public static ConfigurableApplicationContext start(int port, String image, Path recordings,
			Consumer<GenericApplicationContext> beans, String... extra) {
		List<String> args = new ArrayList<>(List.of("--server.port=" + port,
				"--ha.recordings-path=" + recordings.toAbsolutePath(), "--ha.redis.url=" + redisUrl(),
				"--ha.failover.enabled=true", "--ha.docker.recorder-image=" + image,
				"--ha.heartbeat.interval=" + HEARTBEAT_SECONDS + "s", "--ha.heartbeat.max-missed=4",
				"--ha.failover.chunk-duration=" + CHUNK_SECONDS + "s", "--ha.failover.stall-grace=2s",
				"--ha.failover.backoff=200ms", "--ha.failover.reconcile-interval=250ms",
				"--ha.failover.stop-timeout=10s", "--ha.failover.recorder-shm-size=64MB",
				"--ha.failover.cpu-pressure-file=" + CPU_PRESSURE));
		args.addAll(List.of(extra));
		return run(beans == null ? null : ctx -> beans.accept((GenericApplicationContext) ctx),
				args.toArray(String[]::new));
	}

	/**
	 * Starts a controller as a test runs one by hand (the one place with the settings every test
	 * controller shares): production profile, the test credentials, a free port, the shared Redis
	 * (database 0) and data folder; of the arguments ({@code --key=value}) given for one key the
	 * last wins, over the defaults too (an argument given twice would be read as "a,b").
	 *
	 * @param init runs on the context before it refreshes (test doubles, listeners), or null
	 */
	public static ConfigurableApplicationContext run(ApplicationContextInitializer<ConfigurableApplicationContext> init,
			String... args) {
		List<String> all = new ArrayList<>(List.of("--server.port=0"));
		SETTINGS.forEach((key, value) -> all.add("--" + key + "=" + value));
		all.add("--ha.redis.url=" + TestRedis.url());
		all.addAll(List.of(args));
		// the last one of a key wins
		Map<String, String> byKey = new LinkedHashMap<>();
		for (String arg : all) {
			String key = arg.substring(0, arg.indexOf('=') + 1);
			byKey.remove(key);
			byKey.put(key, arg);
		}
		SpringApplicationBuilder builder = new SpringApplicationBuilder(ControllerApplication.class);
		if (init != null) {
			builder.initializers(init);
		}
		return builder.run(byKey.values().toArray(String[]::new));
	}

	public static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

}
