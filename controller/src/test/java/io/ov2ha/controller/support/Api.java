package io.ov2ha.controller.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small real-HTTP client for the controller's API. */
public final class Api {

	public static final JsonMapper JSON = JsonMapper.builder().build();

	private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	/**
	 * How long a request may take: longer than the longest the controller holds one on purpose (a
	 * finalize waits up to {@code FinalizationService.MAX_WAIT}, 25 s) plus a starved 2-core machine's
	 * delays; it only ends a hung test.
	 */
	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

	private final String base;

	/** Sent by every caller of the admin API (the ops script, Swagger UI, Postman); see {@link #withoutRequestedBy()}. */
	public static final String REQUESTED_BY = "X-Requested-By";

	private final String authorization;

	private final boolean requestedBy;

	private Api(String base, String authorization, boolean requestedBy) {
		this.base = base;
		this.authorization = authorization;
		this.requestedBy = requestedBy;
	}

	public static Api at(int port) {
		return new Api("http://127.0.0.1:" + port, null, true);
	}

	public Api as(String user, String password) {
		String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
		return new Api(base, "Basic " + token, requestedBy);
	}

	/** Without the X-Requested-By header, as a cross-site form or a recorder would send. */
	public Api withoutRequestedBy() {
		return new Api(base, authorization, false);
	}

	public Api asRecorder() {
		return as(TestSecrets.RECORDER_USER, TestSecrets.RECORDER_PASSWORD);
	}

	public Api asAdmin() {
		return as(TestSecrets.ADMIN_USER, TestSecrets.ADMIN_PASSWORD);
	}

	public Api asMetrics() {
		return as(TestSecrets.METRICS_USER, TestSecrets.METRICS_PASSWORD);
	}

	public Api anonymous() {
		return new Api(base, null, requestedBy);
	}

	public Response get(String path) {
		return send("GET", path, null);
	}

	public Response post(String path, Object body) {
		return send("POST", path, body);
	}

	public Response put(String path, Object body) {
		return send("PUT", path, body);
	}

	public Response delete(String path) {
		return send("DELETE", path, null);
	}

	/** Sends a raw body with the given Content-Type. */
	public Response sendWithContentType(String method, String rawPath, String contentType, String body) {
		return send(method, rawPath, body, contentType);
	}

	/** Sends a body given as a String verbatim, any other object as JSON. */
	public Response send(String method, String rawPath, Object body) {
		return send(method, rawPath, body, "application/json");
	}

	/** Sends raw bytes with exactly the given headers (besides this caller's credentials), as another client would. */
	public Response sendBytes(String method, String rawPath, byte[] body, Map<String, String> headers) {
		HttpRequest.Builder request = request(method, rawPath, HttpRequest.BodyPublishers.ofByteArray(body));
		headers.forEach(request::header);
		HttpResponse<String> response = exchange(request, HttpResponse.BodyHandlers.ofString());
		return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
				response.headers().firstValue("WWW-Authenticate").orElse(null), response.body());
	}

	/** A GET whose answer is binary (a download). */
	public Download download(String path) {
		HttpResponse<byte[]> response = exchange(request("GET", path, HttpRequest.BodyPublishers.noBody()),
				HttpResponse.BodyHandlers.ofByteArray());
		return new Download(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
				response.body());
	}

	private Response send(String method, String rawPath, Object body, String contentType) {
		HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
				: HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body));
		HttpRequest.Builder request = request(method, rawPath, publisher);
		if (body != null) {
			request.header("Content-Type", contentType);
		}
		HttpResponse<String> response = exchange(request, HttpResponse.BodyHandlers.ofString());
		return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
				response.headers().firstValue("WWW-Authenticate").orElse(null), response.body());
	}

	private HttpRequest.Builder request(String method, String rawPath, HttpRequest.BodyPublisher body) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + rawPath))
			.timeout(REQUEST_TIMEOUT)
			.method(method, body);
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		if (requestedBy) {
			request.header(REQUESTED_BY, "ov2ha-tests");
		}
		return request;
	}

	private static <T> HttpResponse<T> exchange(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
		try {
			return CLIENT.send(request.build(), handler);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** A binary answer. */
	public record Download(int status, String contentType, byte[] body) {
	}

	public record Response(int status, String contentType, String wwwAuthenticate, String body) {

		public JsonNode json() {
			return JSON.readTree(body);
		}

		/** The problem {@code type} slug, e.g. {@code stale-epoch}. */
		public String problem() {
			String type = json().path("type").asString("");
			return type.substring(type.lastIndexOf(':') + 1);
		}

		public boolean isProblem() {
			return contentType.startsWith("application/problem+json");
		}

	}

}
