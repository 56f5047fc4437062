package io.ov2ha.controller.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Loads the Lua scripts of {@code classpath:redis/}, each with the helpers of
 * {@code redis/lib/exact.lua} (exact integer comparison), {@code redis/lib/reckeys.lua} (the keys
 * of one recording) and {@code redis/lib/recstatus.lua} (which statuses are final, a recorder call
 * refused, who announces the final status) prepended, since Redis has no includes.
 */
public final class LuaScripts {

	/** In this order: recstatus.lua uses exact.lua. */
	static final List<String> LIBS = List.of("redis/lib/exact.lua", "redis/lib/reckeys.lua", "redis/lib/recstatus.lua");

	private LuaScripts() {
	}

	/** The script {@code redis/<name>.lua}, returning a list (code, values...). */
	@SuppressWarnings("rawtypes")
	public static RedisScript<List> load(String name) {
		return of(read("redis/" + name + ".lua"));
	}

	/** A script of the given body with the helpers prepended (tests of the helpers). */
	@SuppressWarnings("rawtypes")
	public static RedisScript<List> of(String body) {
		DefaultRedisScript<List> script = new DefaultRedisScript<>();
		StringBuilder text = new StringBuilder();
		for (String lib : LIBS) {
			text.append(read(lib)).append('\n');
		}
		script.setScriptText(text.append(body).toString());
		script.setResultType(List.class);
		return script;
	}

	private static String read(String path) {
		try (var in = new ClassPathResource(path).getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read " + path, ex);
		}
	}

}
