package io.ov2ha.controller.finalize;

import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ov2ha.controller.finalize.FinalizationStore.RearmCode;
import io.ov2ha.controller.finalize.FinalizationStore.RequestCode;
import io.ov2ha.controller.support.LuaAnswers;

/** Each script of FinalizationStore answers only constants of its enum, all of them, as its header says. */
class FinalizationStoreAnswersTest {

	static Stream<Arguments> scripts() {
		return Stream.of(arguments("finalization-request", RequestCode.class),
				arguments("finalization-rearm", RearmCode.class));
	}

	@ParameterizedTest(name = "{0}.lua")
	@MethodSource("scripts")
	void everyAnswerOfTheScriptIsAConstantOfItsEnum(String script, Class<? extends Enum<?>> codes) {
		LuaAnswers.assertAnswersAre(script, codes);
	}

}
