package io.ov2ha.controller.failover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;

/**
 * The host's CPU pressure, from the kernel's pressure stall information ({@code /proc/pressure/cpu}
 * by default, {@code HA_CPU_PRESSURE_FILE}): the share of the last 10 s in which at least one task
 * waited for a CPU ({@code some avg10}, percent). It is the host's, not the controller's cgroup's:
 * the recorders run on the same host (one Docker engine). Read at most once a second; NaN when the
 * file cannot be read (an older kernel, a masked /proc): then detection runs as without it.
 * Gauge {@code ov2ha.host.cpu.pressure} [ov2ha_host_cpu_pressure_ratio], 0..1.
 */
@Component
public class HostPressure {

	private static final Log LOG = LogFactory.getLog(HostPressure.class);

	private static final Duration REFRESH = Duration.ofSeconds(1);

	private final Path file;

	private final Clock clock;

	private volatile double percent = Double.NaN;

	private volatile Instant readAt = Instant.EPOCH;

	private volatile boolean warned;

	public HostPressure(HaProperties properties, Clock clock, MeterRegistry registry) {
		this.file = Path.of(properties.failover().cpuPressureFile());
		this.clock = clock;
		Gauge.builder("ov2ha.host.cpu.pressure", this, p -> p.percent() / 100.0)
			.description("Share of the last 10 s in which a task on the host waited for a CPU (PSI cpu some avg10); "
					+ "NaN when unknown")
			.baseUnit("ratio")
			.register(registry);
	}

	/**
	 * Whether a CPU pressure (percent; NaN: unknown) counts as saturated under a threshold
	 * ({@code HA_CPU_PRESSURE_THRESHOLD}, percent; 0: never): the one rule of detection and pool.
	 */
	static boolean saturated(double threshold, double percent) {
		return threshold > 0 && !Double.isNaN(percent) && percent >= threshold;
	}

	/** {@code some avg10} in percent (0..100), NaN when unknown. */
	public double percent() {
		Instant now = clock.instant();
		if (readAt.plus(REFRESH).isAfter(now)) {
			return percent;
		}
		readAt = now;
		double value;
		try {
			value = parse(Files.readString(file));
		}
		catch (IOException | RuntimeException ex) {
			value = Double.NaN;
			if (!warned) {
				warned = true;
				LOG.warn("event=host_pressure.unavailable file=" + file + " error=" + ex.getClass().getSimpleName()
						+ " effect=detection_without_host_load");
			}
		}
		percent = value;
		return value;
	}

	/** {@code some avg10=12.34 avg60=...} -> 12.34; NaN when the line or the field is missing. */
	static double parse(String text) {
		for (String line : text.split("\n")) {
			if (!line.startsWith("some ")) {
				continue;
			}
			for (String field : line.split(" ")) {
				if (field.startsWith("avg10=")) {
					double v = Double.parseDouble(field.substring("avg10=".length()));
					return v >= 0 && v <= 100 ? v : Double.NaN;
				}
			}
		}
		return Double.NaN;
	}

}
