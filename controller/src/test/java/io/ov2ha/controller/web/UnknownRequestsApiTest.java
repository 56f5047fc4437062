package io.ov2ha.controller.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;

/**
 * Requests for nothing the API serves are the client's mistake: {@code /error} asked for
 * directly is 404, a method the server does not implement (CONNECT, WebDAV) is 405. Always
 * problem+json, never a 5xx, and never counted as a server error in the metrics (issue 15, item 9).
 */
@ControllerTest
class UnknownRequestsApiTest {

	@LocalServerPort
	int port;

	@Test
	void errorAskedForDirectlyIs404() {
		for (Api api : new Api[] { Api.at(port).anonymous(), Api.at(port).asAdmin(), Api.at(port).asRecorder() }) {
			for (String method : new String[] { "GET", "POST", "PUT", "DELETE" }) {
				Api.Response response = api.send(method, "/error", null);
				assertThat(response.status()).as(method + " /error").isEqualTo(404);
				assertThat(response.isProblem()).isTrue();
				assertThat(response.problem()).isEqualTo("not-found");
			}
		}
	}

	@Test
	void unknownMethodsAre405ProblemsAndNeverServerErrors() throws IOException {
		double before = serverErrors();
		for (String method : new String[] { "CONNECT", "PROPFIND", "MKCOL", "FOO" }) {
			for (String target : new String[] { "/api/recordings", "/actuator/health", "/error", "/nothing" }) {
				String requestTarget = method.equals("CONNECT") ? "127.0.0.1:" + port : target;
				String answer = raw(method + " " + requestTarget + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
				String statusLine = answer.substring(0, answer.indexOf("\r\n"));
				int status = Integer.parseInt(statusLine.split(" ")[1]);
				assertThat(status).as(method + " " + requestTarget + ": " + answer).isBetween(400, 499);
				assertThat(answer).as(method + " " + requestTarget).doesNotContain("internal-error");
				if (method.equals("CONNECT")) {
					assertThat(status).isEqualTo(405);
					assertThat(answer).contains("application/problem+json").contains("method-not-allowed");
				}
			}
		}
		Api.at(port).anonymous().get("/error");
		assertThat(serverErrors()).as("requests counted as server errors").isEqualTo(before);
	}

	/** http.server.requests counted with outcome SERVER_ERROR, as Prometheus scrapes them. */
	private double serverErrors() {
		String metrics = Api.at(port).asAdmin().get("/actuator/prometheus").body();
		double sum = 0;
		for (String line : metrics.split("\n")) {
			if (line.startsWith("http_server_requests_seconds_count{") && line.contains("outcome=\"SERVER_ERROR\"")) {
				sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
			}
		}
		return sum;
	}

	private String raw(String request) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(request.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
		}
	}

}
