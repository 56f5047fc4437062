package io.ov2ha.controller.redis;

import java.time.Clock;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

@Configuration(proxyBeanMethods = false)
class ClockConfig {

	/** A singleton of this name replaces the host's clock under Redis's (tests play a skewed host). */
	static final String HOST_CLOCK = "hostClock";

	/** The one clock every part of the controller reads: Redis's time (see {@link RedisClock}). */
	@Bean
	@Primary
	RedisClock clock(BeanFactory beans) {
		Clock host = beans.containsBean(HOST_CLOCK) ? beans.getBean(HOST_CLOCK, Clock.class) : Clock.systemUTC();
		return new RedisClock(host);
	}

}
