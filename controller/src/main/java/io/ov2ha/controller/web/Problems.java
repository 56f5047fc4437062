package io.ov2ha.controller.web;

import java.io.IOException;
import java.net.URI;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

import tools.jackson.databind.json.JsonMapper;

/** Builds problem documents, and writes them from filters that run outside Spring MVC. */
public final class Problems {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private Problems() {
	}

	public static ProblemDetail of(ProblemType type, String detail, String instance) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(type.status(), detail);
		problem.setType(type.type());
		problem.setTitle(type.title());
		if (instance != null) {
			problem.setInstance(URI.create(instance));
		}
		return problem;
	}

	public static ProblemDetail of(ApiException ex, String instance) {
		ProblemDetail problem = of(ex.problem(), ex.getMessage(), instance);
		ex.properties().forEach(problem::setProperty);
		return problem;
	}

	/** Writes a problem straight to the servlet response (filters, security handlers, /error). */
	public static void write(HttpServletRequest request, HttpServletResponse response, ProblemType type,
			String detail) throws IOException {
		write(request, response, of(type, detail, safeInstance(request)), Map.of());
	}

	public static void write(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem,
			Map<String, String> headers) throws IOException {
		if (response.isCommitted()) {
			return;
		}
		response.resetBuffer();
		response.setStatus(problem.getStatus());
		headers.forEach(response::setHeader);
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		response.setCharacterEncoding("UTF-8");
		response.getOutputStream().write(JSON.writeValueAsBytes(toMap(problem)));
		response.flushBuffer();
	}

	private static Map<String, Object> toMap(ProblemDetail problem) {
		var map = new java.util.LinkedHashMap<String, Object>();
		map.put("type", problem.getType().toString());
		map.put("title", problem.getTitle());
		map.put("status", problem.getStatus());
		if (problem.getDetail() != null) {
			map.put("detail", problem.getDetail());
		}
		if (problem.getInstance() != null) {
			map.put("instance", problem.getInstance().toString());
		}
		if (problem.getProperties() != null) {
			map.putAll(problem.getProperties());
		}
		return map;
	}

	/**
	 * The request path as a problem {@code instance}, only when it is plain ASCII without
	 * characters that need escaping; otherwise none (a rejected path is never echoed).
	 */
	public static String safeInstance(HttpServletRequest request) {
		String uri = request.getRequestURI();
		if (uri == null || uri.length() > 300 || !uri.matches("[A-Za-z0-9_~./-]*")) {
			return null;
		}
		return uri;
	}

}
