package io.ov2ha.controller.support;

import java.net.URI;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * A Redis database of the shared test server ({@link TestRedis}) that belongs to one test class or
 * test: allocated by {@link TestRedis#database()}, never numbered by hand, so two test classes
 * never share one by mistake.
 *
 * @param index the database's number on the server
 */
public record TestDatabase(int index) {

	/** The {@code ha.redis.url} of a controller on this database. */
	public String url() {
		return TestRedis.url() + "/" + index;
	}

	/** A client of this database, started (closed with the test JVM). */
	public StringRedisTemplate template() {
		URI uri = URI.create(TestRedis.url());
		RedisStandaloneConfiguration config = new RedisStandaloneConfiguration(uri.getHost(), uri.getPort());
		config.setDatabase(index);
		LettuceConnectionFactory factory = new LettuceConnectionFactory(config);
		factory.afterPropertiesSet();
		factory.start();
		return new StringRedisTemplate(factory);
	}

	/** Empties this database. */
	public void flush() {
		RedisClient client = RedisClient.create(url());
		try (StatefulRedisConnection<String, String> c = client.connect()) {
			c.sync().flushdb();
		}
		finally {
			client.shutdown();
		}
	}

}
