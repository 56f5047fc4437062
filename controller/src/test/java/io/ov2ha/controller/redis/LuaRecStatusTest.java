package io.ov2ha.controller.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.recording.FinalEventOwner;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.support.TestRedis;

/**
 * The rules on a recording's status the Lua scripts share (lib/recstatus.lua), on a real Redis:
 * the one list of final statuses, a recorder's call refused, who announces the final status.
 */
class LuaRecStatusTest {

	/** A status compared with a final one, or a table of them, written out in a script. */
	private static final Pattern SPELLED_OUT = Pattern.compile("[=~]= '(READY|FAILED|ABANDONED)'|(READY|FAILED|ABANDONED) = true");

	static StringRedisTemplate redis;

	@BeforeAll
	static void connect() {
		redis = TestRedis.template();
	}

	private static String isFinal(String expression, String... args) {
		@SuppressWarnings("unchecked")
		List<Object> out = redis.execute(LuaScripts.of("return {tostring(recstatus.final(" + expression + "))}"),
				List.of(), (Object[]) args);
		return out.get(0).toString();
	}

	@Test
	void theScriptsAndRecordingStatusAgreeOnWhichStatusesAreFinal() {
		for (RecordingStatus s : RecordingStatus.values()) {
			assertThat(isFinal("ARGV[1]", s.name())).as(s.name()).isEqualTo(Boolean.toString(s.isFinal()));
		}
	}

	@Test
	void aMissingOrUnknownStatusIsNotFinal() {
		assertThat(isFinal("nil")).isEqualTo("false");
		assertThat(isFinal("false")).as("a missing hash field").isEqualTo("false");
		assertThat(isFinal("ARGV[1]", "")).isEqualTo("false");
		assertThat(isFinal("ARGV[1]", "ready")).isEqualTo("false");
	}

	/** A recorder's call refused: no recording, a final one, or not the caller's epoch (in that order). */
	@Test
	void aRecordersCallIsRefusedForAMissingOrFinalRecordingOrAnotherEpoch() {
		assertThat(refusal("false", "'1'", "'1'")).isEqualTo("NOT_FOUND");
		assertThat(refusal("'READY'", "'2'", "'1'")).isEqualTo("FINAL READY 2");
		assertThat(refusal("'FAILED'", "'1'", "'1'")).isEqualTo("FINAL FAILED 1");
		assertThat(refusal("'RECORDING'", "'2'", "'1'")).isEqualTo("STALE_EPOCH 2");
		assertThat(refusal("'STOPPING'", "'9007199254740993'", "'9007199254740992'")).as("exact, past 2^53")
			.isEqualTo("STALE_EPOCH 9007199254740993");
		assertThat(refusal("'RECORDING'", "'1'", "'1'")).isEqualTo("none");
		assertThat(refusal("'STOPPING'", "'1'", "'1'")).isEqualTo("none");
	}

	private static String refusal(String status, String epoch, String callerEpoch) {
		@SuppressWarnings("unchecked")
		List<Object> out = redis.execute(LuaScripts.of("local r = recstatus.refusal(" + status + ", " + epoch + ", "
				+ callerEpoch + ") if r == nil then return {'none'} end return r"), List.of());
		return String.join(" ", out.stream().map(Object::toString).toList());
	}

	/**
	 * Who announces the final status: the script's rule and {@link FinalEventOwner}'s give the same
	 * answer on every combination of the hash's values (absent: Lua's false, Java's null).
	 */
	@Test
	void theScriptsAndFinalEventOwnerAgreeOnWhoAnnouncesTheFinalStatus() {
		List<String> counts = List.of("", "0", "1", "2", "x");
		List<String> flags = List.of("", "0", "1");
		List<String> statuses = new ArrayList<>(List.of("", "finalizing"));
		for (RecordingStatus s : RecordingStatus.values()) {
			statuses.add(s.name());
		}
		int controller = 0;
		for (String count : counts) {
			for (String flag : flags) {
				for (String status : statuses) {
					@SuppressWarnings("unchecked")
					List<Object> out = redis.execute(LuaScripts.of("local function v(s) if s == '' then return false end"
							+ " return s end return {tostring(recstatus.controller_announces(v(ARGV[1]), v(ARGV[2]),"
							+ " v(ARGV[3])))}"), List.of(), count, flag, status);
					boolean java = FinalEventOwner.controllerAnnounces(count.isEmpty() ? null : count,
							flag.isEmpty() ? null : flag, status.isEmpty() ? null : status);
					assertThat(out.get(0).toString()).as("failoverCount=%s controllerAnnounces=%s status=%s", count, flag,
							status).isEqualTo(Boolean.toString(java));
					controller += java ? 1 : 0;
				}
			}
		}
		assertThat(controller).as("both answers occur").isPositive().isLessThan(counts.size() * flags.size() * statuses.size());
	}

	@Test
	void noScriptSpellsTheFinalStatusesOut() throws IOException, URISyntaxException {
		Path dir = Path.of(LuaRecStatusTest.class.getClassLoader().getResource("redis").toURI());
		List<Path> scripts;
		try (Stream<Path> files = Files.list(dir)) {
			scripts = files.filter(p -> p.toString().endsWith(".lua")).toList();
		}
		assertThat(scripts).hasSizeGreaterThan(10);
		for (Path script : scripts) {
			assertThat(SPELLED_OUT.matcher(Files.readString(script)).find())
				.as(script.getFileName() + " compares with a final status itself: use recstatus.final")
				.isFalse();
		}
	}

}
