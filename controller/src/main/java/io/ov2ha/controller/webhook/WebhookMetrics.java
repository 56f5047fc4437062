package io.ov2ha.controller.webhook;

import java.util.Map;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.stereotype.Component;

/** {@code ov2ha_webhook_relay_queue_depth}: events stored and not yet processed by the relay (all controllers). */
@Component
class WebhookMetrics implements MeterBinder {

	private final WebhookQueue queue;

	WebhookMetrics(WebhookQueue queue) {
		this.queue = queue;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("ov2ha.webhook.relay.queue.depth", queue, WebhookMetrics::depth)
			.description("Webhook events stored and not yet relayed or dead-lettered")
			.register(registry);
	}

	private static double depth(WebhookQueue queue) {
		try {
			Map<String, String> s = queue.state();
			long enqueued = Long.parseLong(s.getOrDefault("enqueued", "0"));
			long processed = Long.parseLong(s.getOrDefault("processed", "0"));
			return Math.max(0, enqueued - processed);
		}
		catch (RuntimeException ex) {
			return Double.NaN;
		}
	}

}
