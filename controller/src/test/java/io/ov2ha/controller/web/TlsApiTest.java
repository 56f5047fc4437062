package io.ov2ha.controller.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.TestSecrets;

/**
 * HTTPS with HA_TLS_CERTIFICATE / HA_TLS_PRIVATE_KEY: a self-signed certificate made by openssl
 * for this test, a real TLS handshake trusting only it, and clear startup errors otherwise.
 */
@ControllerTest
class TlsApiTest {

	static final Path DIR = certificate();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void tls(DynamicPropertyRegistry registry) {
		registry.add("ha.tls.certificate", () -> DIR.resolve("cert.pem").toString());
		registry.add("ha.tls.private-key", () -> DIR.resolve("key.pem").toString());
	}

	/** A fresh self-signed certificate for 127.0.0.1 / localhost (openssl). */
	private static Path certificate() {
		try {
			Path dir = Files.createTempDirectory("ov2ha-tls");
			Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
					"-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout",
					dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString())
				.redirectErrorStream(true)
				.redirectOutput(dir.resolve("openssl.log").toFile())
				.start();
			if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
				throw new IllegalStateException("openssl failed: " + Files.readString(dir.resolve("openssl.log")));
			}
			return dir;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** A client that trusts exactly the test certificate (and verifies the host name). */
	private static HttpClient trustingClient() throws Exception {
		KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
		trust.load(null, null);
		try (InputStream in = Files.newInputStream(DIR.resolve("cert.pem"))) {
			trust.setCertificateEntry("ov2ha", CertificateFactory.getInstance("X.509").generateCertificate(in));
		}
		TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		tmf.init(trust);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, tmf.getTrustManagers(), null);
		return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
	}

	private HttpResponse<String> get(HttpClient client, String scheme, String path) throws Exception {
		String basic = Base64.getEncoder()
			.encodeToString((TestSecrets.ADMIN_USER + ":" + TestSecrets.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
		return client.send(HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(20))
			.header("Authorization", "Basic " + basic)
			.GET()
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void theApiAnswersOverHttpsWithTheConfiguredCertificate() throws Exception {
		HttpResponse<String> health = get(trustingClient(), "https", "/actuator/health");
		assertThat(health.statusCode()).isEqualTo(200);
		assertThat(health.sslSession()).isPresent();
		assertThat(health.sslSession().get().getPeerCertificates()[0].toString()).contains("CN=127.0.0.1");

		assertThat(get(trustingClient(), "https", "/api/recordings?limit=1").statusCode()).isEqualTo(200);
	}

	@Test
	void plainHttpAndClientsThatDoNotTrustTheCertificateGetNoAnswer() {
		assertThatThrownBy(() -> get(HttpClient.newHttpClient(), "https", "/actuator/health"))
			.isInstanceOf(IOException.class);
		assertThatThrownBy(() -> {
			HttpResponse<String> plain = get(HttpClient.newHttpClient(), "http", "/actuator/health");
			// Tomcat may answer a plain request on a TLS port with a 400; never with the API
			assertThat(plain.statusCode()).isEqualTo(400);
			throw new IOException("plain HTTP refused with 400");
		}).isInstanceOf(IOException.class);
	}

	@Test
	void oneFileWithoutTheOtherOrAFileThatIsNoPemIsAClearStartupError() throws IOException {
		String cert = DIR.resolve("cert.pem").toString();
		String key = DIR.resolve("key.pem").toString();
		assertThatThrownBy(() -> TlsConfig.checked(new TlsProperties(cert, "")))
			.isInstanceOf(ConfigurationException.class)
			.hasMessage("HA_TLS_CERTIFICATE is set but HA_TLS_PRIVATE_KEY is not: HTTPS needs both.");
		assertThatThrownBy(() -> TlsConfig.checked(new TlsProperties("", key)))
			.hasMessage("HA_TLS_PRIVATE_KEY is set but HA_TLS_CERTIFICATE is not: HTTPS needs both.");
		assertThatThrownBy(() -> TlsConfig.checked(new TlsProperties(DIR.resolve("missing.pem").toString(), key)))
			.hasMessageContaining("HA_TLS_CERTIFICATE (" + DIR.resolve("missing.pem") + ") is not a readable file");
		assertThatThrownBy(() -> TlsConfig.checked(new TlsProperties(key, key)))
			.hasMessageContaining("holds no PEM certificate");
		assertThatThrownBy(() -> TlsConfig.checked(new TlsProperties(cert, cert)))
			.hasMessageContaining("holds no unencrypted PEM private key");
		assertThat(TlsConfig.checked(new TlsProperties(cert, key)).getCertificate()).endsWith("cert.pem");
	}

}
