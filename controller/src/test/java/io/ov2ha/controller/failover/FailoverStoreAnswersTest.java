package io.ov2ha.controller.failover;

import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ov2ha.controller.failover.FailoverStore.AttemptCode;
import io.ov2ha.controller.failover.FailoverStore.UpdateCode;
import io.ov2ha.controller.support.LuaAnswers;

/** Each script of FailoverStore answers only constants of its enum, all of them, as its header says. */
class FailoverStoreAnswersTest {

	static Stream<Arguments> scripts() {
		return Stream.of(arguments("failover-attempt", AttemptCode.class), arguments("failover-update", UpdateCode.class));
	}

	@ParameterizedTest(name = "{0}.lua")
	@MethodSource("scripts")
	void everyAnswerOfTheScriptIsAConstantOfItsEnum(String script, Class<? extends Enum<?>> codes) {
		LuaAnswers.assertAnswersAre(script, codes);
	}

}
