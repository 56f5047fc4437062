package io.ov2ha.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.support.TestSecrets;

/**
 * Runs after the whole unit and API test run (failsafe, integration-test phase) and reads
 * everything it printed: the captured console output of every test class and the surefire
 * reports. None of the configured secrets may appear anywhere.
 */
class LogSecretsIT {

	private static final Path REPORTS = Path.of("target", "surefire-reports");

	@Test
	void noConfiguredSecretAppearsInTheLogOfTheTestRun() throws IOException {
		List<Path> files = captured();
		StringBuilder all = new StringBuilder();
		for (Path file : files) {
			all.append(Files.readString(file, StandardCharsets.ISO_8859_1)).append('\n');
		}
		String log = all.toString();

		// the check is only meaningful if the run really logged the events that handle secrets
		assertThat(files).as("captured test output").isNotEmpty();
		assertThat(log).contains("event=recording.registered").contains("Tomcat started on port");

		List<String> leaks = new ArrayList<>();
		for (String secret : TestSecrets.all()) {
			for (Path file : files) {
				if (Files.readString(file, StandardCharsets.ISO_8859_1).contains(secret)) {
					leaks.add(secret.substring(0, 3) + "... in " + file.getFileName());
				}
			}
		}
		assertThat(leaks).as("secrets found in the test run's output").isEmpty();

		// what hostile requests send (forged tokens, relay-loop origins without the token) is never logged
		List<String> echoed = new ArrayList<>();
		for (String value : TestSecrets.hostile()) {
			if (log.contains(value)) {
				echoed.add(value);
			}
		}
		assertThat(echoed).as("hostile request values found in the test run's output").isEmpty();
	}

	private static List<Path> captured() throws IOException {
		if (!Files.isDirectory(REPORTS)) {
			return List.of();
		}
		try (Stream<Path> stream = Files.list(REPORTS)) {
			return stream.filter(Files::isRegularFile)
				.filter(p -> p.toString().endsWith(".txt") || p.toString().endsWith(".xml")
						|| p.toString().endsWith(".dumpstream"))
				.toList();
		}
	}

}
