package io.ov2ha.controller.failover;

import java.nio.file.Files;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.storage.ChunkKeys;

/**
 * The recorder's stop marker ({@link ChunkKeys#stopMarker}): a recorder that is gone but left
 * its marker stopped normally (OpenVidu's {@code q}), even if the controller heard neither
 * OpenVidu's {@code stopped} nor the recorder's finalize call (it was down). Such a recording
 * is finalized, never given a backup.
 */
@Component
public class StopMarkers {

	private final HaProperties properties;

	StopMarkers(HaProperties properties) {
		this.properties = properties;
	}

	public boolean stoppedNormally(RecordingId id, long epoch) {
		return Files.exists(properties.recordingsDir().resolve(ChunkKeys.stopMarker(id, epoch)));
	}

}
