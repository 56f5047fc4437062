package io.ov2ha.controller.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP receiver on a loopback port (the customer's endpoint in the tests). Records every
 * request; answers with the status the policy gives for (event id, attempt number at this
 * receiver).
 */
final class Receiver implements AutoCloseable {

	record Request(String method, String path, Headers headers, byte[] body, int status) {

		String eventId() {
			return headers.getFirst(RelayClient.EVENT_ID);
		}

		String origin() {
			return headers.getFirst(RelayClient.ORIGIN);
		}

		String text() {
			return new String(body, java.nio.charset.StandardCharsets.UTF_8);
		}

	}

	private final HttpServer server;

	private final ExecutorService executor = Executors.newFixedThreadPool(4);

	private final List<Request> requests = new ArrayList<>();

	private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

	/** The status to answer for an event id, its attempt number at this receiver (from 1), and its body. */
	interface Policy {

		int status(String eventId, int attempt, String body);

	}

	private volatile Policy policy = (id, attempt, body) -> 200;

	private volatile long delayMillis;

	Receiver() throws IOException {
		server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
		server.createContext("/", exchange -> {
			try (InputStream in = exchange.getRequestBody()) {
				byte[] body = in.readAllBytes();
				String id = exchange.getRequestHeaders().getFirst(RelayClient.EVENT_ID);
				int attempt = attempts.computeIfAbsent(id == null ? "" : id, k -> new AtomicInteger()).incrementAndGet();
				int status = policy.status(id, attempt, new String(body, java.nio.charset.StandardCharsets.UTF_8));
				if (delayMillis > 0) {
					Thread.sleep(delayMillis);
				}
				synchronized (requests) {
					requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
							exchange.getRequestHeaders(), body, status));
				}
				exchange.sendResponseHeaders(status, -1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				exchange.sendResponseHeaders(500, -1);
			}
			finally {
				exchange.close();
			}
		});
		server.setExecutor(executor);
		server.start();
	}

	String url() {
		return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
	}

	Receiver respond(Policy policy) {
		this.policy = policy;
		return this;
	}

	Receiver delay(long millis) {
		this.delayMillis = millis;
		return this;
	}

	List<Request> all() {
		synchronized (requests) {
			return List.copyOf(requests);
		}
	}

	/** The requests answered with 2xx, in arrival order. */
	List<Request> delivered() {
		return all().stream().filter(r -> r.status() >= 200 && r.status() < 300).toList();
	}

	@Override
	public void close() {
		server.stop(0);
		executor.shutdownNow();
	}

}
