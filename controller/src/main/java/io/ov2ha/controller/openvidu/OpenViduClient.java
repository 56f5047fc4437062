package io.ov2ha.controller.openvidu;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.util.UriUtils;

import io.ov2ha.controller.support.LogValues;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asks OpenVidu 2's REST API whether a recording's session and the recording still exist
 * (openvidu-server {@code SessionRestController}): {@code GET /openvidu/api/sessions/<sessionId>}
 * answers 404 for an unknown session, else the session with {@code "recording": true|false};
 * {@code GET /openvidu/api/recordings/<id>} answers 404 for an unknown recording, else the
 * recording with its {@code status} (starting, started, stopped, ready, failed). Basic auth
 * {@code OPENVIDUAPP:<secret>}; short timeouts; the secret is never logged.
 */
@Component
public class OpenViduClient {

	private static final Log LOG = LogFactory.getLog(OpenViduClient.class);

	private static final Set<String> ENDED = Set.of("stopped", "ready", "failed");

	private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

	private final OpenViduProperties properties;

	private final JsonMapper json;

	private final HttpClient http;

	private final String authorization;

	private final AtomicLong lastWarned = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

	/** OpenVidu answered (200 or 404) at least once since this controller started. */
	private final AtomicBoolean answeredSinceStart = new AtomicBoolean();

	private final AtomicBoolean lastMisconfigured = new AtomicBoolean();

	OpenViduClient(OpenViduProperties properties, JsonMapper json) {
		this.properties = properties;
		this.json = json;
		this.http = HttpClient.newBuilder()
			.connectTimeout(properties.timeout())
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();
		this.authorization = "Basic " + Base64.getEncoder()
			.encodeToString(("OPENVIDUAPP:" + properties.secret()).getBytes(StandardCharsets.UTF_8));
	}

	public boolean enabled() {
		return properties.enabled();
	}

	public OpenViduProperties properties() {
		return properties;
	}

	/**
	 * What OpenVidu says about the recording.
	 *
	 * @param sessionId OpenVidu's session id (RECORDING_JSON's {@code sessionId})
	 * @param recordingId OpenVidu's recording id
	 */
	OpenViduAnswer ask(String sessionId, String recordingId) {
		return ask(sessionId, recordingId, null);
	}

	/**
	 * What OpenVidu says about the recording of one incarnation of its session: a session with
	 * the same id but another start time ({@code createdAt}) is a new session, created after the
	 * recorded one ended (clients reconnect with the same custom session id, e.g. after OpenVidu
	 * restarted): the recorded session is gone.
	 *
	 * @param sessionStart the recorded session's start time, ms (from RECORDING_JSON's
	 * {@code uniqueSessionId}, {@link #sessionStart}); null when unknown (any incarnation)
	 */
	public OpenViduAnswer ask(String sessionId, String recordingId, Long sessionStart) {
		if (!properties.enabled()) {
			return OpenViduAnswer.NOT_CONFIGURED;
		}
		Reply session = get("/openvidu/api/sessions/" + encode(sessionId));
		OpenViduAnswer answer;
		if (session.status() == 404) {
			answer = OpenViduAnswer.SESSION_GONE;
		}
		else if (session.status() == 200 && recreated(session.body(), sessionStart)) {
			LOG.info("event=openvidu.session_recreated recordingId=" + recordingId + " sessionId=" + sessionId
					+ " recordedSessionStartMs=" + sessionStart + " sessionStartMs="
					+ session.body().path("createdAt").asLong());
			answer = OpenViduAnswer.SESSION_GONE;
		}
		else if (session.status() != 200) {
			answer = unreachable(recordingId, "session", session);
		}
		else if (session.body() != null && session.body().path("recording").isBoolean()
				&& !session.body().path("recording").asBoolean()) {
			answer = OpenViduAnswer.RECORDING_STOPPED;
		}
		else {
			Reply recording = get("/openvidu/api/recordings/" + encode(recordingId));
			if (recording.status() == 404) {
				answer = OpenViduAnswer.RECORDING_GONE;
			}
			else if (recording.status() != 200) {
				answer = unreachable(recordingId, "recording", recording);
			}
			else {
				String status = recording.body() == null ? "" : recording.body().path("status").asString("");
				answer = ENDED.contains(status) ? OpenViduAnswer.RECORDING_STOPPED : OpenViduAnswer.SESSION_ACTIVE;
			}
		}
		if (answer.saysEnded()) {
			LOG.info("event=openvidu.answered recordingId=" + recordingId + " sessionId=" + sessionId + " answer="
					+ answer.slug());
		}
		return answer;
	}

