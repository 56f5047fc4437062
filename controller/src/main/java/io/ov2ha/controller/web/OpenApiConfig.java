package io.ov2ha.controller.web;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.HeaderParameter;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;

/**
 * The OpenAPI document: HTTP Basic scheme, the problem+json schema, and for every operation
 * its roles ({@link ApiRoles}) and its error responses with examples ({@link ApiErrors}).
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {

	static final String BASIC = "basicAuth";

	static final String PROBLEM_SCHEMA = "Problem";

	@Bean
	OpenAPI openApi() {
		ObjectSchema problem = new ObjectSchema();
		problem.description("RFC 9457 problem details; `type` is stable and names the problem.");
		problem.addProperty("type", new StringSchema().example(ProblemType.URN_PREFIX + "stale-epoch"));
		problem.addProperty("title", new StringSchema());
		problem.addProperty("status", new IntegerSchema());
		problem.addProperty("detail", new StringSchema());
		problem.addProperty("instance", new StringSchema());
		return new OpenAPI()
			.info(new Info().title("OV2 HA Recorder controller API")
				.version("v1")
				.description("""
						Keeps the state of every OpenVidu 2 COMPOSED recording, fails a dead recorder over to a \
						backup, and joins the chunks into OpenVidu's final MP4.

						Authentication: HTTP Basic. Two roles: **RECORDER** (the recorder containers: register, \
						heartbeat, chunk reports) and **ADMIN** (operators; may also call recorder operations). \
						Each operation lists its roles in `x-roles`. State-changing calls with ADMIN credentials \
						must send `X-Requested-By` (any value; Swagger UI fills it in), which keeps other web \
						pages from using an admin's cached credentials. Errors are `application/problem+json` \
						(RFC 9457) with a stable `type`.""")
				.license(new License().name("Apache-2.0")))
			.components(new Components()
				.addSecuritySchemes(BASIC,
						new SecurityScheme().type(SecurityScheme.Type.HTTP)
							.scheme("basic")
							.description("Recorder or admin credentials (HA_RECORDER_* / HA_ADMIN_*)."))
				.addSchemas(PROBLEM_SCHEMA, problem));
	}

	@Bean
	OperationCustomizer rolesAndProblems() {
		return (operation, handler) -> {
			ApiRoles roles = handler.getMethodAnnotation(ApiRoles.class);
			ApiErrors errors = handler.getMethodAnnotation(ApiErrors.class);
			Set<ProblemType> problems = new LinkedHashSet<>();
			problems.add(ProblemType.INVALID_REQUEST);
			if (roles != null && roles.value().length > 0) {
				operation.addExtension("x-roles", List.of(roles.value()));
				operation.addSecurityItem(new SecurityRequirement().addList(BASIC));
				String who = "Roles: " + String.join(", ", roles.value()) + ".";
				operation.setDescription(operation.getDescription() == null ? who : operation.getDescription() + "\n\n" + who);
				problems.add(ProblemType.UNAUTHORIZED);
				problems.add(ProblemType.FORBIDDEN);
			}
			else if (roles != null) {
				operation.addExtension("x-roles", List.of());
			}
			if (errors != null) {
				problems.addAll(List.of(errors.value()));
			}
			if (roles != null && List.of(roles.value()).contains("ADMIN") && changesState(handler)) {
				operation.addParametersItem(requestedByHeader(roles.value().length == 1));
				problems.add(ProblemType.REQUESTED_BY_REQUIRED);
			}
			problems.add(ProblemType.PAYLOAD_TOO_LARGE);
			problems.add(ProblemType.DEPENDENCY_UNAVAILABLE);
			ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
			Map<Integer, List<ProblemType>> byStatus = new LinkedHashMap<>();
			for (ProblemType p : problems) {
				byStatus.computeIfAbsent(p.status().value(), s -> new ArrayList<>()).add(p);
			}
			byStatus.forEach((status, types) -> responses.addApiResponse(Integer.toString(status), problemResponse(types)));
			operation.setResponses(responses);
			return operation;
		};
	}

	private static boolean changesState(HandlerMethod handler) {
		RequestMapping mapping = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), RequestMapping.class);
		return mapping != null && Arrays.stream(mapping.method())
			.anyMatch(m -> m == RequestMethod.POST || m == RequestMethod.PUT || m == RequestMethod.DELETE
					|| m == RequestMethod.PATCH);
	}

	/**
	 * The {@value ApiRoles#REQUESTED_BY_HEADER} header, with a default so that Swagger UI fills it in and sends
	 * it. Required on admin-only operations; on recorder operations only when called as ADMIN.
	 */
	private static Parameter requestedByHeader(boolean adminOnly) {
		return new HeaderParameter().name(ApiRoles.REQUESTED_BY_HEADER)
			.required(adminOnly)
			.description((adminOnly ? "Required, any non-empty value." : "Required when calling with ADMIN credentials"
					+ " (any non-empty value); recorders do not send it.")
					+ " Browsers cannot send it cross-site without a CORS preflight (which this server never grants),"
					+ " so a page elsewhere cannot use an admin's cached credentials; without it: 403 "
					+ ProblemType.REQUESTED_BY_REQUIRED.type() + ".")
			.schema(new StringSchema()._default("swagger-ui").example("ov2-ha-recorder"));
	}

	private static ApiResponse problemResponse(List<ProblemType> types) {
		var mediaType = new io.swagger.v3.oas.models.media.MediaType()
			.schema(new ObjectSchema().$ref("#/components/schemas/" + PROBLEM_SCHEMA));
		for (ProblemType type : types) {
			Map<String, Object> example = new LinkedHashMap<>();
			example.put("type", type.type().toString());
			example.put("title", type.title());
			example.put("status", type.status().value());
			example.put("detail", type.title() + ".");
			mediaType.addExamples(type.name().toLowerCase().replace('_', '-'), new Example().value(example));
		}
		String description = String.join(" | ", types.stream().map(ProblemType::title).toList());
		return new ApiResponse().description(description)
			.content(new Content().addMediaType(MediaType.APPLICATION_PROBLEM_JSON_VALUE, mediaType));
	}

}
