package io.ov2ha.controller.recording;

import java.time.Instant;

import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.JsonNode;

/**
 * A recorder container that held an epoch of a recording.
 *
 * @param epoch the epoch it held
 * @param containerId Docker container id (empty when the recorder could not tell)
 * @param host host it ran on
 * @param role {@code primary} (started by OpenVidu) or {@code backup} (started by the controller)
 * @param since when it got the epoch
 * @param startChunk a backup's first chunk ({@code HA_START_CHUNK}): where its media time starts
 *        (counted from this chunk); null for OpenVidu's recorder (it starts at 0) or when unknown
 */
public record ContainerEntry(long epoch, String containerId, String host, String role, Instant since,
		@Schema(description = "A backup's first chunk (HA_START_CHUNK); null for OpenVidu's recorder or when unknown",
				example = "13") Long startChunk) {

	/** An entry of the recording's container history (its JSON); a start chunk that is no sane seq is unknown. */
	static ContainerEntry fromJson(JsonNode n) {
		JsonNode start = n.path("startChunk");
		long startChunk = start.isIntegralNumber() && start.canConvertToLong() ? start.asLong() : -1;
		return new ContainerEntry(n.path("epoch").asLong(), n.path("containerId").asString(""),
				n.path("host").asString(""), n.path("role").asString(""), Instant.ofEpochMilli(n.path("since").asLong()),
				startChunk >= 0 ? startChunk : null);
	}

}
