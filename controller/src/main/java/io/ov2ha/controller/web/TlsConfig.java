package io.ov2ha.controller.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

import io.ov2ha.controller.config.ConfigurationException;

/**
 * Serves the API over HTTPS when {@code HA_TLS_CERTIFICATE} and {@code HA_TLS_PRIVATE_KEY} name
 * PEM files (Spring Boot's {@code server.ssl.certificate} / {@code certificate-private-key}).
 * Both are checked before the server starts: one without the other, an unreadable file or one
 * that holds no certificate / key stops the start with a plain message.
 */
@Configuration(proxyBeanMethods = false)
class TlsConfig {

	private static final Log LOG = LogFactory.getLog(TlsConfig.class);

	/** Last, so that nothing after it replaces the SSL settings. */
	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	WebServerFactoryCustomizer<ConfigurableWebServerFactory> tlsCustomizer(TlsProperties tls) {
		return factory -> {
			if (!tls.enabled()) {
				return;
			}
			Ssl ssl = checked(tls);
			factory.setSsl(ssl);
			LOG.info("event=tls.enabled certificate=" + tls.certificate());
		};
	}

	/** The SSL settings of valid PEM files, or the startup error naming what is wrong. */
	static Ssl checked(TlsProperties tls) {
		if (tls.certificate().isEmpty() || tls.privateKey().isEmpty()) {
			String missing = tls.certificate().isEmpty() ? "HA_TLS_CERTIFICATE" : "HA_TLS_PRIVATE_KEY";
			String set = tls.certificate().isEmpty() ? "HA_TLS_PRIVATE_KEY" : "HA_TLS_CERTIFICATE";
			throw new ConfigurationException(set + " is set but " + missing + " is not: HTTPS needs both.",
					"Set both to PEM files (certificate chain and private key), or neither for plain HTTP.");
		}
		Path certificate = readable(tls.certificate(), "HA_TLS_CERTIFICATE");
		Path key = readable(tls.privateKey(), "HA_TLS_PRIVATE_KEY");
		List<X509Certificate> certificates;
		PrivateKey privateKey;
		try {
			certificates = PemContent.load(certificate).getCertificates();
		}
		catch (IOException | RuntimeException ex) {
			certificates = List.of();
		}
		if (certificates.isEmpty()) {
			throw new ConfigurationException("HA_TLS_CERTIFICATE (" + certificate + ") holds no PEM certificate.",
					"Point HA_TLS_CERTIFICATE to a PEM file starting with -----BEGIN CERTIFICATE-----.");
		}
		try {
			privateKey = PemContent.load(key).getPrivateKey();
		}
		catch (IOException | RuntimeException ex) {
			privateKey = null;
		}
		if (privateKey == null) {
			throw new ConfigurationException("HA_TLS_PRIVATE_KEY (" + key + ") holds no unencrypted PEM private key.",
					"Point HA_TLS_PRIVATE_KEY to the certificate's private key (PKCS#8 or PKCS#1/SEC1 PEM, no passphrase).");
		}
		Ssl ssl = new Ssl();
		ssl.setEnabled(true);
		ssl.setCertificate("file:" + certificate.toAbsolutePath());
		ssl.setCertificatePrivateKey("file:" + key.toAbsolutePath());
		return ssl;
	}

	private static Path readable(String value, String variable) {
		Path path;
		try {
			path = Path.of(value);
		}
		catch (java.nio.file.InvalidPathException ex) {
			throw new ConfigurationException(variable + " is not a file path.", "Set " + variable + " to a PEM file.");
		}
		if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
			throw new ConfigurationException(variable + " (" + path + ") is not a readable file.",
					"Check the path and that the controller's user may read it (in the container: mount it).");
		}
		return path;
	}

}
