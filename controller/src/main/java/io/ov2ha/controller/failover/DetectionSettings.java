package io.ov2ha.controller.failover;

import java.time.Duration;

import io.ov2ha.controller.config.HaProperties;

/**
 * The settings of {@link DetectionRules}.
 *
 * @param heartbeatInterval the recorders' heartbeat period
 * @param heartbeatTimeout silence after which a recorder counts as missing
 * @param chunkDuration the recorders' chunk length
 * @param chunkStallTimeout no new chunk for this long stalls an older recorder (2 chunks + grace)
 * @param stallTimeout no media progress for this long stalls a capturing recorder
 * @param startTimeout a recorder still starting after this long has failed to start
 * @param pressureThreshold host CPU pressure (percent) from which the host is saturated (0: never,
 *        and no standstill is the host's)
 * @param pressureTimeout silence or stall a recorder gets on a saturated host or in a standstill
 *        shared with another recorder of the host; also the media stall a recorder whose page is
 *        still to show gets, whatever the host's load
 * @param blankTimeout a backup blank this long that never showed anything has no content (zero: never)
 */
public record DetectionSettings(Duration heartbeatInterval, Duration heartbeatTimeout, Duration chunkDuration,
		Duration chunkStallTimeout, Duration stallTimeout, Duration startTimeout, double pressureThreshold,
		Duration pressureTimeout, Duration blankTimeout) {

	/** Without the content rule. */
	public DetectionSettings(Duration heartbeatInterval, Duration heartbeatTimeout, Duration chunkDuration,
			Duration chunkStallTimeout, Duration stallTimeout, Duration startTimeout, double pressureThreshold,
			Duration pressureTimeout) {
		this(heartbeatInterval, heartbeatTimeout, chunkDuration, chunkStallTimeout, stallTimeout, startTimeout,
				pressureThreshold, pressureTimeout, Duration.ZERO);
	}

	/** Without host load awareness. */
	DetectionSettings(Duration heartbeatInterval, Duration heartbeatTimeout, Duration chunkDuration,
			Duration chunkStallTimeout, Duration stallTimeout, Duration startTimeout) {
		this(heartbeatInterval, heartbeatTimeout, chunkDuration, chunkStallTimeout, stallTimeout, startTimeout, 0,
				Duration.ZERO);
	}

	/** The settings configured ({@code HA_HEARTBEAT_*}, {@code HA_*_TIMEOUT}, ...). */
	public static DetectionSettings of(HaProperties properties) {
		var hb = properties.heartbeat();
		var f = properties.failover();
		return new DetectionSettings(hb.interval(), hb.timeout(), f.chunkDuration(), f.chunkStallTimeout(),
				f.stallTimeout(), f.startTimeout(), f.cpuPressureThreshold(), f.cpuPressureTimeout(), f.blankTimeout());
	}

	/** Whether the rules weigh the host: its saturation and a standstill shared by its recorders (threshold 0: off). */
	boolean loadAware() {
		return pressureThreshold > 0;
	}

	/** Whether a host CPU pressure (percent; NaN: unknown) counts as saturated. */
	boolean saturated(double cpuPressure) {
		return HostPressure.saturated(pressureThreshold, cpuPressure);
	}

	/** A timeout as it applies on a saturated host or to a host-wide standstill: never shorter than normal. */
	Duration patient(Duration normal) {
		return DetectionRules.longest(normal, pressureTimeout);
	}

}
