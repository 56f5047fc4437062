package io.ov2ha.controller.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/**
 * A full controller on a random port with the settings of every test controller
 * ({@link TestControllers#SETTINGS}: production profile, the test secrets), and the shared
 * test Redis ({@link TestRedis}; {@link TestRedisSessionListener} passes its URL as a system
 * property before any context starts).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "ha.recordings-path=target/test-recordings")
@ContextConfiguration(initializers = TestControllers.Settings.class)
public @interface ControllerTest {

}
