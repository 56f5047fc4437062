package io.ov2ha.controller.recording;

import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.ControllerTest;
import io.ov2ha.controller.support.Recordings;
import tools.jackson.databind.JsonNode;

@ControllerTest
class RecordingListingApiTest {

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	RecordingStore store;

	Api admin;

	List<String> ids = new ArrayList<>();

	@BeforeEach
	void sevenRecordingsTwoStopping() {
		// this class needs a known registry: start from an empty database
		redis.execute((org.springframework.data.redis.core.RedisCallback<Void>) c -> {
			c.serverCommands().flushDb();
			return null;
		});
		admin = Api.at(port).asAdmin();
		Api recorder = Api.at(port).asRecorder();
		for (int i = 0; i < 7; i++) {
			String id = Recordings.newId("list");
			ids.add(id);
			// createdAt 1..7 s; two recordings share a createdAt to check the tie order
			long createdAt = 1_700_000_000_000L + Math.min(i, 5) * 1000L;
			assertThat(recorder.post("/api/recordings", registration(id, createdAt, 0, "")).status()).isEqualTo(201);
		}
		store.advance(RecordingId.of(ids.get(1)), RecordingStatus.STOPPING, Map.of());
		store.advance(RecordingId.of(ids.get(3)), RecordingStatus.STOPPING, Map.of());
	}

	private List<String> page(String query) {
		Api.Response response = admin.get("/api/recordings" + query);
		assertThat(response.status()).isEqualTo(200);
		List<String> out = new ArrayList<>();
		response.json().path("items").forEach(n -> out.add(n.path("recordingId").asString()));
		return out;
	}

	@Test
	void listsNewestFirstWithAStableOrderAcrossPages() {
		List<String> all = page("?limit=500");
		List<String> paged = new ArrayList<>();
		paged.addAll(page("?limit=3&offset=0"));
		paged.addAll(page("?limit=3&offset=3"));
		paged.addAll(page("?limit=3&offset=6"));

		assertThat(all).hasSize(7).isEqualTo(paged);
		assertThat(all.get(all.size() - 1)).isEqualTo(ids.get(0));
		assertThat(all).isEqualTo(page("?limit=500"));
	}

	@Test
	void reportsTotalLimitAndOffset() {
		JsonNode page = admin.get("/api/recordings?limit=2&offset=4").json();

		assertThat(page.path("total").asLong()).isEqualTo(7);
		assertThat(page.path("limit").asInt()).isEqualTo(2);
		assertThat(page.path("offset").asInt()).isEqualTo(4);
		assertThat(page.path("items").size()).isEqualTo(2);
		assertThat(admin.get("/api/recordings?offset=50").json().path("items").size()).isZero();
	}

	@Test
	void defaultsToFiftyItems() {
		assertThat(admin.get("/api/recordings").json().path("limit").asInt()).isEqualTo(50);
	}

	@Test
	void filtersByStatus() {
		assertThat(page("?status=STOPPING")).containsExactlyInAnyOrder(ids.get(1), ids.get(3));
		assertThat(page("?status=recording")).hasSize(5).doesNotContain(ids.get(1), ids.get(3));
		assertThat(page("?status=READY")).isEmpty();
	}

	@Test
	void refusesBadPagingAndUnknownStatus() {
		for (String query : new String[] { "?limit=0", "?limit=501", "?offset=-1", "?limit=abc", "?status=BOGUS" }) {
			Api.Response response = admin.get("/api/recordings" + query);
			assertThat(response.status()).as(query).isEqualTo(400);
			assertThat(response.isProblem()).as(query).isTrue();
		}
	}

}
