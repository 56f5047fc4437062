package io.ov2ha.controller.web;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

import io.ov2ha.controller.config.HaProperties;

@Configuration(proxyBeanMethods = false)
class WebConfig {

	/** Runs before everything else, security included: a huge body is refused unread. */
	@Bean
	FilterRegistrationBean<BodySizeLimitFilter> bodySizeLimitFilter(HaProperties properties) {
		var registration = new FilterRegistrationBean<>(
				new BodySizeLimitFilter(properties.api().maxBodySize().toBytes()));
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
		return registration;
	}

}
