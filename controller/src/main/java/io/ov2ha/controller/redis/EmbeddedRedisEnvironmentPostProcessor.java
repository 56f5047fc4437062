package io.ov2ha.controller.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

import io.ov2ha.controller.config.ConfigurationException;
import redis.embedded.RedisServer;

/**
 * Local mode without {@code HA_REDIS_URL}: starts a real Redis server (a statically linked
 * Redis 7 shipped in the embedded-redis jar) on loopback, persisting to
 * {@code <data-dir>/redis} with an append-only file, and points Spring Data Redis at it.
 * Production mode without {@code HA_REDIS_URL} is a startup error. With {@code HA_REDIS_SENTINELS}
 * ({@link RedisSentinels}) the Sentinels name the server: never an embedded one; the URL, required
 * then in every profile, gives the password and database.
 */
class EmbeddedRedisEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	private final Log log;

	EmbeddedRedisEnvironmentPostProcessor(DeferredLogFactory logFactory) {
		this.log = logFactory.getLog(EmbeddedRedisEnvironmentPostProcessor.class);
	}

	@Override
	public int getOrder() {
		// after application.yml and the environment have been loaded
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		RedisSentinels sentinels = RedisSentinels.parse(environment.getProperty("ha.redis.sentinels"),
				environment.getProperty("ha.redis.sentinel-master"), environment.getProperty("ha.redis.sentinel-password"));
		if (sentinels != null) {
			environment.getPropertySources()
				.addFirst(new MapPropertySource("ov2haRedisSentinels", sentinels.springProperties()));
			log.info("event=redis.sentinels nodes=" + String.join(",", sentinels.nodes()) + " master=" + sentinels.master());
		}
		if (StringUtils.hasText(environment.getProperty("ha.redis.url"))) {
			return;
		}
		if (sentinels != null) {
			throw new ConfigurationException("HA_REDIS_SENTINELS is set but HA_REDIS_URL is not.",
					"Set HA_REDIS_URL to give the password and database of the Sentinels' primary, for example "
							+ "redis://:password@sentinel/0 (its host and port are not used).");
		}
		String profile = environment.getProperty("ha.profile", "local");
		if (!"local".equalsIgnoreCase(profile)) {
			throw new ConfigurationException("HA_REDIS_URL is not set; the production profile needs an external Redis.",
					"Set HA_REDIS_URL (for example redis://:password@redis:6379/0), or run with HA_PROFILE=local "
							+ "to use an embedded Redis.");
		}
		Path dir = Path.of(environment.getProperty("ha.data-dir", "data"), "redis").toAbsolutePath();
		int port = environment.getProperty("ha.redis.embedded-port", Integer.class, 0);
		RedisServer server = start(dir, port == 0 ? freePort() : port);
		String url = "redis://127.0.0.1:" + server.ports().get(0);
		environment.getPropertySources()
			.addFirst(new MapPropertySource("ov2haEmbeddedRedis", Map.of("spring.data.redis.url", url)));
		application.addListeners((ContextClosedEvent event) -> stop(server));
		Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server), "embedded-redis-stop"));
		log.info("event=redis.embedded.started url=" + url + " dir=" + dir);
	}

	private static RedisServer start(Path dir, int port) {
		try {
			Files.createDirectories(dir);
			RedisServer server = RedisServer.builder()
				.port(port)
				.setting("bind 127.0.0.1")
				.setting("dir " + dir)
				.setting("appendonly yes")
				.setting("save \"\"")
				.setting("protected-mode yes")
				.build();
			server.start();
			return server;
		}
		catch (IOException | RuntimeException ex) {
			throw new ConfigurationException("The embedded Redis could not start on 127.0.0.1:" + port + ": "
					+ ex.getMessage(), "Set HA_REDIS_URL to an external Redis, or free the port / data folder " + dir
							+ " (HA_EMBEDDED_REDIS_PORT, HA_DATA_DIR).");
		}
	}

	private static synchronized void stop(RedisServer server) {
		if (server.isActive()) {
			server.stop();
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException("no free loopback port", ex);
		}
	}

}
