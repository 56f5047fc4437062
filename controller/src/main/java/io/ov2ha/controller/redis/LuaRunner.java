package io.ov2ha.controller.redis;

import java.util.List;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * The one way the stores run their Lua scripts: the script ({@link LuaScripts}) runs atomically,
 * its answer is typed ({@link LuaAnswer}: a constant of the script's enum, then its values), and
 * with {@code HA_REDIS_REPLICA_ACKS} the write is on the replicas before the caller acts on it
 * ({@link ReplicaAcks}).
 */
@Component
public class LuaRunner {

	private final StringRedisTemplate redis;

	private final ReplicaAcks acks;

	@Autowired
	LuaRunner(StringRedisTemplate redis, ReplicaAcks acks) {
		this.redis = redis;
		this.acks = acks;
	}

	/** Without waiting for replicas (tests of a store on a single Redis). */
	public LuaRunner(StringRedisTemplate redis) {
		this(redis, null);
	}

	/** Runs {@code script} on {@code keys} and {@code args}; its answer as one of {@code codes}. */
	@SuppressWarnings("rawtypes")
	public <C extends Enum<C>> LuaAnswer<C> run(RedisScript<List> script, List<String> keys, List<String> args,
			Class<C> codes) {
		LuaAnswer<C> answer = LuaAnswer.run(redis, script, keys, args, codes);
		if (acks != null) {
			acks.await(redis);
		}
		return answer;
	}

}
