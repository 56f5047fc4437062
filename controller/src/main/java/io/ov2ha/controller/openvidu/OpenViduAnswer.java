package io.ov2ha.controller.openvidu;

/**
 * What OpenVidu's REST API says about a recording's session and the recording
 * ({@code GET /openvidu/api/sessions/<sessionId>}, then {@code GET /openvidu/api/recordings/<id>}).
 */
public enum OpenViduAnswer {

	/** No OpenVidu URL or secret configured: nobody was asked. */
	NOT_CONFIGURED("not-configured"),
	/** The session exists, OpenVidu records it, and the recording is started (or starting). */
	SESSION_ACTIVE("session-active"),
	/** 404 for the session: it was closed, or OpenVidu restarted (sessions live in its memory). */
	SESSION_GONE("session-gone"),
	/** The session exists but the recording is unknown to OpenVidu (404). */
	RECORDING_GONE("recording-gone"),
	/** The session exists but is no longer recorded, or the recording is stopped, ready or failed. */
	RECORDING_STOPPED("recording-stopped"),
	/**
	 * OpenVidu answered before (since this controller started) and now does not: no answer in
	 * time, a refused connection, a 5xx. OpenVidu is down.
	 */
	UNREACHABLE("unreachable"),
	/**
	 * The question cannot be asked as configured: a refused secret (401/403), a redirect, a TLS
	 * failure (an untrusted certificate), an invalid URL or an answer that is not JSON, or no
	 * answer ever since this controller started. Never a reason to end a recording: the
	 * controller goes on as if not configured and says so (log, metric, alert).
	 */
	MISCONFIGURED("misconfigured");

	private final String slug;

	OpenViduAnswer(String slug) {
		this.slug = slug;
	}

	public String slug() {
		return slug;
	}

	/** OpenVidu said the session or the recording is over. */
	public boolean saysEnded() {
		return this == SESSION_GONE || this == RECORDING_GONE || this == RECORDING_STOPPED;
	}

}
