package io.ov2ha.controller.config;

import java.time.Clock;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class CoreConfig {

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

}
