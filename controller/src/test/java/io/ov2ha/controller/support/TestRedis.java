package io.ov2ha.controller.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.data.redis.core.StringRedisTemplate;

import redis.embedded.RedisServer;

/**
 * One real Redis server (Redis 7, statically linked, from the embedded-redis jar) for the
 * whole test JVM, on a free loopback port. Database 0 is shared (the cached Spring test contexts
 * and the store tests, with unique recording ids); a test that needs a database of its own (an
 * empty registry, controllers it starts itself) gets one from {@link #database()}.
 */
public final class TestRedis {

	/** Databases of the test server: 0 is shared, the others are handed out by {@link #database()}. */
	static final int DATABASES = 128;

	private static final AtomicInteger NEXT_DATABASE = new AtomicInteger(1);

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
				.setting("databases " + DATABASES)
				.build();
			server.start();
			Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "test-redis-stop"));
		}
		return "redis://127.0.0.1:" + port;
	}

	/**
	 * A database no other test uses, empty.
	 *
	 * @throws IllegalStateException when all {@link #DATABASES} are handed out
	 */
	public static TestDatabase database() {
		int index = NEXT_DATABASE.getAndIncrement();
		if (index >= DATABASES) {
			throw new IllegalStateException(
					"all " + DATABASES + " test Redis databases are in use: raise TestRedis.DATABASES");
		}
		TestDatabase database = new TestDatabase(index);
		database.flush();
		return database;
	}

	/** A template on the shared test Redis (database 0), started. */
	public static StringRedisTemplate template() {
		return new TestDatabase(0).template();
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
