package io.ov2ha.controller.webhook;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.LocalCredentials;
import io.ov2ha.controller.support.Secrets;

/**
 * The token OpenVidu must send with every webhook ({@code HA_WEBHOOK_TOKEN}). Only its SHA-256
 * digest is kept; a request is checked by comparing digests in constant time.
 *
 * <p>
 * OpenVidu sends it as {@code Authorization: Bearer <token>} (the installer puts that into
 * {@code OPENVIDU_WEBHOOK_HEADERS}); {@code X-OV2HA-Webhook-Token: <token>} is accepted too, for
 * setups that keep their own Authorization header for the relay. Production: the token must be
 * set (at least {@value #MIN_LENGTH} characters). Local mode: a missing token is generated once,
 * printed once, and kept in the same {@code <data-dir>/local-credentials.env} as the generated
 * passwords.
 */
final class WebhookToken {

	static final int MIN_LENGTH = 16;

	static final String VARIABLE = "HA_WEBHOOK_TOKEN";

	static final String HEADER = "X-OV2HA-Webhook-Token";

	/** The local-mode credentials file shared with the generated API passwords. */
	static final String LOCAL_CREDENTIALS_FILE = LocalCredentials.FILE_NAME;

	static final int GENERATED_LENGTH = 32;

	private static final Log LOG = LogFactory.getLog(WebhookToken.class);

	private final byte[] digest;

	private WebhookToken(String token) {
		this.digest = Secrets.sha256(token);
	}

	static WebhookToken from(HaProperties properties, WebhookProperties webhook, PrintStream console) {
		String token = webhook.token();
		if (properties.production()) {
			if (token.isEmpty()) {
				throw new ConfigurationException(
						VARIABLE + " is not set; the production profile needs the token OpenVidu sends with its webhooks.",
						"Set " + VARIABLE + " (at least " + MIN_LENGTH + " random characters; the installer generates one)"
								+ " and put [\"Authorization: Bearer <token>\"] into OpenVidu's OPENVIDU_WEBHOOK_HEADERS,"
								+ " or run with HA_PROFILE=local for a local trial.");
			}
		}
		else if (token.isEmpty()) {
			token = local(properties.dataDir(), console);
		}
		if (token.length() < MIN_LENGTH) {
			throw new ConfigurationException(VARIABLE + " is shorter than " + MIN_LENGTH + " characters.",
					"Use a longer random token for " + VARIABLE + ".");
		}
		if (!token.matches("[\\x21-\\x7e]+")) {
			throw new ConfigurationException(VARIABLE + " contains spaces or characters that are not printable ASCII.",
					"Use letters, digits and punctuation only (it travels in an HTTP header).");
		}
		return new WebhookToken(token);
	}

	/**
	 * Whether the request carries the token, as {@code Authorization: Bearer <token>} or in
	 * {@value #HEADER}. Constant time in the content of the values.
	 */
	boolean matches(String authorization, String tokenHeader) {
		boolean bearer = MessageDigest.isEqual(digest, Secrets.sha256(bearer(authorization)));
		boolean header = MessageDigest.isEqual(digest, Secrets.sha256(tokenHeader == null ? "" : tokenHeader.trim()));
		return bearer | header;
	}

	/** Whether an Authorization header value is this token (never relayed, even when forwarding). */
	boolean isToken(String authorization) {
		return MessageDigest.isEqual(digest, Secrets.sha256(bearer(authorization)));
	}

	private static String bearer(String authorization) {
		if (authorization == null || authorization.length() < 7
				|| !authorization.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
			return "";
		}
		return authorization.substring(7).trim();
	}

	private static String local(Path dataDir, PrintStream console) {
		LocalCredentials.Values local;
		try {
			local = LocalCredentials.getOrGenerate(dataDir, Map.of(VARIABLE, () -> Secrets.random(GENERATED_LENGTH)));
		}
		catch (IOException ex) {
			throw new ConfigurationException("Cannot read or write " + dataDir.resolve(LOCAL_CREDENTIALS_FILE) + ": "
					+ ex.getMessage(), "Set " + VARIABLE + ", or make HA_DATA_DIR writable.");
		}
		String token = local.get(VARIABLE);
		if (!local.generated()) {
			LOG.info("event=webhook.local_token file=" + local.file() + " generated=false");
			return token;
		}
		// Printed once, on the console only, when the token is generated (local mode).
		console.println("Local mode: generated webhook token (kept in " + local.file() + ", mode 600). Configure OpenVidu with:");
		console.println("  OPENVIDU_WEBHOOK_HEADERS=[\"Authorization: Bearer " + token + "\"]");
		return token;
	}

}
