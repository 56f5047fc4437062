package io.ov2ha.controller.web;

import java.io.IOException;

import java.util.Map;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;

import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors raised by the servlet container itself (a rejected URL, an exception outside Spring
 * MVC) are forwarded to {@code /error}: answer them as problem+json too, never as HTML or
 * with a stack trace. {@code /error} asked for directly is not found (404), and a method the
 * servlet does not implement (CONNECT, PROPFIND, ...; the container says 501) is a client's
 * mistake: 405. Neither ever counts as a server error.
 */
@Hidden
@RestController
class ProblemErrorController implements ErrorController {

	/** The methods the API uses; the {@code Allow} header of a 405 for an unknown method. */
	static final String ALLOWED_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS";

	@RequestMapping("/error")
	void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
		Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
		if (request.getDispatcherType() != DispatcherType.ERROR || !(code instanceof Integer)) {
			Problems.write(request, response, ProblemType.NOT_FOUND, "No such resource.");
			return;
		}
		int status = answerStatus((Integer) code);
		Map<String, String> headers = status == HttpStatus.METHOD_NOT_ALLOWED.value() && (Integer) code != status
				? Map.of("Allow", ALLOWED_METHODS) : Map.of();
		ProblemType type = typeFor(status);
		var problem = Problems.of(type, type == ProblemType.INVALID_REQUEST ? "The request was rejected." : type.title() + ".",
				null);
		problem.setStatus(status);
		Problems.write(request, response, problem, headers);
	}

	/** The status to answer for the status the container reports: its 501 for an unknown method is a 405. */
	static int answerStatus(int status) {
		return status == HttpStatus.NOT_IMPLEMENTED.value() ? HttpStatus.METHOD_NOT_ALLOWED.value() : status;
	}

	/** The problem type of an error status the container reports. */
	static ProblemType typeFor(int status) {
		return switch (status) {
			case 400 -> ProblemType.INVALID_REQUEST;
			case 401 -> ProblemType.UNAUTHORIZED;
			case 403 -> ProblemType.FORBIDDEN;
			case 404 -> ProblemType.NOT_FOUND;
			case 405 -> ProblemType.METHOD_NOT_ALLOWED;
			case 413 -> ProblemType.PAYLOAD_TOO_LARGE;
			case 415 -> ProblemType.UNSUPPORTED_MEDIA_TYPE;
			default -> status >= 500 ? ProblemType.INTERNAL_ERROR : ProblemType.INVALID_REQUEST;
		};
	}

}
