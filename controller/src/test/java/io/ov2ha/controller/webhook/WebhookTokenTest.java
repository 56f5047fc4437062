package io.ov2ha.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.config.HaProperties;

class WebhookTokenTest {

	@TempDir
	Path dir;

	private HaProperties properties(HaProperties.Profile profile) {
		return new HaProperties(profile, dir, null, null, null, null, null, null, null, null);
	}

	private static WebhookProperties webhook(String token) {
		return new WebhookProperties(token, null, null, 0);
	}

	@Test
	void productionWithoutATokenIsAStartupErrorThatSaysWhatToDo() {
		assertThatThrownBy(() -> WebhookToken.from(properties(HaProperties.Profile.PRODUCTION), webhook(""), System.out))
			.isInstanceOf(ConfigurationException.class)
			.hasMessageContaining("HA_WEBHOOK_TOKEN is not set")
			.satisfies(ex -> assertThat(((ConfigurationException) ex).action()).contains("OPENVIDU_WEBHOOK_HEADERS"));
		assertThatThrownBy(() -> WebhookToken.from(properties(HaProperties.Profile.PRODUCTION), webhook("short"),
				System.out))
			.hasMessageContaining("shorter than 16");
		assertThatThrownBy(() -> WebhookToken.from(properties(HaProperties.Profile.PRODUCTION),
				webhook("has a space in it, long enough"), System.out))
			.hasMessageContaining("printable ASCII");
	}

	@Test
	void matchesOnlyTheExactTokenAsBearerOrInItsHeader() {
		WebhookToken token = WebhookToken.from(properties(HaProperties.Profile.PRODUCTION),
				webhook("0123456789abcdefXYZ"), System.out);

		assertThat(token.matches("Bearer 0123456789abcdefXYZ", null)).isTrue();
		assertThat(token.matches("BEARER 0123456789abcdefXYZ ", null)).isTrue();
		assertThat(token.matches(null, "0123456789abcdefXYZ")).isTrue();
		assertThat(token.matches("Basic 0123456789abcdefXYZ", null)).isFalse();
		assertThat(token.matches("Bearer 0123456789abcdefXY", null)).isFalse();
		assertThat(token.matches("0123456789abcdefXYZ", null)).isFalse();
		assertThat(token.matches(null, null)).isFalse();
		assertThat(token.matches("Bearer", "")).isFalse();
		assertThat(token.isToken("Bearer 0123456789abcdefXYZ")).isTrue();
		assertThat(token.isToken("Basic dXNlcjpwYXNz")).isFalse();
	}

	@Test
	void localModeGeneratesTheTokenOnceBesideTheGeneratedPasswords() throws Exception {
		Path file = dir.resolve(WebhookToken.LOCAL_CREDENTIALS_FILE);
		Files.writeString(file, "HA_RECORDER_PASSWORD=abc\nHA_ADMIN_PASSWORD=def\n");
		ByteArrayOutputStream first = new ByteArrayOutputStream();

		WebhookToken.from(properties(HaProperties.Profile.LOCAL), webhook(""),
				new PrintStream(first, true, StandardCharsets.UTF_8));

		Properties saved = new Properties();
		saved.load(Files.newBufferedReader(file));
		String token = saved.getProperty("HA_WEBHOOK_TOKEN");
		assertThat(token).hasSize(32);
		assertThat(saved.getProperty("HA_ADMIN_PASSWORD")).isEqualTo("def");
		assertThat(first.toString(StandardCharsets.UTF_8)).contains("Authorization: Bearer " + token);

		ByteArrayOutputStream second = new ByteArrayOutputStream();
		WebhookToken again = WebhookToken.from(properties(HaProperties.Profile.LOCAL), webhook(""),
				new PrintStream(second, true, StandardCharsets.UTF_8));
		assertThat(second.toString(StandardCharsets.UTF_8)).isEmpty();
		assertThat(again.matches("Bearer " + token, null)).isTrue();
	}

	@Test
	void localModeCreatesThePrivateFileWhenThereIsNone() throws Exception {
		WebhookToken.from(properties(HaProperties.Profile.LOCAL), webhook(""), new PrintStream(new ByteArrayOutputStream()));

		Path file = dir.resolve(WebhookToken.LOCAL_CREDENTIALS_FILE);
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
	}

}
