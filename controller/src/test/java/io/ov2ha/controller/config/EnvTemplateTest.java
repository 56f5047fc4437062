package io.ov2ha.controller.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** Every HA_* variable the controller reads is documented in the repository's .env_template. */
class EnvTemplateTest {

	private static final Pattern READ = Pattern.compile("\\$\\{(HA_[A-Z0-9_]+)");

	private static final Pattern LISTED = Pattern.compile("(?m)^(HA_[A-Z0-9_]+)=");

	@Test
	void everyVariableTheControllerReadsIsInTheTemplate() throws IOException {
		Set<String> read = names(READ, Files.readString(Path.of("src/main/resources/application.yml")));
		Set<String> listed = names(LISTED, Files.readString(Path.of("../.env_template")));

		assertThat(read).as("HA_* variables in application.yml").isNotEmpty();
		assertThat(listed).as(".env_template lists").containsAll(read);
	}

	private static Set<String> names(Pattern pattern, String text) {
		Set<String> names = new TreeSet<>();
		Matcher m = pattern.matcher(text);
		while (m.find()) {
			names.add(m.group(1));
		}
		return names;
	}

}