	/** Whether the session OpenVidu has started at another time than the recorded one. */
	private static boolean recreated(JsonNode session, Long sessionStart) {
		return sessionStart != null && session != null && session.path("createdAt").isIntegralNumber()
				&& session.path("createdAt").asLong() != sessionStart;
	}

	/**
	 * The start time of the session a recording belongs to: the digits after {@code <sessionId>_}
	 * in RECORDING_JSON's {@code uniqueSessionId} (OpenVidu 2.17+: {@code sessionId + "_" +
	 * startTime}); null when it is missing or has another form.
	 */
	public Long sessionStart(String recordingJson, String sessionId) {
		if (recordingJson == null || recordingJson.isBlank() || sessionId == null) {
			return null;
		}
		try {
			String unique = json.readTree(recordingJson).path("uniqueSessionId").asString("");
			String prefix = sessionId + "_";
			String digits = unique.startsWith(prefix) ? unique.substring(prefix.length()) : "";
			return digits.matches("[0-9]{1,18}") ? Long.valueOf(digits) : null;
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private OpenViduAnswer unreachable(String recordingId, String asked, Reply reply) {
		if (Thread.currentThread().isInterrupted()) {
			// the controller is stopping: no answer, and nothing to say about OpenVidu
			return noAnswer();
		}
		boolean misconfigured = reply.misconfigured() || !answeredSinceStart.get();
		OpenViduAnswer answer = misconfigured ? OpenViduAnswer.MISCONFIGURED : OpenViduAnswer.UNREACHABLE;
		lastMisconfigured.set(misconfigured);
		long now = System.nanoTime();
		long last = lastWarned.get();
		if (now - last >= WARN_EVERY_NANOS && lastWarned.compareAndSet(last, now)) {
			LOG.warn("event=openvidu." + answer.slug() + " recordingId=" + recordingId + " asked=" + asked + " status="
					+ reply.status() + " error=" + LogValues.quote(reply.error())
					+ (misconfigured ? " hint=\"check HA_OPENVIDU_API_URL, HA_OPENVIDU_SECRET and that the controller"
							+ " trusts OpenVidu's certificate; recordings go on as without the checks\"" : ""));
		}
		return answer;
	}

	/**
	 * What a question that got no answer in time counts as, as a request that timed out:
	 * {@link OpenViduAnswer#UNREACHABLE} once OpenVidu answered since this controller started,
	 * else {@link OpenViduAnswer#MISCONFIGURED}.
	 */
	public OpenViduAnswer noAnswer() {
		return answeredSinceStart.get() ? OpenViduAnswer.UNREACHABLE : OpenViduAnswer.MISCONFIGURED;
	}

	/** Whether the last unanswered question was a configuration problem (metric, alert). */
	public boolean misconfigured() {
		return lastMisconfigured.get();
	}

	/**
	 * An answer: HTTP status (0: none) and the parsed body of a 200.
	 *
	 * @param misconfigured the question cannot work as configured (401/403, 3xx, TLS, URL, not JSON)
	 */
	private record Reply(int status, JsonNode body, String error, boolean misconfigured) {

		Reply(int status, JsonNode body, String error) {
			this(status, body, error, status == 401 || status == 403 || (status >= 300 && status < 400));
		}

	}

	private Reply get(String path) {
		HttpRequest request;
		try {
			request = HttpRequest.newBuilder(URI.create(properties.apiUrl() + path))
				.timeout(properties.timeout())
				.header("Authorization", authorization)
				.header("Accept", "application/json")
				.GET()
				.build();
		}
		catch (IllegalArgumentException ex) {
			return new Reply(0, null, "invalid HA_OPENVIDU_API_URL", true);
		}
		try {
			HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
			JsonNode body = null;
			if (response.statusCode() == 200) {
				try {
					body = json.readTree(response.body());
				}
				catch (JacksonException ex) {
					return new Reply(0, null, "answer is not JSON", true);
				}
			}
			if (response.statusCode() == 200 || response.statusCode() == 404) {
				answeredSinceStart.set(true);
				lastMisconfigured.set(false);
			}
			return new Reply(response.statusCode(), body, response.statusCode() == 200 ? "" : "HTTP " + response.statusCode());
		}
		catch (SSLException ex) {
			return new Reply(0, null, ex.getClass().getSimpleName(), true);
		}
		catch (IOException ex) {
			return new Reply(0, null, ex.getClass().getSimpleName());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return new Reply(0, null, "interrupted");
		}
	}

	/** A path segment: unreserved characters (a recording's {@code ~}) stay as they are. */
	private static String encode(String value) {
		return UriUtils.encodePathSegment(value, StandardCharsets.UTF_8);
	}

}
