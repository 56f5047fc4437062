package io.ov2ha.controller.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.config.HaProperties;

class ConfiguredUsersTest {

	@TempDir
	Path dir;

	private HaProperties properties(HaProperties.Profile profile, String recorderPassword, String adminPassword) {
		return new HaProperties(profile, dir, null, null,
				new HaProperties.Security("recorder", recorderPassword, "admin", adminPassword, null, null), null, null, null, null, null);
	}

	@Test
	void productionWithoutAPasswordIsAStartupErrorNamingTheVariable() {
		assertThatThrownBy(() -> ConfiguredUsers.from(properties(HaProperties.Profile.PRODUCTION, "", "long-enough-pass"),
				System.out))
			.isInstanceOf(ConfigurationException.class)
			.hasMessageContaining("HA_RECORDER_PASSWORD")
			.hasMessageContaining("no default passwords");
		assertThatThrownBy(() -> ConfiguredUsers.from(properties(HaProperties.Profile.PRODUCTION, "long-enough-pass", null),
				System.out))
			.hasMessageContaining("HA_ADMIN_PASSWORD");
	}

	@Test
	void productionRefusesShortPasswords() {
		assertThatThrownBy(() -> ConfiguredUsers.from(properties(HaProperties.Profile.PRODUCTION, "short", "long-enough-pass"),
				System.out))
			.hasMessageContaining("shorter than 12");
	}

	@Test
	void localModeGeneratesPrintsOnceAndKeepsThePasswords() throws Exception {
		ByteArrayOutputStream first = new ByteArrayOutputStream();
		ConfiguredUsers users = ConfiguredUsers.from(properties(HaProperties.Profile.LOCAL, null, null),
				new PrintStream(first, true, StandardCharsets.UTF_8));
		Path file = dir.resolve(ConfiguredUsers.LOCAL_CREDENTIALS_FILE);
		java.util.Properties saved = new java.util.Properties();
		saved.load(Files.newBufferedReader(file));
		String adminPassword = saved.getProperty("HA_ADMIN_PASSWORD");

		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		assertThat(adminPassword).hasSize(24);
		assertThat(first.toString(StandardCharsets.UTF_8)).contains(adminPassword);
		assertThat(users.authenticate("admin", adminPassword)).isEqualTo("ADMIN");
		assertThat(users.authenticate("recorder", saved.getProperty("HA_RECORDER_PASSWORD"))).isEqualTo("RECORDER");

		ByteArrayOutputStream second = new ByteArrayOutputStream();
		ConfiguredUsers again = ConfiguredUsers.from(properties(HaProperties.Profile.LOCAL, null, null),
				new PrintStream(second, true, StandardCharsets.UTF_8));
		assertThat(second.toString(StandardCharsets.UTF_8)).isEmpty();
		assertThat(again.authenticate("admin", adminPassword)).isEqualTo("ADMIN");
	}

	@Test
	void authenticateMatchesUserAndPasswordTogether() {
		ConfiguredUsers users = ConfiguredUsers.from(
				properties(HaProperties.Profile.PRODUCTION, "recorder-password-1", "admin-password-22"), System.out);

		assertThat(users.authenticate("recorder", "recorder-password-1")).isEqualTo("RECORDER");
		assertThat(users.authenticate("admin", "admin-password-22")).isEqualTo("ADMIN");
		assertThat(users.authenticate("admin", "recorder-password-1")).isNull();
		assertThat(users.authenticate("recorder", "admin-password-22")).isNull();
		assertThat(users.authenticate("admin", "")).isNull();
	}

	@Test
	void sameUserNameForBothRolesIsRefused() {
		HaProperties p = new HaProperties(HaProperties.Profile.PRODUCTION, dir, null, null,
				new HaProperties.Security("ops", "recorder-password-1", "ops", "admin-password-22", null, null), null, null, null, null, null);
		assertThatThrownBy(() -> ConfiguredUsers.from(p, System.out)).hasMessageContaining("the same");
	}

	private HaProperties withMetrics(String name, String password) {
		return new HaProperties(HaProperties.Profile.PRODUCTION, dir, null, null, new HaProperties.Security("recorder",
				"recorder-password-1", "admin", "admin-password-22", name, password), null, null, null, null, null);
	}

	@Test
	void theMetricsUserExistsOnlyWithAPasswordOfItsOwnAndAnOwnName() {
		assertThat(ConfiguredUsers.from(withMetrics("metrics", ""), System.out).authenticate("metrics", ""))
			.as("no password: no metrics user, never a default").isNull();
		assertThat(ConfiguredUsers.from(withMetrics("metrics", "metrics-password-3"), System.out)
			.authenticate("metrics", "metrics-password-3")).isEqualTo("METRICS");
		assertThatThrownBy(() -> ConfiguredUsers.from(withMetrics("metrics", "short"), System.out))
			.hasMessageContaining("HA_METRICS_PASSWORD is shorter than 12");
		assertThatThrownBy(() -> ConfiguredUsers.from(withMetrics("admin", "metrics-password-3"), System.out))
			.hasMessageContaining("HA_METRICS_USERNAME");
	}

}
