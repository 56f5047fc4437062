package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The assignment a standby reads: one KEY=<base64> line per variable, any value kept exactly. */
class StandbyAssignmentTest {

	@Test
	void everyValueIsBase64OnItsOwnLineAndOddKeysAreLeftOut() {
		Map<String, String> env = new LinkedHashMap<>();
		env.put("URL", "https://OPENVIDUAPP:s3cr=t@ov.example.com/#/layout/ses_A/s3cr=t/443/false");
		env.put("RECORDING_JSON", "{\"id\":\"ses_A\",\n\"name\":\"a b ' \\\" $(x)\"}");
		env.put("HA_EPOCH", "2");
		env.put("EMPTY", "");
		env.put("lower", "ignored");
		env.put("BAD=KEY", "ignored");
		String text = new String(StandbyHandover.assignment(env), StandardCharsets.US_ASCII);
		String[] lines = text.split("\n");
		assertThat(lines).hasSize(4);
		Map<String, String> back = new LinkedHashMap<>();
		for (String line : lines) {
			assertThat(line).matches("[A-Z_]{1,64}=[A-Za-z0-9+/]*={0,2}");
			int eq = line.indexOf('=');
			back.put(line.substring(0, eq),
					new String(Base64.getDecoder().decode(line.substring(eq + 1)), StandardCharsets.UTF_8));
		}
		assertThat(back).containsExactly(Map.entry("URL", env.get("URL")),
				Map.entry("RECORDING_JSON", env.get("RECORDING_JSON")), Map.entry("HA_EPOCH", "2"), Map.entry("EMPTY", ""));
	}

}
