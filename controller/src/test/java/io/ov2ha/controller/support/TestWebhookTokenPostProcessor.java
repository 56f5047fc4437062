package io.ov2ha.controller.support;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Gives every controller the test suite starts the test webhook token
 * ({@link TestSecrets#WEBHOOK_TOKEN}; the production profile requires one) as the value of
 * {@code HA_WEBHOOK_TOKEN}, with the lowest precedence: a real environment variable, or a test
 * that sets {@code ha.webhook.token} itself (even to empty), wins. Registered
 * in the test classpath's {@code META-INF/spring.factories}; not a system property, so the value
 * does not end up in the test reports.
 */
public class TestWebhookTokenPostProcessor implements EnvironmentPostProcessor {

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		environment.getPropertySources()
			.addLast(new MapPropertySource("ov2haTestWebhookToken",
					Map.of("HA_WEBHOOK_TOKEN", TestSecrets.WEBHOOK_TOKEN)));
	}

}
