package io.ov2ha.controller.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCredentialsTest {

	@TempDir
	Path dir;

	@Test
	void generatesOnlyWhatIsMissingAndKeepsTheRestInAPrivateFile() throws Exception {
		Path file = dir.resolve(LocalCredentials.FILE_NAME);
		Files.writeString(file, "HA_WEBHOOK_TOKEN=kept-token\nHA_ADMIN_PASSWORD= \n");
		Map<String, Supplier<String>> wanted = new LinkedHashMap<>();
		wanted.put("HA_WEBHOOK_TOKEN", () -> "new-token");
		wanted.put("HA_ADMIN_PASSWORD", () -> "generated-admin");

		LocalCredentials.Values values = LocalCredentials.getOrGenerate(dir, wanted);

		assertThat(values.generated()).isTrue();
		assertThat(values.get("HA_WEBHOOK_TOKEN")).isEqualTo("kept-token");
		assertThat(values.get("HA_ADMIN_PASSWORD")).isEqualTo("generated-admin");
		assertThat(Files.readString(file)).contains("HA_WEBHOOK_TOKEN=kept-token\n")
			.contains("HA_ADMIN_PASSWORD=generated-admin\n");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		try (var leftovers = Files.list(dir)) {
			assertThat(leftovers).containsExactly(file);
		}
	}

	@Test
	void nothingMissingMeansNothingWritten() throws Exception {
		Path file = dir.resolve(LocalCredentials.FILE_NAME);
		Files.writeString(file, "HA_WEBHOOK_TOKEN=kept-token\n");
		FileTime before = FileTime.fromMillis(1_000_000);
		Files.setLastModifiedTime(file, before);

		LocalCredentials.Values values = LocalCredentials.getOrGenerate(dir,
				Map.of("HA_WEBHOOK_TOKEN", () -> { throw new AssertionError("must not generate"); }));

		assertThat(values.generated()).isFalse();
		assertThat(values.get("HA_WEBHOOK_TOKEN")).isEqualTo("kept-token");
		assertThat(Files.getLastModifiedTime(file)).isEqualTo(before);
	}

}
