package io.ov2ha.controller.redis;

import java.util.ArrayList;
import java.util.List;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The typed answer of one of our Lua scripts (each returns a list: a code, then values): the code
 * as one of the script's codes (an enum declared next to its caller, documented with the script),
 * and the values. An answer the enum does not know is a bug, never matched as a string.
 *
 * @param <C> the script's codes
 * @param code what the script did
 * @param values the values after the code (see each script's header)
 */
public record LuaAnswer<C extends Enum<C>>(C code, List<String> values) {

	/** The value at {@code i}, or null when the script returned fewer. */
	public String value(int i) {
		return values.size() > i ? values.get(i) : null;
	}

	/** The value at {@code i} as a number. */
	public long longValue(int i) {
		return Long.parseLong(value(i));
	}

	/** The answer {@code code} as one of {@code codes}; an answer the enum does not know is a bug. */
	public static <C extends Enum<C>> LuaAnswer<C> of(String code, List<String> values, Class<C> codes) {
		try {
			return new LuaAnswer<>(Enum.valueOf(codes, code), values);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("unexpected answer " + code + " of a " + codes.getSimpleName() + " script");
		}
	}

	/** Runs {@code script} (loaded by {@link LuaScripts}) and types its answer. */
	@SuppressWarnings({ "rawtypes", "unchecked" })
	public static <C extends Enum<C>> LuaAnswer<C> run(StringRedisTemplate redis, RedisScript<List> script,
			List<String> keys, List<String> args, Class<C> codes) {
		List<Object> raw = redis.execute(script, keys, args.toArray());
		if (raw == null || raw.isEmpty()) {
			throw new IllegalStateException("no answer from a " + codes.getSimpleName() + " script");
		}
		List<String> values = new ArrayList<>();
		for (int i = 1; i < raw.size(); i++) {
			values.add(raw.get(i) == null ? null : raw.get(i).toString());
		}
		return of(raw.get(0).toString(), values, codes);
	}

}
