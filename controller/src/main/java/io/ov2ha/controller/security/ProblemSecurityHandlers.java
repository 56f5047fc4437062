package io.ov2ha.controller.security;

import java.io.IOException;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;

import io.ov2ha.controller.web.ProblemType;
import io.ov2ha.controller.web.Problems;

/** 401, 403 and firewall rejections as problem+json. */
final class ProblemSecurityHandlers implements AuthenticationEntryPoint, AccessDeniedHandler, RequestRejectedHandler {

	static final String REALM = "ov2-ha-recorder";

	@Override
	public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException ex)
			throws IOException {
		var problem = Problems.of(ProblemType.UNAUTHORIZED, "Send valid HTTP Basic credentials.",
				Problems.safeInstance(request));
		Problems.write(request, response, problem, Map.of("WWW-Authenticate", "Basic realm=\"" + REALM + "\""));
	}

	@Override
	public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException ex)
			throws IOException {
		Problems.write(request, response, ProblemType.FORBIDDEN, "These credentials may not call this operation.");
	}

	@Override
	public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException ex)
			throws IOException {
		Problems.write(request, response, ProblemType.INVALID_REQUEST,
				"The request URL is not allowed (encoded separators, traversal or control characters).");
	}

}
