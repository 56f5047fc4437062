package io.ov2ha.controller.storage;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ov2ha.controller.config.HaProperties;

@Configuration(proxyBeanMethods = false)
class StorageConfig {

	@Bean
	ChunkStorage chunkStorage(HaProperties properties) {
		// local storage; the S3 implementation is selected by HA_RECORDING_STORAGE=s3
		return new LocalChunkStorage(properties.recordingsDir());
	}

}
