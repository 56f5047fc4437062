package io.ov2ha.controller.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

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

	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
