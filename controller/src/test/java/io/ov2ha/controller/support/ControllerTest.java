package io.ov2ha.controller.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;

/**
 * A full controller on a random port, production profile, the test secrets, and the shared
 * test Redis ({@link TestRedis}; {@link TestRedisSessionListener} passes its URL as a system
 * property before any context starts).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "ha.profile=production", "spring.profiles.active=production",
				"ha.security.recorder-username=" + TestSecrets.RECORDER_USER,
				"ha.security.recorder-password=" + TestSecrets.RECORDER_PASSWORD,
				"ha.security.admin-username=" + TestSecrets.ADMIN_USER,
				"ha.security.admin-password=" + TestSecrets.ADMIN_PASSWORD,
				"ha.security.metrics-username=" + TestSecrets.METRICS_USER,
				"ha.security.metrics-password=" + TestSecrets.METRICS_PASSWORD, "ha.data-dir=target/test-data",
				"ha.recordings-path=target/test-recordings" })
public @interface ControllerTest {

}
