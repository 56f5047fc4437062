package io.ov2ha.controller.docker;

import java.time.Clock;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ov2ha.controller.config.HaProperties;

@Configuration(proxyBeanMethods = false)
class DockerConfig {

	/**
	 * The Docker engine of {@code HA_DOCKER_HOST}. Creating it never fails startup when the
	 * engine is unreachable: health and the failover status say so, and calls are retried.
	 */
	@Bean
	RecorderRuntime recorderRuntime(HaProperties properties, Clock clock) {
		if (!properties.failover().enabled()) {
			return new DisabledRecorderRuntime(properties.docker().host());
		}
		return new DockerRecorderRuntime(properties.docker(), clock);
	}

}
