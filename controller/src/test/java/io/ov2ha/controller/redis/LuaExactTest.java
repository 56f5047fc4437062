package io.ov2ha.controller.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.support.TestRedis;

/** The exact integer helpers every epoch and seq comparison in the Lua scripts uses, on a real Redis. */
class LuaExactTest {

	static final String TWO_53 = "9007199254740992";

	static final String TWO_53_PLUS_1 = "9007199254740993";

	static StringRedisTemplate redis;

	@BeforeAll
	static void connect() {
		redis = TestRedis.template();
	}

	private static String eval(String body, String... args) {
		@SuppressWarnings("unchecked")
		List<Object> out = redis.execute(LuaScripts.of(body), List.of(), (Object[]) args);
		return out.isEmpty() || out.get(0) == null ? "nil" : out.get(0).toString();
	}

	private static String eq(String a, String b) {
		return eval("return {tostring(exact.eq(ARGV[1], ARGV[2]))}", a, b);
	}

	private static String cmp(String a, String b) {
		return eval("return {tostring(exact.cmp(ARGV[1], ARGV[2]))}", a, b);
	}

	@Test
	void tonumberCannotTellTwoTo53FromItsSuccessorButExactCan() {
		assertThat(eval("return {tostring(tonumber(ARGV[1]) == tonumber(ARGV[2]))}", TWO_53, TWO_53_PLUS_1))
			.as("the comparison the scripts used before").isEqualTo("true");
		assertThat(eq(TWO_53, TWO_53_PLUS_1)).isEqualTo("false");
		assertThat(eq(TWO_53, TWO_53)).isEqualTo("true");
		assertThat(cmp(TWO_53_PLUS_1, TWO_53)).isEqualTo("1");
		assertThat(cmp(TWO_53, TWO_53_PLUS_1)).isEqualTo("-1");
		assertThat(cmp("9223372036854775807", "9223372036854775806")).isEqualTo("1");
	}

	@Test
	void comparesByMagnitudeNotByText() {
		assertThat(cmp("10", "9")).isEqualTo("1");
		assertThat(cmp("9", "10")).isEqualTo("-1");
		assertThat(cmp("0", "0")).isEqualTo("0");
		assertThat(cmp("123", "123")).isEqualTo("0");
		assertThat(cmp("99", "100000000000000000000")).isEqualTo("-1");
	}

	@Test
	void aValueThatIsNotACanonicalDecimalEqualsNothing() {
		for (String bad : List.of("", "01", "00", "-1", "+1", "1e3", "1.0", " 1", "1 ", "0x10", "abc")) {
			assertThat(eq(bad, bad)).as("eq(%s)", bad).isEqualTo("false");
			assertThat(cmp(bad, "1")).as("cmp(%s)", bad).isEqualTo("nil");
		}
		assertThat(eval("return {tostring(exact.eq(false, '0'))}")).as("a missing hash field").isEqualTo("false");
		assertThat(eval("return {tostring(exact.eq(7, '7'))}")).as("an integer reply").isEqualTo("true");
	}

}
