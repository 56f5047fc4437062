package io.ov2ha.controller.web;

import java.io.IOException;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.webmvc.error.ErrorController;

import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors raised by the servlet container itself (a rejected URL, an exception outside Spring
 * MVC) are forwarded to {@code /error}: answer them as problem+json too, never as HTML or
 * with a stack trace.
 */
@Hidden
@RestController
class ProblemErrorController implements ErrorController {

	@RequestMapping("/error")
	void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
		Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
		int status = code instanceof Integer i ? i : 500;
		ProblemType type = switch (status) {
			case 400 -> ProblemType.INVALID_REQUEST;
			case 401 -> ProblemType.UNAUTHORIZED;
			case 403 -> ProblemType.FORBIDDEN;
			case 404 -> ProblemType.NOT_FOUND;
			case 405 -> ProblemType.METHOD_NOT_ALLOWED;
			case 413 -> ProblemType.PAYLOAD_TOO_LARGE;
			case 415 -> ProblemType.UNSUPPORTED_MEDIA_TYPE;
			default -> status >= 500 ? ProblemType.INTERNAL_ERROR : ProblemType.INVALID_REQUEST;
		};
		var problem = Problems.of(type, type == ProblemType.INVALID_REQUEST ? "The request was rejected." : type.title() + ".",
				null);
		problem.setStatus(status);
		Problems.write(request, response, problem, java.util.Map.of());
	}

}
