package io.ov2ha.controller.security;

import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;

import io.ov2ha.controller.config.HaProperties;

/**
 * Who may call what. Recorder operations: RECORDER or ADMIN. The metrics
 * ({@code GET /actuator/prometheus}): METRICS (read-only Prometheus user) or ADMIN. Everything
 * else under /api: ADMIN. Public: health, API docs. Anything not listed is ADMIN (deny by default).
 * OpenVidu's webhook ({@code POST /openvidu/webhook}) has its own filter chain, ordered first
 * ({@code webhook.WebhookConfig}): no HTTP Basic there, the endpoint checks the webhook token.
 * State-changing calls with ADMIN credentials must carry {@code X-Requested-By}
 * ({@link RequestedByFilter}).
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfig {

	static final String RECORDER = "RECORDER";

	static final String ADMIN = "ADMIN";

	static final String METRICS = "METRICS";

	private final ProblemSecurityHandlers handlers = new ProblemSecurityHandlers();

	@Bean
	ConfiguredUsers configuredUsers(HaProperties properties) {
		return ConfiguredUsers.from(properties, System.out);
	}

	@Bean
	AuthenticationProvider configuredUsersProvider(ConfiguredUsers users, MeterRegistry meters) {
		Counter failures = Counter.builder("ov2ha.auth.failures")
			.description("HTTP Basic logins refused")
			.register(meters);
		return new AuthenticationProvider() {
			@Override
			public Authentication authenticate(Authentication authentication) {
				String username = authentication.getName();
				Object credentials = authentication.getCredentials();
				String role = users.authenticate(username == null ? "" : username,
						credentials == null ? "" : credentials.toString());
				if (role == null) {
					failures.increment();
					throw new BadCredentialsException("bad credentials");
				}
				return UsernamePasswordAuthenticationToken.authenticated(username, null,
						List.of(new SimpleGrantedAuthority("ROLE_" + role)));
			}

			@Override
			public boolean supports(Class<?> authentication) {
				return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
			}
		};
	}

	@Bean
	RequestRejectedHandler requestRejectedHandler() {
		return handlers;
	}

	@Bean
	SecurityFilterChain api(HttpSecurity http) throws Exception {
		http.csrf(AbstractHttpConfigurer::disable)
			.formLogin(AbstractHttpConfigurer::disable)
			.logout(AbstractHttpConfigurer::disable)
			.requestCache(AbstractHttpConfigurer::disable)
			.anonymous(a -> {
			})
			.sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.httpBasic(b -> b.realmName(ProblemSecurityHandlers.REALM).authenticationEntryPoint(handlers))
			.exceptionHandling(e -> e.authenticationEntryPoint(handlers).accessDeniedHandler(handlers))
			.authorizeHttpRequests(a -> a
				.requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info", "/error")
				.permitAll()
				.requestMatchers("/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**")
				.permitAll()
				.requestMatchers(HttpMethod.POST, "/api/recordings")
				.hasAnyRole(RECORDER, ADMIN)
				.requestMatchers(HttpMethod.PUT, "/api/recordings/*/heartbeat")
				.hasAnyRole(RECORDER, ADMIN)
				.requestMatchers(HttpMethod.POST, "/api/recordings/*/chunks", "/api/recordings/*/finalize")
				.hasAnyRole(RECORDER, ADMIN)
				.requestMatchers(HttpMethod.GET, "/actuator/prometheus")
				.hasAnyRole(METRICS, ADMIN)
				.anyRequest()
				.hasRole(ADMIN))
			.addFilterAfter(new RequestedByFilter(), AuthorizationFilter.class);
		return http.build();
	}

}
