package io.ov2ha.controller.web;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * HTTPS for the API ({@code ha.tls.*}): PEM files of the server certificate (chain) and its
 * private key. Both empty: plain HTTP (loopback, or behind a TLS reverse proxy).
 *
 * @param certificate path of the PEM certificate, leaf first ({@code HA_TLS_CERTIFICATE})
 * @param privateKey path of the PEM private key, unencrypted ({@code HA_TLS_PRIVATE_KEY})
 */
@ConfigurationProperties("ha.tls")
record TlsProperties(String certificate, String privateKey) {

	TlsProperties {
		certificate = certificate == null ? "" : certificate.trim();
		privateKey = privateKey == null ? "" : privateKey.trim();
	}

	boolean enabled() {
		return !certificate.isEmpty() || !privateKey.isEmpty();
	}

}
