package io.ov2ha.controller.webhook;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One delivery attempt of one event to the customer's endpoint: POST of the exact bytes received,
 * {@code Content-Type: application/json}, the configured headers, and the relay's own headers:
 * {@value #EVENT_ID} (stable per event, for de-duplication), {@value #ORIGIN} ({@code openvidu} or
 * {@code controller}), {@value #EVENT_TYPE} and {@value #ATTEMPT}. Success is any 2xx; redirects
 * are not followed.
 */
final class RelayClient {

	static final String EVENT_ID = "X-OV2HA-Event-Id";

	static final String ORIGIN = "X-OV2HA-Origin";

	static final String EVENT_TYPE = "X-OV2HA-Event-Type";

	static final String ATTEMPT = "X-OV2HA-Delivery-Attempt";

	private final RelayTarget target;

	private final WebhookProperties.Relay settings;

	private final HttpClient http;

	RelayClient(RelayTarget target, WebhookProperties.Relay settings) {
		this.target = target;
		this.settings = settings;
		this.http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(settings.connectTimeout())
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();
	}

	/** @param error null on success, else a short text without secrets ("HTTP 503", "ConnectException") */
	record Result(boolean delivered, String error) {
	}

	Result deliver(WebhookQueue.Entry entry, int attempt) throws InterruptedException {
		Map<String, String> headers = new LinkedHashMap<>();
		for (RelayTarget.Header h : target.headers()) {
			headers.put(h.name(), h.value());
		}
		if (entry.authorization() != null && !entry.authorization().isEmpty() && settings.forwardAuthorization()) {
			headers.keySet().removeIf(name -> name.equalsIgnoreCase("Authorization"));
			headers.put("Authorization", entry.authorization());
		}
		headers.put("Content-Type", "application/json");
		headers.put("User-Agent", "ov2-ha-recorder-relay");
		headers.put(EVENT_ID, entry.eventId());
		headers.put(ORIGIN, entry.origin().wire());
		if (entry.type().matches("[A-Za-z0-9_.-]{1,64}")) {
			headers.put(EVENT_TYPE, entry.type());
		}
		headers.put(ATTEMPT, Integer.toString(attempt));
		try {
			HttpRequest.Builder request = HttpRequest.newBuilder(target.uri())
				.timeout(settings.readTimeout())
				.POST(HttpRequest.BodyPublishers.ofByteArray(entry.body().getBytes(StandardCharsets.UTF_8)));
			headers.forEach(request::header);
			HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
			int status = response.statusCode();
			return status >= 200 && status < 300 ? new Result(true, null) : new Result(false, "HTTP " + status);
		}
		catch (IOException | IllegalArgumentException ex) {
			return new Result(false, describe(ex));
		}
	}

	private static String describe(Exception ex) {
		String message = ex.getMessage();
		String name = ex.getClass().getSimpleName();
		if (message == null || message.isBlank() || message.contains("://") || message.contains("@")) {
			return name;
		}
		String text = name + ": " + message.replaceAll("[\\r\\n\\t]", " ");
		return text.length() > 200 ? text.substring(0, 200) : text;
	}

}
