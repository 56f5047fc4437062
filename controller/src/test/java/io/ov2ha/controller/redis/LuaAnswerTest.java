package io.ov2ha.controller.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The one typed answer of our Lua scripts (each store's scripts are checked by its *AnswersTest). */
class LuaAnswerTest {

	enum Code {

		DONE, REFUSED

	}

	@Test
	void anAnswerKeepsItsCodeAndValues() {
		LuaAnswer<Code> answer = LuaAnswer.of("DONE", List.of("3", "RECORDING"), Code.class);

		assertThat(answer.code()).isEqualTo(Code.DONE);
		assertThat(answer.longValue(0)).isEqualTo(3);
		assertThat(answer.value(1)).isEqualTo("RECORDING");
		assertThat(answer.value(2)).isNull();
	}

	@Test
	void anAnswerTheEnumDoesNotKnowIsABug() {
		assertThatThrownBy(() -> LuaAnswer.of("MAYBE", List.of(), Code.class))
			.isInstanceOf(IllegalStateException.class)
			.hasMessage("unexpected answer MAYBE of a Code script");
	}

}
