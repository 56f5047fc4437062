package io.ov2ha.controller.security;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.StringUtils;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.LocalCredentials;
import io.ov2ha.controller.support.Secrets;

/**
 * The users of the API, from configuration: recorder, admin, and the optional read-only
 * metrics user (only {@code GET /actuator/prometheus}; exists when {@code HA_METRICS_PASSWORD}
 * is set, which the installer does). Only SHA-256 digests of the credentials are
 * kept; a login is checked by comparing digests in constant time (microseconds, so that
 * thousands of recorder heartbeats per second stay cheap, unlike a password hash per request).
 *
 * <p>
 * Production profile: both passwords must be set (at least {@value #MIN_PASSWORD_LENGTH}
 * characters). Local profile: a missing password is generated once, printed once, and kept in
 * {@code <data-dir>/local-credentials.env} (mode 600) for the next starts.
 */
final class ConfiguredUsers {

	static final int MIN_PASSWORD_LENGTH = 12;

	static final String LOCAL_CREDENTIALS_FILE = LocalCredentials.FILE_NAME;

	static final int GENERATED_PASSWORD_LENGTH = 24;

	private static final Log LOG = LogFactory.getLog(ConfiguredUsers.class);

	private final User recorder;

	private final User admin;

	/** Null: no metrics user (HA_METRICS_PASSWORD empty). */
	private final User metrics;

	private ConfiguredUsers(User recorder, User admin, User metrics) {
		this.recorder = recorder;
		this.admin = admin;
		this.metrics = metrics;
	}

	record User(String username, byte[] usernameDigest, byte[] passwordDigest, String role) {
	}

	static ConfiguredUsers from(HaProperties properties, PrintStream console) {
		HaProperties.Security s = properties.security();
		String recorderName = required(s.recorderUsername(), "HA_RECORDER_USERNAME");
		String adminName = required(s.adminUsername(), "HA_ADMIN_USERNAME");
		if (recorderName.equals(adminName)) {
			throw new ConfigurationException("HA_RECORDER_USERNAME and HA_ADMIN_USERNAME are the same.",
					"Give the recorder and the admin different user names.");
		}
		String recorderPassword = s.recorderPassword();
		String adminPassword = s.adminPassword();
		if (properties.production()) {
			check(recorderPassword, "HA_RECORDER_PASSWORD");
			check(adminPassword, "HA_ADMIN_PASSWORD");
		}
		else if (!StringUtils.hasText(recorderPassword) || !StringUtils.hasText(adminPassword)) {
			LocalCredentials.Values local = localCredentials(properties.dataDir(), console, recorderName, adminName);
			recorderPassword = StringUtils.hasText(recorderPassword) ? recorderPassword
					: local.get("HA_RECORDER_PASSWORD");
			adminPassword = StringUtils.hasText(adminPassword) ? adminPassword : local.get("HA_ADMIN_PASSWORD");
		}
		return new ConfiguredUsers(user(recorderName, recorderPassword, "RECORDER"),
				user(adminName, adminPassword, "ADMIN"), metricsUser(s, recorderName, adminName));
	}

	/** The read-only metrics user, or null when HA_METRICS_PASSWORD is empty (no default password). */
	private static User metricsUser(HaProperties.Security s, String recorderName, String adminName) {
		if (!StringUtils.hasText(s.metricsPassword())) {
			return null;
		}
		String name = required(s.metricsUsername(), "HA_METRICS_USERNAME");
		if (name.equals(recorderName) || name.equals(adminName)) {
			throw new ConfigurationException("HA_METRICS_USERNAME is the same as HA_RECORDER_USERNAME or HA_ADMIN_USERNAME.",
					"Give the metrics user its own name.");
		}
		check(s.metricsPassword(), "HA_METRICS_PASSWORD");
		return user(name, s.metricsPassword(), "METRICS");
	}

	/** The role of matching credentials, or null. Constant time in the inputs' content. */
	String authenticate(String username, String password) {
		byte[] name = Secrets.sha256(username);
		byte[] pass = Secrets.sha256(password);
		String role = null;
		for (User user : new User[] { recorder, admin, metrics }) {
			if (user == null) {
				continue;
			}
			boolean nameOk = MessageDigest.isEqual(name, user.usernameDigest());
			boolean passOk = MessageDigest.isEqual(pass, user.passwordDigest());
			if (nameOk & passOk) {
				role = user.role();
			}
		}
		return role;
	}

	private static User user(String name, String password, String role) {
		return new User(name, Secrets.sha256(name), Secrets.sha256(password), role);
	}

	private static String required(String value, String variable) {
		if (!StringUtils.hasText(value)) {
			throw new ConfigurationException(variable + " is empty.", "Set " + variable + ".");
		}
		return value.trim();
	}

	private static void check(String password, String variable) {
		if (!StringUtils.hasText(password)) {
			throw new ConfigurationException(
					variable + " is not set; the production profile has no default passwords.",
					"Set " + variable + " (at least " + MIN_PASSWORD_LENGTH + " characters; the installer generates one),"
							+ " or run with HA_PROFILE=local for a local trial.");
		}
		if (password.length() < MIN_PASSWORD_LENGTH) {
			throw new ConfigurationException(variable + " is shorter than " + MIN_PASSWORD_LENGTH + " characters.",
					"Use a longer random password for " + variable + ".");
		}
	}

	private static LocalCredentials.Values localCredentials(Path dataDir, PrintStream console, String recorderName,
			String adminName) {
		Map<String, Supplier<String>> wanted = new LinkedHashMap<>();
		wanted.put("HA_RECORDER_USERNAME", () -> recorderName);
		wanted.put("HA_RECORDER_PASSWORD", () -> Secrets.random(GENERATED_PASSWORD_LENGTH));
		wanted.put("HA_ADMIN_USERNAME", () -> adminName);
		wanted.put("HA_ADMIN_PASSWORD", () -> Secrets.random(GENERATED_PASSWORD_LENGTH));
		LocalCredentials.Values local;
		try {
			local = LocalCredentials.getOrGenerate(dataDir, wanted);
		}
		catch (IOException ex) {
			throw new ConfigurationException("Cannot read or write " + dataDir.resolve(LOCAL_CREDENTIALS_FILE) + ": "
					+ ex.getMessage(), "Set HA_RECORDER_PASSWORD and HA_ADMIN_PASSWORD, or make HA_DATA_DIR writable.");
		}
		if (!local.generated()) {
			LOG.info("event=security.local_credentials file=" + local.file() + " generated=false");
			return local;
		}
		// Printed once, on the console only, when the passwords are generated (local mode).
		console.println("Local mode: generated API credentials (kept in " + local.file() + ", mode 600):");
		console.println("  recorder: " + recorderName + " / " + local.get("HA_RECORDER_PASSWORD"));
		console.println("  admin:    " + adminName + " / " + local.get("HA_ADMIN_PASSWORD"));
		return local;
	}

}
