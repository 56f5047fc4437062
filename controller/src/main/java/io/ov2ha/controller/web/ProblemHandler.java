package io.ov2ha.controller.web;

import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import io.ov2ha.controller.kernel.InvalidRecordingIdException;

/**
 * Every error the API answers is {@code application/problem+json} with a stable type from
 * {@link ProblemType}. No stack trace and no exception message of a third-party library ever
 * reaches a client.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

	private static final Log LOG = LogFactory.getLog(ProblemHandler.class);

	private static final Map<Integer, ProblemType> BY_STATUS = Map.of(400, ProblemType.INVALID_REQUEST, 401,
			ProblemType.UNAUTHORIZED, 403, ProblemType.FORBIDDEN, 404, ProblemType.NOT_FOUND, 405,
			ProblemType.METHOD_NOT_ALLOWED, 406, ProblemType.NOT_ACCEPTABLE, 413, ProblemType.PAYLOAD_TOO_LARGE, 415,
			ProblemType.UNSUPPORTED_MEDIA_TYPE, 503, ProblemType.DEPENDENCY_UNAVAILABLE);

	@ExceptionHandler(ApiException.class)
	ResponseEntity<ProblemDetail> api(ApiException ex, HttpServletRequest request) {
		return respond(Problems.of(ex, Problems.safeInstance(request)));
	}

	@ExceptionHandler(InvalidRecordingIdException.class)
	ResponseEntity<ProblemDetail> invalidRecordingId(InvalidRecordingIdException ex, HttpServletRequest request) {
		return respond(Problems.of(ProblemType.INVALID_RECORDING_ID, ex.getMessage(), Problems.safeInstance(request)));
	}

	@ExceptionHandler(DataAccessException.class)
	ResponseEntity<ProblemDetail> dataAccess(DataAccessException ex, HttpServletRequest request) {
		LOG.warn("event=api.dependency_unavailable path=" + Problems.safeInstance(request) + " error="
				+ ex.getClass().getSimpleName());
		return respond(Problems.of(ProblemType.DEPENDENCY_UNAVAILABLE,
				"The state store (Redis) is unavailable; retry later.", Problems.safeInstance(request)));
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<ProblemDetail> unexpected(Exception ex, HttpServletRequest request) {
		if (causedByTooLarge(ex)) {
			return respond(Problems.of(ProblemType.PAYLOAD_TOO_LARGE, "The request body is too large.",
					Problems.safeInstance(request)));
		}
		String contentType = request.getContentType();
		if (contentType != null && contentType.contains("*")) {
			// Spring refuses a wildcard Content-Type with an IllegalArgumentException
			return respond(Problems.of(ProblemType.UNSUPPORTED_MEDIA_TYPE,
					"Content-Type must be a concrete media type (application/json).", Problems.safeInstance(request)));
		}
		LOG.error("event=api.internal_error path=" + Problems.safeInstance(request), ex);
		return respond(Problems.of(ProblemType.INTERNAL_ERROR, "Unexpected error; it has been logged.",
				Problems.safeInstance(request)));
	}

	@Override
	protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<Map<String, String>> errors = ex.getBindingResult()
			.getFieldErrors()
			.stream()
			.map(ProblemHandler::fieldError)
			.toList();
		ProblemDetail problem = Problems.of(ProblemType.INVALID_REQUEST, "The request body is not valid.",
				instance(request));
		problem.setProperty("errors", errors);
		return new ResponseEntity<>(problem, problemHeaders(), problem.getStatus());
	}

	private static Map<String, String> fieldError(FieldError error) {
		String message = error.getDefaultMessage() == null ? "invalid" : error.getDefaultMessage();
		return Map.of("field", error.getField(), "message", message);
	}

	@Override
	protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
			HttpStatusCode statusCode, WebRequest request) {
		if (causedByTooLarge(ex)) {
			ProblemDetail problem = Problems.of(ProblemType.PAYLOAD_TOO_LARGE, "The request body is too large.",
					instance(request));
			return new ResponseEntity<>(problem, problemHeaders(), problem.getStatus());
		}
		ProblemType type = BY_STATUS.getOrDefault(statusCode.value(),
				statusCode.is4xxClientError() ? ProblemType.INVALID_REQUEST : ProblemType.INTERNAL_ERROR);
		// Spring's own details are safe and short ("Failed to read request", "Method 'PATCH' is not
		// supported."), but never echo a parser's message that may quote the body.
		String detail = (body instanceof ProblemDetail pd && pd.getDetail() != null && type != ProblemType.INVALID_REQUEST)
				? pd.getDetail() : defaultDetail(type);
		ProblemDetail problem = Problems.of(type, detail, instance(request));
		problem.setStatus(statusCode.value());
		HttpHeaders merged = new HttpHeaders();
		if (headers != null) {
			merged.putAll(headers);
		}
		merged.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		return new ResponseEntity<>(problem, merged, statusCode);
	}

	private static String defaultDetail(ProblemType type) {
		return switch (type) {
			case INVALID_REQUEST -> "The request is malformed or has a value of the wrong type.";
			case NOT_FOUND -> "No such resource.";
			default -> type.title() + ".";
		};
	}

	private static boolean causedByTooLarge(Throwable ex) {
		for (Throwable t = ex; t != null; t = t.getCause()) {
			if (t instanceof PayloadTooLargeException) {
				return true;
			}
		}
		return false;
	}

	private static String instance(WebRequest request) {
		return request instanceof ServletWebRequest swr ? Problems.safeInstance(swr.getRequest()) : null;
	}

	private static HttpHeaders problemHeaders() {
		HttpHeaders headers = new HttpHeaders();
		headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		return headers;
	}

	private static ResponseEntity<ProblemDetail> respond(ProblemDetail problem) {
		return ResponseEntity.status(problem.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

}
