package io.ov2ha.controller.openvidu;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.ov2ha.controller.support.TestSecrets;

/**
 * A tiny HTTP stand-in for OpenVidu 2's REST API as the controller asks it (openvidu-server
 * SessionRestController): {@code GET /openvidu/api/sessions/<id>} (404 when unknown, else the
 * session with {@code recording}), {@code GET /openvidu/api/recordings/<id>} (404 when unknown,
 * else the recording with {@code status}); 401 without Basic {@code OPENVIDUAPP:<secret>}.
 * {@link Mode#DOWN} answers 502 as OpenVidu's nginx does while openvidu-server is down.
 * {@link #hang(String)} makes it never answer questions about some ids (a hanging OpenVidu).
 */
public final class OpenViduStandIn implements AutoCloseable {

	public enum Mode {

		/** The session exists, is recorded, the recording is started. */
		ACTIVE,
		/** The session is unknown (closed, or OpenVidu restarted). */
		SESSION_GONE,
		/** The session exists but is not recorded. */
		NOT_RECORDED,
		/** openvidu-server is down behind its proxy. */
		DOWN

	}

	private final HttpServer server;

	private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
		Thread t = new Thread(r, "openvidu-stand-in");
		t.setDaemon(true);
		return t;
	});

	private volatile String hangPrefix;

	private volatile CountDownLatch released = new CountDownLatch(0);

	private final AtomicInteger hanging = new AtomicInteger();

	private volatile Mode mode = Mode.ACTIVE;

	private final List<String> asked = new CopyOnWriteArrayList<>();

	private final List<String> refused = new CopyOnWriteArrayList<>();

	public OpenViduStandIn() throws IOException {
		server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		server.createContext("/openvidu/api/", this::handle);
		server.setExecutor(handlers);
		server.start();
	}

	public String url() {
		return "http://127.0.0.1:" + server.getAddress().getPort();
	}

	public void mode(Mode mode) {
		this.mode = mode;
	}

	/**
	 * From now on questions whose session or recording id starts with {@code idPrefix} get no
	 * answer at all (the connection stays open) until {@link #release()} or {@link #close()}.
	 */
	public void hang(String idPrefix) {
		if (released.getCount() == 0) {
			released = new CountDownLatch(1);
		}
		hangPrefix = idPrefix;
	}

	/** Answers the questions held by {@link #hang(String)} (then dropped by their askers) and hangs no more. */
	public void release() {
		hangPrefix = null;
		released.countDown();
	}

	/** Questions held unanswered right now. */
	public int hanging() {
		return hanging.get();
	}

	/** Paths asked with the right credentials. */
	public List<String> asked() {
		return asked;
	}

	/** Paths asked without them. */
	public List<String> refused() {
		return refused;
	}

	private void handle(HttpExchange ex) throws IOException {
		String path = ex.getRequestURI().getPath();
		String expected = "Basic " + Base64.getEncoder()
			.encodeToString(("OPENVIDUAPP:" + TestSecrets.OPENVIDU_SECRET).getBytes(StandardCharsets.UTF_8));
		if (!"GET".equals(ex.getRequestMethod())) {
			reply(ex, 405, null);
			return;
		}
		if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
			refused.add(path);
			reply(ex, 401, null);
			return;
		}
		asked.add(path);
		String id = path.substring(path.lastIndexOf('/') + 1);
		String prefix = hangPrefix;
		if (prefix != null && id.startsWith(prefix)) {
			hanging.incrementAndGet();
			try {
				released.await();
			}
			catch (InterruptedException interrupted) {
				Thread.currentThread().interrupt();
			}
			finally {
				hanging.decrementAndGet();
			}
		}
		Mode m = mode;
		if (m == Mode.DOWN) {
			reply(ex, 502, null);
			return;
		}
		if (path.startsWith("/openvidu/api/sessions/")) {
			if (m == Mode.SESSION_GONE) {
				reply(ex, 404, null);
				return;
			}
			reply(ex, 200, "{\"id\":\"" + id + "\",\"object\":\"session\",\"sessionId\":\"" + id
					+ "\",\"createdAt\":1700000000000,\"recording\":" + (m == Mode.ACTIVE) + "}");
			return;
		}
		if (path.startsWith("/openvidu/api/recordings/")) {
			reply(ex, 200, "{\"id\":\"" + id + "\",\"object\":\"recording\",\"status\":\"started\"}");
			return;
		}
		reply(ex, 404, null);
	}

	private static void reply(HttpExchange ex, int status, String body) throws IOException {
		byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
		if (body != null) {
			ex.getResponseHeaders().add("Content-Type", "application/json");
		}
		ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
		try (OutputStream out = ex.getResponseBody()) {
			out.write(bytes);
		}
	}

	@Override
	public void close() {
		release();
		server.stop(0);
		handlers.shutdownNow();
	}

}
