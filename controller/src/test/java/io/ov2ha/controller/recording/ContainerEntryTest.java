package io.ov2ha.controller.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

/** An entry of a recording's container history, as the scripts store it. */
class ContainerEntryTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static ContainerEntry read(String json) {
		return ContainerEntry.fromJson(JSON.readTree(json));
	}

	@Test
	void aBackupKeepsItsStartChunk() {
		ContainerEntry e = read("{\"epoch\":2,\"containerId\":\"" + "d".repeat(64)
				+ "\",\"host\":\"rec-host-2\",\"role\":\"backup\",\"since\":1700000005000,\"startChunk\":13}");
		assertThat(e).isEqualTo(new ContainerEntry(2, "d".repeat(64), "rec-host-2", "backup",
				Instant.ofEpochMilli(1700000005000L), 13L));
	}

	@Test
	void thePrimaryAndAnOlderEntryHaveNone() {
		assertThat(read("{\"epoch\":0,\"containerId\":\"\",\"host\":\"h\",\"role\":\"primary\",\"since\":1}").startChunk())
			.isNull();
	}

	@Test
	void aStartChunkThatIsNoSaneSeqIsUnknown() {
		for (String bad : new String[] { "-1", "1.5", "\"13\"", "null", "99999999999999999999999" }) {
			assertThat(read("{\"epoch\":1,\"role\":\"backup\",\"since\":1,\"startChunk\":" + bad + "}").startChunk())
				.as(bad)
				.isNull();
		}
	}

}
