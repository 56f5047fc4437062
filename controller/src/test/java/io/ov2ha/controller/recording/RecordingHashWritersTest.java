package io.ov2ha.controller.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The recording package is the only writer of the recording hash: every Lua script that writes
 * its {@code rec} key (as its header's KEYS names it) is loaded by a class of
 * {@code recording/} only. Reads the sources (the module's directory is the working directory).
 */
class RecordingHashWritersTest {

	private static final Path SCRIPTS = Path.of("src/main/resources/redis");

	private static final Path SOURCES = Path.of("src/main/java/io/ov2ha/controller");

	private static final Pattern REC_KEY = Pattern.compile("\\b(\\d+) rec\\b");

	/** A write command (any case, either quote, call or pcall) or a helper of reckeys.lua, then the key. */
	private static final String WRITES = "(?i:redis\\.p?call\\(\\s*['\"](?:HSET|HSETNX|HMSET|HSETEX|HINCRBY|HINCRBYFLOAT"
			+ "|HDEL|HGETDEL|HGETEX|HEXPIRE|HPEXPIRE|HPERSIST|DEL|UNLINK|RENAME|RENAMENX|COPY|RESTORE|SET|EXPIRE"
			+ "|PEXPIRE|EXPIREAT|PEXPIREAT|PERSIST)['\"]\\s*,\\s*|reckeys\\.\\w+\\(\\s*)";

	/** A Java write of the recording hash without a script (Spring Data's hash operations or a connection's). */
	private static final Pattern JAVA_WRITE = Pattern.compile(
			"\\b(?:put|putAll|putIfAbsent|increment|delete|hSet|hSetNX|hMSet|hDel|hIncrBy|del|unlink|expire|rename)\\w*"
					+ "\\([^;]*RedisKeys\\.recording\\(");

	/** Script name -> the classes (paths under the sources) that name it. */
	private static Map<String, List<String>> loaders(List<String> scripts) throws IOException {
		Map<String, List<String>> loaders = new TreeMap<>();
		try (Stream<Path> files = Files.walk(SOURCES)) {
			for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
				String text = Files.readString(file);
				for (String script : scripts) {
					if (text.contains("load(\"" + script + "\")") || text.contains("script(\"" + script + "\")")) {
						loaders.computeIfAbsent(script, k -> new ArrayList<>()).add(SOURCES.relativize(file).toString());
					}
				}
			}
		}
		return loaders;
	}

	/** Whether the script writes its KEYS[n], directly or through a local alias of it. */
	static boolean writesKey(String script, int n) {
		List<String> names = new ArrayList<>(List.of(Pattern.quote("KEYS[" + n + "]")));
		Matcher alias = Pattern.compile("local\\s+(\\w+)\\s*=\\s*KEYS\\[" + n + "\\]").matcher(script);
		while (alias.find()) {
			names.add(alias.group(1) + "\\b");
		}
		return Pattern.compile(WRITES + "(?:" + String.join("|", names) + ")").matcher(script).find();
	}

	/** The index of {@code rec} in the script's KEYS header, or 0. */
	static int recKey(String script) {
		StringBuilder header = new StringBuilder();
		boolean inKeys = false;
		for (String line : script.split("\n")) {
			if (line.startsWith("-- KEYS:")) {
				inKeys = true;
			}
			else if (!line.matches("--\\s{2,}.*")) {
				inKeys = false;
			}
			if (inKeys) {
				header.append(line).append('\n');
			}
		}
		Matcher m = REC_KEY.matcher(header);
		return m.find() ? Integer.parseInt(m.group(1)) : 0;
	}

	@Test
	void onlyTheRecordingPackageLoadsAScriptThatWritesTheRecordingHash() throws IOException {
		List<String> writers = new ArrayList<>();
		try (Stream<Path> files = Files.list(SCRIPTS)) {
			for (Path file : files.filter(p -> p.toString().endsWith(".lua")).sorted().toList()) {
				String text = Files.readString(file);
				int rec = recKey(text);
				if (rec > 0 && writesKey(text, rec)) {
					writers.add(file.getFileName().toString().replace(".lua", ""));
				}
			}
		}
		assertThat(writers).as("the scripts that write the recording hash")
			.contains("register", "heartbeat", "transition", "webhook-started", "recorder-claim", "recorder-started",
					"recorder-adopt")
			.doesNotContain("webhook-intake", "failover-attempt", "failover-update");
		Map<String, List<String>> loaders = loaders(writers);
		assertThat(loaders.keySet()).containsExactlyInAnyOrderElementsOf(writers);
		loaders.forEach((script, classes) -> assertThat(classes).as(script + ".lua is loaded by")
			.allMatch(c -> c.startsWith("recording/")));
	}

	@Test
	void noClassOutsideTheRecordingPackageWritesTheRecordingHashWithoutAScript() throws IOException {
		List<String> writes = new ArrayList<>();
		try (Stream<Path> files = Files.walk(SOURCES)) {
			for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
				if (SOURCES.relativize(file).startsWith("recording")) {
					continue;
				}
				Matcher m = JAVA_WRITE.matcher(Files.readString(file));
				while (m.find()) {
					writes.add(SOURCES.relativize(file) + ": " + m.group());
				}
			}
		}
		assertThat(writes).isEmpty();
		assertThat(JAVA_WRITE.matcher("redis.opsForHash().put(RedisKeys.recording(id), \"a\", \"1\")").find()).isTrue();
		assertThat(JAVA_WRITE.matcher("redis.opsForHash().get(RedisKeys.recording(id), \"a\")").find()).isFalse();
	}

	@Test
	void aWriteIsFoundThroughAnAliasOrAHelperAndAReadIsNot() {
		assertThat(writesKey("local rec = KEYS[1]\nredis.call('HSET', rec, 'a', '1')", 1)).isTrue();
		assertThat(writesKey("reckeys.retain(KEYS[1], c, t)", 1)).isTrue();
		assertThat(writesKey("redis.call('HINCRBY', KEYS[2], 'n', 1)", 2)).isTrue();
		assertThat(writesKey("redis.call('HMGET', KEYS[1], 'status')", 1)).isFalse();
		assertThat(writesKey("redis.call('HSET', KEYS[2], 'a', '1')", 1)).isFalse();
		assertThat(writesKey("local rec=KEYS[1]\nredis.pcall( \"hset\", rec, 'a', '1')", 1)).isTrue();
		assertThat(recKey("-- KEYS: 1 stream, 2 relay state,\n--       5 rec (or the stream)\n-- ARGV: 1 rec")).isEqualTo(5);
		assertThat(recKey("-- KEYS: 1 the lease\n-- ARGV: 1 rec")).isZero();
	}

}
