package io.ov2ha.controller.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import tools.jackson.databind.JsonNode;

/**
 * The Postman collection ({@code postman/}) covers exactly the API: every operation of the
 * live OpenAPI document is in it, and every request in it names an operation that exists.
 * Paths are compared with their parameters blanked: {@code /api/recordings/{id}} and
 * {@code {{baseUrl}}/api/recordings/{{recordingId}}} are the same operation.
 */
@ControllerTest
class PostmanCollectionTest {

	static final Path COLLECTION = Path.of("../postman/ov2-ha-recorder.postman_collection.json");

	static final Path ENVIRONMENT = Path.of("../postman/ov2-ha-recorder.postman_environment.json");

	/** Requests outside the OpenAPI document by design: actuator endpoints and the document itself. */
	static final Set<String> NOT_IN_OPENAPI = Set.of("GET /actuator/health", "GET /actuator/health/liveness",
			"GET /actuator/prometheus", "GET /v3/api-docs");

	private static final Pattern VARIABLE = Pattern.compile("\\{\\{([A-Za-z0-9_]+)}}");

	@LocalServerPort
	int port;

	@Test
	void everyOpenApiOperationIsInTheCollection() throws IOException {
		Set<String> missing = new TreeSet<>(openApiOperations());
		missing.removeAll(collectionRequests());
		assertThat(missing).as("OpenAPI operations missing from " + COLLECTION).isEmpty();
	}

	@Test
	void everyRequestOfTheCollectionNamesAnExistingOperation() throws IOException {
		Set<String> unknown = new TreeSet<>(collectionRequests());
		unknown.removeAll(openApiOperations());
		unknown.removeAll(NOT_IN_OPENAPI);
		assertThat(unknown).as("requests in " + COLLECTION + " that the controller does not serve").isEmpty();
	}

	@Test
	void everyVariableTheCollectionUsesIsInTheEnvironmentAndSecretsAreEmpty() throws IOException {
		String collection = Files.readString(COLLECTION);
		JsonNode environment = Api.JSON.readTree(Files.readString(ENVIRONMENT));
		Set<String> defined = new TreeSet<>();
		for (JsonNode value : environment.path("values")) {
			defined.add(value.path("key").asString());
			if ("secret".equals(value.path("type").asString())) {
				assertThat(value.path("value").asString()).as("secret " + value.path("key").asString()).isEmpty();
			}
		}
		Set<String> used = new TreeSet<>();
		Matcher m = VARIABLE.matcher(collection);
		while (m.find()) {
			used.add(m.group(1));
		}
		assertThat(defined).as(ENVIRONMENT + " defines every variable of the collection").containsAll(used);
		assertThat(defined).contains("adminPassword", "recorderPassword", "webhookToken");
	}

	@Test
	void everyOperationThatRequiresXRequestedBySendsItInTheCollection() throws IOException {
		JsonNode spec = Api.at(port).anonymous().get("/v3/api-docs").json();
		Set<String> required = new TreeSet<>();
		spec.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
			for (JsonNode p : op.getValue().path("parameters")) {
				if ("X-Requested-By".equals(p.path("name").asString()) && p.path("required").asBoolean()) {
					required.add(op.getKey().toUpperCase() + " " + blank(path.getKey()));
				}
			}
		}));
		assertThat(required).contains("POST /api/recordings/{}/stop", "DELETE /api/recordings/{}");
		Set<String> sending = new TreeSet<>();
		collectSending(Api.JSON.readTree(Files.readString(COLLECTION)).path("item"), sending);
		assertThat(sending).as("requests of " + COLLECTION + " with X-Requested-By").containsAll(required);
	}

	private static void collectSending(JsonNode items, Set<String> into) {
		for (JsonNode item : items) {
			collectSending(item.path("item"), into);
			JsonNode request = item.path("request");
			for (JsonNode header : request.path("header")) {
				if ("X-Requested-By".equals(header.path("key").asString()) && !header.path("value").asString().isBlank()) {
					StringBuilder path = new StringBuilder();
					request.path("url").path("path").forEach(segment -> path.append('/').append(segment.asString()));
					into.add(request.path("method").asString() + " " + blank(path.toString()));
				}
			}
		}
	}

	private Set<String> openApiOperations() {
		JsonNode spec = Api.at(port).anonymous().get("/v3/api-docs").json();
		Set<String> ops = new TreeSet<>();
		spec.path("paths").properties().forEach(path -> path.getValue().properties()
			.forEach(op -> ops.add(op.getKey().toUpperCase() + " " + blank(path.getKey()))));
		assertThat(ops).isNotEmpty();
		return ops;
	}

	private static Set<String> collectionRequests() throws IOException {
		JsonNode collection = Api.JSON.readTree(Files.readString(COLLECTION));
		assertThat(collection.path("info").path("schema").asString()).contains("v2.1.0");
		Set<String> requests = new TreeSet<>();
		collect(collection.path("item"), requests);
		assertThat(requests).isNotEmpty();
		return requests;
	}

	private static void collect(JsonNode items, Set<String> into) {
		for (JsonNode item : items) {
			if (item.has("item")) {
				collect(item.path("item"), into);
			}
			JsonNode request = item.path("request");
			if (request.isObject()) {
				StringBuilder path = new StringBuilder();
				for (JsonNode segment : request.path("url").path("path")) {
					path.append('/').append(segment.asString());
				}
				assertThat(request.path("url").path("raw").asString()).as(item.path("name").asString())
					.startsWith("{{baseUrl}}" + path);
				assertThat(item.path("event").size()).as(item.path("name").asString() + " has a test script").isPositive();
				into.add(request.path("method").asString() + " " + blank(path.toString()));
			}
		}
	}

	/** Path parameters, OpenAPI ({id}) or Postman ({{recordingId}}, :id), become {}. */
	static String blank(String path) {
		return path.replaceAll("\\{\\{[^}]*}}", "{}").replaceAll("\\{[^}/]+}", "{}").replaceAll("/:[^/]+", "/{}");
	}

}
