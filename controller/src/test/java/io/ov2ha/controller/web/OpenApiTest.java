package io.ov2ha.controller.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import tools.jackson.databind.JsonNode;

@ControllerTest
class OpenApiTest {

	@LocalServerPort
	int port;

	record Op(String method, String path, JsonNode node) {
	}

	private List<Op> operations() {
		JsonNode spec = Api.at(port).anonymous().get("/v3/api-docs").json();
		List<Op> ops = new ArrayList<>();
		spec.path("paths").properties().forEach(path -> path.getValue().properties()
			.forEach(op -> ops.add(new Op(op.getKey().toUpperCase(), path.getKey(), op.getValue()))));
		return ops;
	}

	@Test
	void declaresBasicAuthAndTheProblemSchema() {
		JsonNode spec = Api.at(port).anonymous().get("/v3/api-docs").json();
		assertThat(spec.path("components").path("securitySchemes").path("basicAuth").path("scheme").asString())
			.isEqualTo("basic");
		assertThat(spec.path("components").path("schemas").has("Problem")).isTrue();
		assertThat(operations()).extracting(Op::path).contains("/api/recordings", "/api/recordings/{id}/heartbeat");
	}

	@Test
	void everyOperationHasASummaryRolesErrorsAndExamples() {
		for (Op op : operations()) {
			String name = op.method() + " " + op.path();
			assertThat(op.node().path("summary").asString()).as(name).isNotBlank();
			assertThat(op.node().has("x-roles")).as(name + " x-roles").isTrue();
			JsonNode responses = op.node().path("responses");
			assertThat(responses.has("400")).as(name + " 400").isTrue();
			JsonNode problem = responses.path("400").path("content").path("application/problem+json");
			assertThat(problem.path("examples").size()).as(name + " problem examples").isPositive();
			if (op.node().path("x-roles").size() > 0) {
				assertThat(responses.has("401") && responses.has("403")).as(name + " 401/403").isTrue();
				assertThat(op.node().path("security").size()).as(name + " security").isPositive();
			}
		}
	}

	@Test
	void requestBodiesHaveExamples() {
		for (Op op : operations()) {
			if (op.node().has("requestBody")) {
				String ref = op.node().path("requestBody").path("content").path("application/json").path("schema")
					.path("$ref").asString();
				String schema = ref.substring(ref.lastIndexOf('/') + 1);
				JsonNode properties = Api.at(port).anonymous().get("/v3/api-docs").json().path("components")
					.path("schemas").path(schema).path("properties");
				properties.properties().forEach(p -> assertThat(p.getValue().has("example") || p.getValue().has("$ref")
						|| "object".equals(p.getValue().path("type").asString()))
					.as(op.path() + " " + schema + "." + p.getKey())
					.isTrue());
			}
		}
	}

	/** The documented roles are the enforced ones: a recorder gets 403 exactly where it is not listed. */
	@Test
	void documentedRolesMatchTheSecurityRules() {
		Api recorder = Api.at(port).asRecorder();
		for (Op op : operations()) {
			List<String> roles = new ArrayList<>();
			op.node().path("x-roles").forEach(r -> roles.add(r.asString()));
			if (roles.isEmpty()) {
				continue;
			}
			String path = op.path().replace("{id}", "ses_rolecheck");
			Api.Response response = recorder.send(op.method(), path,
					op.node().has("requestBody") ? Map.of() : null);
			if (roles.contains("RECORDER")) {
				assertThat(response.status()).as(op.method() + " " + path).isNotIn(401, 403);
			}
			else {
				assertThat(response.status()).as(op.method() + " " + path).isEqualTo(403);
			}
		}
	}


	/**
	 * Every state-changing operation an admin may call documents X-Requested-By with a default,
	 * so that Swagger UI fills it in and its calls pass; the documentation and the security rule
	 * agree: an admin call without it is refused, with the documented value it goes through.
	 */
	@Test
	void stateChangingAdminOperationsDocumentXRequestedByAndSwaggerUiCanSendIt() {
		Api admin = Api.at(port).asAdmin().withoutRequestedBy();
		int checked = 0;
		for (Op op : operations()) {
			List<String> roles = new ArrayList<>();
			op.node().path("x-roles").forEach(r -> roles.add(r.asString()));
			boolean changes = List.of("POST", "PUT", "DELETE", "PATCH").contains(op.method());
			JsonNode header = null;
			for (JsonNode p : op.node().path("parameters")) {
				if ("header".equals(p.path("in").asString()) && "X-Requested-By".equals(p.path("name").asString())) {
					header = p;
				}
			}
			String name = op.method() + " " + op.path();
			if (!roles.contains("ADMIN") || !changes) {
				assertThat(header).as(name + " has no X-Requested-By").isNull();
				continue;
			}
			assertThat(header).as(name + " documents X-Requested-By").isNotNull();
			assertThat(header.path("required").asBoolean()).as(name + " required").isEqualTo(roles.size() == 1);
			String value = header.path("schema").path("default").asString("");
			assertThat(value).as(name + " default for Swagger UI").isNotBlank();
			assertThat(op.node().path("responses").path("403").toString()).contains("requested-by-required");

			String path = op.path().replace("{id}", "ses_requestedby_check");
			Object body = op.node().has("requestBody") ? Map.of() : null;
			Api.Response without = admin.send(op.method(), path, body);
			assertThat(without.status()).as(name + " without the header").isEqualTo(403);
			assertThat(without.problem()).as(name).isEqualTo("requested-by-required");
			Api.Response with = Api.at(port).asAdmin().send(op.method(), path, body);
			assertThat(with.problem()).as(name + " with the header").isNotEqualTo("requested-by-required");
			checked++;
		}
		assertThat(checked).as("stop, delete, failover, dead-letter retry and the recorder operations").isGreaterThanOrEqualTo(8);
	}

}
