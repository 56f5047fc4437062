package io.ov2ha.controller.web;

import java.net.URI;

import org.springframework.http.HttpStatus;

/**
 * Every problem type the API answers with (RFC 9457). The {@code type} URIs and titles are
 * stable: clients (recorders, the ops script) branch on them.
 */
public enum ProblemType {

	INVALID_REQUEST("invalid-request", "Invalid request", HttpStatus.BAD_REQUEST),
	INVALID_RECORDING_ID("invalid-recording-id", "Invalid recording id", HttpStatus.BAD_REQUEST),
	UNAUTHORIZED("unauthorized", "Authentication required", HttpStatus.UNAUTHORIZED),
	FORBIDDEN("forbidden", "Not allowed for this role", HttpStatus.FORBIDDEN),
	REQUESTED_BY_REQUIRED("requested-by-required", "X-Requested-By header required", HttpStatus.FORBIDDEN),
	NOT_FOUND("not-found", "Not found", HttpStatus.NOT_FOUND),
	RECORDING_NOT_FOUND("recording-not-found", "Recording not found", HttpStatus.NOT_FOUND),
	METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed", HttpStatus.METHOD_NOT_ALLOWED),
	NOT_ACCEPTABLE("not-acceptable", "Not acceptable", HttpStatus.NOT_ACCEPTABLE),
	STALE_EPOCH("stale-epoch", "Epoch is not current", HttpStatus.CONFLICT),
	EPOCH_NOT_ISSUED("epoch-not-issued", "Epoch was never issued", HttpStatus.CONFLICT),
	INVALID_RECORDER_ENVIRONMENT("invalid-recorder-environment", "Recorder environment refused",
			HttpStatus.BAD_REQUEST),
	TOO_MANY_CHUNKS("too-many-chunks", "Recording has the most chunks allowed", HttpStatus.CONFLICT),
	CONTAINER_CONFLICT("container-conflict", "Another container holds this epoch", HttpStatus.CONFLICT),
	RECORDING_ID_IN_USE("recording-id-in-use", "Recording id is in use by another recording", HttpStatus.CONFLICT),
	RECORDING_FINAL("recording-final", "Recording is already final", HttpStatus.CONFLICT),
	RECORDING_ACTIVE("recording-active", "Recording is still active", HttpStatus.CONFLICT),
	CHUNK_CONFLICT("chunk-conflict", "Chunk already reported with other content", HttpStatus.CONFLICT),
	FAILOVER_REFUSED("failover-refused", "Failover not possible now", HttpStatus.CONFLICT),
	FINAL_NOT_AVAILABLE("final-not-available", "No final recording file", HttpStatus.CONFLICT),
	PAYLOAD_TOO_LARGE("payload-too-large", "Request body too large", HttpStatus.CONTENT_TOO_LARGE),
	UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type", HttpStatus.UNSUPPORTED_MEDIA_TYPE),
	DEPENDENCY_UNAVAILABLE("dependency-unavailable", "A backing service is unavailable",
			HttpStatus.SERVICE_UNAVAILABLE),
	WEBHOOK_DEAD_LETTER_NOT_FOUND("webhook-dead-letter-not-found", "Dead letter not found", HttpStatus.NOT_FOUND),
	WEBHOOK_RELAY_DISABLED("webhook-relay-disabled", "Webhook relay is disabled", HttpStatus.CONFLICT),
	INTERNAL_ERROR("internal-error", "Internal error", HttpStatus.INTERNAL_SERVER_ERROR);

	/** Prefix of every problem {@code type}. */
	public static final String URN_PREFIX = "urn:ov2-ha-recorder:problem:";

	private final URI type;

	private final String title;

	private final HttpStatus status;

	ProblemType(String slug, String title, HttpStatus status) {
		this.type = URI.create(URN_PREFIX + slug);
		this.title = title;
		this.status = status;
	}

	public URI type() {
		return type;
	}

	public String title() {
		return title;
	}

	public HttpStatus status() {
		return status;
	}

}
