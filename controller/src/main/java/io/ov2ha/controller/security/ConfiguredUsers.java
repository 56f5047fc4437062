package io.ov2ha.controller.security;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Properties;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.StringUtils;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.config.HaProperties;

/**
 * The two users of the API, from configuration. Only SHA-256 digests of the credentials are
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

	static final String LOCAL_CREDENTIALS_FILE = "local-credentials.env";

	private static final Log LOG = LogFactory.getLog(ConfiguredUsers.class);

	private final User recorder;

	private final User admin;

	private ConfiguredUsers(User recorder, User admin) {
		this.recorder = recorder;
		this.admin = admin;
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
			Properties local = localCredentials(properties.dataDir(), console, recorderName, adminName);
			recorderPassword = StringUtils.hasText(recorderPassword) ? recorderPassword
					: local.getProperty("HA_RECORDER_PASSWORD");
			adminPassword = StringUtils.hasText(adminPassword) ? adminPassword : local.getProperty("HA_ADMIN_PASSWORD");
		}
		return new ConfiguredUsers(user(recorderName, recorderPassword, "RECORDER"),
				user(adminName, adminPassword, "ADMIN"));
	}

	/** The role of matching credentials, or null. Constant time in the inputs' content. */
	String authenticate(String username, String password) {
		byte[] name = sha256(username);
		byte[] pass = sha256(password);
		String role = null;
		for (User user : new User[] { recorder, admin }) {
			boolean nameOk = MessageDigest.isEqual(name, user.usernameDigest());
			boolean passOk = MessageDigest.isEqual(pass, user.passwordDigest());
			if (nameOk & passOk) {
				role = user.role();
			}
		}
		return role;
	}

	private static User user(String name, String password, String role) {
		return new User(name, sha256(name), sha256(password), role);
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

	private static Properties localCredentials(Path dataDir, PrintStream console, String recorderName,
			String adminName) {
		Path file = dataDir.resolve(LOCAL_CREDENTIALS_FILE).toAbsolutePath();
		Properties props = new Properties();
		try {
			if (Files.isRegularFile(file)) {
				try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
					props.load(reader);
				}
				if (StringUtils.hasText(props.getProperty("HA_RECORDER_PASSWORD"))
						&& StringUtils.hasText(props.getProperty("HA_ADMIN_PASSWORD"))) {
					LOG.info("event=security.local_credentials file=" + file + " generated=false");
					return props;
				}
			}
			props.setProperty("HA_RECORDER_USERNAME", recorderName);
			props.setProperty("HA_RECORDER_PASSWORD", randomPassword());
			props.setProperty("HA_ADMIN_USERNAME", adminName);
			props.setProperty("HA_ADMIN_PASSWORD", randomPassword());
			Files.createDirectories(file.getParent());
			Files.deleteIfExists(file);
			Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
			try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
				writer.write("# Generated by the controller in local mode. Set HA_*_PASSWORD to choose your own.\n");
				for (String key : new String[] { "HA_RECORDER_USERNAME", "HA_RECORDER_PASSWORD", "HA_ADMIN_USERNAME",
						"HA_ADMIN_PASSWORD" }) {
					writer.write(key + "=" + props.getProperty(key) + "\n");
				}
				// keep what other features generated into the same file (e.g. HA_WEBHOOK_TOKEN)
				for (String key : new java.util.TreeSet<>(props.stringPropertyNames())) {
					if (!key.matches("HA_(RECORDER|ADMIN)_(USERNAME|PASSWORD)")) {
						writer.write(key + "=" + props.getProperty(key) + "\n");
					}
				}
			}
		}
		catch (IOException ex) {
			throw new ConfigurationException("Cannot read or write " + file + ": " + ex.getMessage(),
					"Set HA_RECORDER_PASSWORD and HA_ADMIN_PASSWORD, or make HA_DATA_DIR writable.");
		}
		// Printed once, on the console only, when the passwords are generated (local mode).
		console.println("Local mode: generated API credentials (kept in " + file + ", mode 600):");
		console.println("  recorder: " + recorderName + " / " + props.getProperty("HA_RECORDER_PASSWORD"));
		console.println("  admin:    " + adminName + " / " + props.getProperty("HA_ADMIN_PASSWORD"));
		return props;
	}

	private static String randomPassword() {
		String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
		SecureRandom random = new SecureRandom();
		StringBuilder out = new StringBuilder(24);
		for (int i = 0; i < 24; i++) {
			out.append(alphabet.charAt(random.nextInt(alphabet.length())));
		}
		return out.toString();
	}

	static byte[] sha256(String value) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
