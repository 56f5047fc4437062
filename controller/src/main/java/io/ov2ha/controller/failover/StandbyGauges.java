package io.ov2ha.controller.failover;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The gauges of the warm standby pool ({@link StandbyPool}). */
final class StandbyGauges {

	private StandbyGauges() {
	}

	static void register(MeterRegistry registry, AtomicInteger ready, AtomicInteger starting, IntSupplier wanted) {
		Gauge.builder("ov2ha.standby.recorders", ready, AtomicInteger::get)
			.tag("state", "ready")
			.description("Free warm standby recorders ready to take a recording over (as the pool's controller last saw)")
			.register(registry);
		// held strongly: a gauge keeps its state weakly, and nothing else holds this supplier
		Gauge.builder("ov2ha.standby.recorders.wanted", wanted, IntSupplier::getAsInt)
			.strongReference(true)
			.description("HA_STANDBY_RECORDERS, 0 when off (with failover off too)")
			.register(registry);
		Gauge.builder("ov2ha.standby.recorders", starting, AtomicInteger::get)
			.tag("state", "starting")
			.description("Free warm standby recorders still starting")
			.register(registry);
	}

}
