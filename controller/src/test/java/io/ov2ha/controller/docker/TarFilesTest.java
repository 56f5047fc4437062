package io.ov2ha.controller.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory tar of the standby hand-over, read back by the system's tar. */
class TarFilesTest {

	@Test
	void gnuTarExtractsTheFilesInOrderWithMode600(@TempDir Path dir) throws Exception {
		Map<String, byte[]> files = new LinkedHashMap<>();
		byte[] big = "x".repeat(1500).getBytes(StandardCharsets.US_ASCII);
		files.put("assignment.env", big);
		files.put("ready", new byte[0]);
		byte[] tar = TarFiles.of(files, Instant.ofEpochSecond(1_700_000_000L));
		assertThat(tar.length % 512).isZero();
		Path archive = dir.resolve("a.tar");
		Files.write(archive, tar);
		Path out = Files.createDirectory(dir.resolve("out"));
		assertThat(run("tar", "-tvf", archive.toString())).contains("assignment.env").contains("ready")
			.containsSubsequence("assignment.env", "ready");
		run("tar", "-xf", archive.toString(), "-C", out.toString());
		assertThat(Files.readAllBytes(out.resolve("assignment.env"))).isEqualTo(big);
		assertThat(Files.size(out.resolve("ready"))).isZero();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("assignment.env"))))
			.isEqualTo("rw-------");
	}

	@Test
	void onlyPlainFileNames() {
		for (String bad : new String[] { "../x", "a/b", "", ".", "..", "x".repeat(101) }) {
			assertThatThrownBy(() -> TarFiles.of(Map.of(bad, new byte[0]), Instant.EPOCH)).as(bad)
				.isInstanceOf(IllegalArgumentException.class);
		}
	}

	private static String run(String... command) throws IOException, InterruptedException {
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(p.exitValue()).as(output).isZero();
		return output;
	}

}
