package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.Reference;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The standby pool's gauges read what the pool counts, after a garbage collection too. */
class StandbyGaugesTest {

	@Test
	void theGaugesReadThePoolsCountsAndKeepTheirSuppliers() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		AtomicInteger ready = new AtomicInteger(2);
		AtomicInteger starting = new AtomicInteger(1);
		int[] wanted = { 3 };
		StandbyGauges.register(registry, ready, starting, () -> wanted[0]);
		// a gauge holds its state weakly: a supplier held by nothing else must survive this
		System.gc();
		assertThat(registry.get("ov2ha.standby.recorders").tag("state", "ready").gauge().value()).isEqualTo(2.0);
		assertThat(registry.get("ov2ha.standby.recorders").tag("state", "starting").gauge().value()).isEqualTo(1.0);
		assertThat(registry.get("ov2ha.standby.recorders.wanted").gauge().value()).isEqualTo(3.0);
		wanted[0] = 0;
		ready.set(0);
		assertThat(registry.get("ov2ha.standby.recorders.wanted").gauge().value()).isZero();
		assertThat(registry.get("ov2ha.standby.recorders").tag("state", "ready").gauge().value()).isZero();
		// the counters the pool holds stay reachable until here, as the pool keeps them
		Reference.reachabilityFence(starting);
	}

}
