package io.ov2ha.controller.failover;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Objects;

import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Manifests;
import tools.jackson.databind.JsonNode;

/** What the failover scenario tests read of a recording through the admin API, and wait for. */
final class ScenarioApi {

	private final Api admin;

	ScenarioApi(Api admin) {
		this.admin = admin;
	}

	JsonNode recording(String id) {
		return admin.get("/api/recordings/" + id).json();
	}

	JsonNode failovers(String id) {
		return admin.get("/api/recordings/" + id + "/failovers").json();
	}

	/** Until a chunk of at least {@code seq} is reported (any epoch). */
	void awaitChunk(String id, long seq, Duration atMost) {
		await().atMost(atMost).until(() -> recording(id).path("chunks").path("lastSeq").asLong(-1) >= seq);
	}

	/** Until chunk {@code seq} of {@code epoch} is in the manifest (40 s). */
	void awaitChunkOfEpoch(String id, long seq, long epoch) {
		Manifests.awaitChunk(admin, id, Duration.ofSeconds(40), Manifests.chunkOf(seq, epoch),
				() -> "chunk " + seq + " of epoch " + epoch + " expected; recording: " + recording(id) + "; failovers: "
						+ failovers(id));
	}

	/** Until the failover to {@code epoch} has started its backup; answers its history entry. */
	JsonNode awaitBackupStarted(String id, long epoch, Duration atMost) {
		// the entry as it was seen started (a later one may have been rewritten, e.g. abandoned)
		return await().atMost(atMost).until(() -> started(id, epoch), Objects::nonNull);
	}

	private JsonNode started(String id, long epoch) {
		for (JsonNode f : failovers(id).path("failovers")) {
			if (f.path("toEpoch").asLong() == epoch && f.path("outcome").asString().equals("started")) {
				return f;
			}
		}
		return null;
	}

}
