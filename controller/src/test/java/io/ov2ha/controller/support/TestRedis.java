package io.ov2ha.controller.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import redis.embedded.RedisServer;

/**
 * One real Redis server (Redis 7, statically linked, from the embedded-redis jar) for the
 * whole test JVM, on a free loopback port. Tests that share it use unique recording ids.
 */
public final class TestRedis {

	private static RedisServer server;

	private static int port;

	private TestRedis() {
	}

	public static synchronized String url() {
		if (server == null) {
			port = freePort();
			server = RedisServer.builder()
				.port(port)
				.setting("bind 127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly no")
				.build();
			server.start();
			Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "test-redis-stop"));
		}
		return "redis://127.0.0.1:" + port;
	}

	/** A template on the shared test Redis (database 0), started. */
	public static StringRedisTemplate template() {
		java.net.URI uri = java.net.URI.create(url());
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(uri.getHost(), uri.getPort()));
		factory.afterPropertiesSet();
		factory.start();
		return new StringRedisTemplate(factory);
	}

	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
