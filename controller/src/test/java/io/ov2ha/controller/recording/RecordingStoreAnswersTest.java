package io.ov2ha.controller.recording;

import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ov2ha.controller.recording.RecorderHandover.AdoptCode;
import io.ov2ha.controller.recording.RecorderHandover.ClaimCode;
import io.ov2ha.controller.recording.RecorderHandover.StartedCode;
import io.ov2ha.controller.recording.RecordingStore.AbandonCode;
import io.ov2ha.controller.recording.RecordingStore.AnnotateCode;
import io.ov2ha.controller.recording.RecordingStore.ChunkCode;
import io.ov2ha.controller.recording.RecordingStore.DeleteCode;
import io.ov2ha.controller.recording.RecordingStore.HeartbeatCode;
import io.ov2ha.controller.recording.RecordingStore.PruneCode;
import io.ov2ha.controller.recording.RecordingStore.RegisterCode;
import io.ov2ha.controller.recording.RecordingStore.TransitionCode;
import io.ov2ha.controller.recording.RecordingStore.WebhookStartedCode;
import io.ov2ha.controller.support.LuaAnswers;

/** Each script of RecordingStore and RecorderHandover answers only constants of its enum, all of them, as its header says. */
class RecordingStoreAnswersTest {

	static Stream<Arguments> scripts() {
		return Stream.of(arguments("register", RegisterCode.class), arguments("heartbeat", HeartbeatCode.class),
				arguments("chunk", ChunkCode.class), arguments("transition", TransitionCode.class),
				arguments("delete", DeleteCode.class), arguments("webhook-started", WebhookStartedCode.class),
				arguments("annotate", AnnotateCode.class), arguments("abandon", AbandonCode.class),
				arguments("prune", PruneCode.class), arguments("recorder-claim", ClaimCode.class),
				arguments("recorder-started", StartedCode.class), arguments("recorder-adopt", AdoptCode.class));
	}

	@ParameterizedTest(name = "{0}.lua")
	@MethodSource("scripts")
	void everyAnswerOfTheScriptIsAConstantOfItsEnum(String script, Class<? extends Enum<?>> codes) {
		LuaAnswers.assertAnswersAre(script, codes);
	}

}
