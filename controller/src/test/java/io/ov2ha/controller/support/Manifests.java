package io.ov2ha.controller.support;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.awaitility.core.ConditionTimeoutException;

import tools.jackson.databind.JsonNode;

/** The one way the tests wait for a chunk in a recording's manifest ({@code GET /api/recordings/{id}/chunks}). */
public final class Manifests {

	private Manifests() {
	}

	/** A manifest entry of chunk {@code seq} written by {@code epoch}. */
	public static Predicate<JsonNode> chunkOf(long seq, long epoch) {
		return c -> c.path("seq").asLong() == seq && c.path("epoch").asLong() == epoch;
	}

	/**
	 * Until the manifest holds a chunk that matches {@code wanted}; on a timeout fails with what
	 * {@code state} says happened instead (a backup that died at once, another failover).
	 */
	public static void awaitChunk(Api admin, String id, Duration atMost, Predicate<JsonNode> wanted,
			Supplier<String> state) {
		try {
			await().atMost(atMost).until(() -> {
				for (JsonNode c : admin.get("/api/recordings/" + id + "/chunks").json().path("chunks")) {
					if (wanted.test(c)) {
						return true;
					}
				}
				return false;
			});
		}
		catch (ConditionTimeoutException ex) {
			String what;
			try {
				what = state.get();
			}
			catch (RuntimeException unreadable) {
				ex.addSuppressed(unreadable);
				what = "state unreadable";
			}
			throw new AssertionError("no such chunk of " + id + " within " + atMost.toSeconds() + " s; " + what, ex);
		}
	}

}
