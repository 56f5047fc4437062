package io.ov2ha.controller.web;

import java.util.Map;

/**
 * A request the API refuses, with the problem it maps to. Thrown by the features, turned into
 * {@code application/problem+json} by {@link ProblemHandler}. The detail must never contain a
 * secret; extra properties are added to the problem body.
 */
public class ApiException extends RuntimeException {

	private final ProblemType problem;

	private final transient Map<String, Object> properties;

	public ApiException(ProblemType problem, String detail) {
		this(problem, detail, Map.of());
	}

	public ApiException(ProblemType problem, String detail, Map<String, Object> properties) {
		super(detail, null, false, false);
		this.problem = problem;
		this.properties = Map.copyOf(properties);
	}

	public ProblemType problem() {
		return problem;
	}

	public Map<String, Object> properties() {
		return properties;
	}

}
