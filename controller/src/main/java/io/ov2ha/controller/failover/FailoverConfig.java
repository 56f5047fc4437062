package io.ov2ha.controller.failover;

import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Defaults for the two seams the stop of a backup needs from other features. The finalizer
 * and the webhook relay provide the real implementations (any bean of these types replaces the
 * defaults).
 */
@Configuration(proxyBeanMethods = false)
class FailoverConfig {

	private static final Log LOG = LogFactory.getLog(FailoverConfig.class);

	@Bean
	@ConditionalOnMissingBean
	FinalizationTrigger loggingFinalizationTrigger() {
		return id -> {
			LOG.warn("event=failover.finalize_not_available recordingId=" + id
					+ " detail=\"no finalizer is configured; the recording stays STOPPING\"");
			return Optional.empty();
		};
	}

	@Bean
	@ConditionalOnMissingBean
	FinalStatusNotifier loggingFinalStatusNotifier() {
		return (id, status, reason) -> LOG.info("event=failover.final_status recordingId=" + id + " status=" + status
				+ " detail=\"no webhook relay is configured; not emitted\"");
	}

}
