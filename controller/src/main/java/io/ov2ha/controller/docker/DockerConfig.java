package io.ov2ha.controller.docker;

import java.time.Clock;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ov2ha.controller.config.HaProperties;

@Configuration(proxyBeanMethods = false)
class DockerConfig {

	/**
	 * The Docker engine of {@code HA_DOCKER_HOST}, or the engines of {@code HA_DOCKER_HOSTS} when
	 * it names more than one. Creating it never fails startup when an engine is unreachable:
	 * health and the failover status say so, and calls are retried.
	 */
	@Bean
	RecorderRuntime recorderRuntime(HaProperties properties, Clock clock) {
		HaProperties.Docker docker = properties.docker();
		if (!properties.failover().enabled()) {
			return new DisabledRecorderRuntime(String.join(",", docker.engines()));
		}
		if (docker.engines().size() > 1) {
			return new DockerEngines(docker, clock);
		}
		return new DockerRecorderRuntime(docker.forEngine(docker.engines().get(0)), clock);
	}

}
