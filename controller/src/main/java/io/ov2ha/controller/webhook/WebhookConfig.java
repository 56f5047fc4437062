package io.ov2ha.controller.webhook;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.redis.RedisLease;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.security.SecurityScheme;

@Configuration(proxyBeanMethods = false)
class WebhookConfig {

	static final String TOKEN_SCHEME = "webhookToken";

	/** After the API users: in local mode both share one generated credentials file. */
	@Bean
	@DependsOn("configuredUsers")
	WebhookToken webhookToken(HaProperties properties, WebhookProperties webhook) {
		return WebhookToken.from(properties, webhook, System.out);
	}

	@Bean
	RelayTarget relayTarget(WebhookProperties webhook, Environment environment) {
		int port = environment.getProperty("server.port", Integer.class, 8080);
		return RelayTarget.from(webhook.relay(), port, environment.getProperty("server.address"));
	}

	@Bean
	RelayWorker relayWorker(WebhookQueue queue, RedisLease lease, RecordingStateMachine stateMachine,
			RelayTarget target, WebhookProperties properties, Clock clock, MeterRegistry meters) {
		return new RelayWorker(queue, lease, stateMachine, target, properties, clock, meters);
	}

	/**
	 * The webhook endpoint has its own filter chain, ahead of the API's: no HTTP Basic (OpenVidu
	 * sends the token as a Bearer header, checked by the endpoint in constant time), no session.
	 */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	SecurityFilterChain webhookSecurity(HttpSecurity http) throws Exception {
		http.securityMatcher(RelayTarget.WEBHOOK_PATH)
			.csrf(AbstractHttpConfigurer::disable)
			.formLogin(AbstractHttpConfigurer::disable)
			.httpBasic(AbstractHttpConfigurer::disable)
			.logout(AbstractHttpConfigurer::disable)
			.requestCache(AbstractHttpConfigurer::disable)
			.sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.authorizeHttpRequests(a -> a.anyRequest().permitAll());
		return http.build();
	}

	@Bean
	OpenApiCustomizer webhookTokenScheme() {
		return openApi -> {
			if (openApi.getComponents() == null) {
				openApi.setComponents(new Components());
			}
			openApi.getComponents()
				.addSecuritySchemes(TOKEN_SCHEME, new SecurityScheme().type(SecurityScheme.Type.HTTP)
					.scheme("bearer")
					.description("HA_WEBHOOK_TOKEN, sent by OpenVidu as `Authorization: Bearer <token>` "
							+ "(OPENVIDU_WEBHOOK_HEADERS). Only for POST /openvidu/webhook."));
		};
	}

}
