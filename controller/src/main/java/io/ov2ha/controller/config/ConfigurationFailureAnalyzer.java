package io.ov2ha.controller.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a {@link ConfigurationException} into Spring Boot's plain "APPLICATION FAILED TO START" report. */
class ConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<ConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.action(), null);
	}

}
