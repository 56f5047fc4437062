package io.ov2ha.controller.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The answers of a Lua script of {@code classpath:redis/}: the codes its code returns
 * ({@code return {'CODE', ...}}, or {@code local result = {'CODE'}} built before it is returned)
 * and those its header lists ({@code -- Returns: A (values) | B}).
 */
public final class LuaAnswers {

	/** {@code return {'CODE', ...}}, or {@code local result = {'CODE'}} for an answer built before it is returned. */
	private static final Pattern RETURNED = Pattern.compile("(?:return|local result =) \\{'([A-Z_]+)'");

	private static final Pattern PARENTHESES = Pattern.compile("\\([^()]*\\)");

	private static final Pattern CONTINUED = Pattern.compile("^--\\s{2,}.*");

	private LuaAnswers() {
	}

	/** Asserts that the script returns every constant of its enum and nothing else, and lists them in its header. */
	public static void assertAnswersAre(String script, Class<? extends Enum<?>> codes) {
		assertThat(returned(script)).as(script + ".lua returns").containsExactlyInAnyOrderElementsOf(names(codes));
		assertThat(documented(script)).as(script + ".lua header").containsExactlyInAnyOrderElementsOf(names(codes));
	}

	/**
	 * The code of every {@code return {'CODE', ...}} (or {@code local result = {'CODE'}}) of
	 * {@code redis/<script>.lua}, and those of the shared refusal ({@code lib/recstatus.lua}'s
	 * {@code recstatus.refusal}) when the script returns it.
	 */
	public static Set<String> returned(String script) {
		Set<String> codes = new TreeSet<>();
		String text = read(script);
		Matcher m = RETURNED.matcher(text);
		while (m.find()) {
			codes.add(m.group(1));
		}
		if (!script.startsWith("lib/") && text.contains("recstatus.refusal(")) {
			codes.addAll(returned("lib/recstatus"));
		}
		return codes;
	}

	/** The codes the header of {@code redis/<script>.lua} lists after {@code -- Returns:} (empty without one). */
	public static Set<String> documented(String script) {
		StringBuilder text = new StringBuilder();
		boolean in = false;
		for (String line : read(script).split("\n")) {
			if (line.startsWith("-- Returns:")) {
				in = true;
				text.append(line.substring("-- Returns:".length()));
			}
			else if (in && CONTINUED.matcher(line).matches()) {
				text.append(' ').append(line.substring(2));
			}
			else if (in) {
				break;
			}
		}
		String codes = text.toString();
		for (String before = null; !codes.equals(before);) {
			before = codes;
			codes = PARENTHESES.matcher(codes).replaceAll("");
		}
		return Arrays.stream(codes.split("\\|"))
			.map(String::trim)
			.filter(c -> !c.isEmpty())
			.collect(Collectors.toCollection(TreeSet::new));
	}

	/** The names of the constants of {@code codes}. */
	public static Set<String> names(Class<? extends Enum<?>> codes) {
		return Arrays.stream(codes.getEnumConstants()).map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
	}

	private static String read(String script) {
		String path = "redis/" + script + ".lua";
		try (InputStream in = LuaAnswers.class.getClassLoader().getResourceAsStream(path)) {
			if (in == null) {
				throw new IllegalArgumentException("no " + path);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
