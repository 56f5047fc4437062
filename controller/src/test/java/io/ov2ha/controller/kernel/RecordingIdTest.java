package io.ov2ha.controller.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecordingIdTest {

	@ParameterizedTest
	@ValueSource(strings = { "ses_AbC", "ses_AbC~1", "a", "A-b_c~9" })
	void acceptsOpenViduIds(String id) {
		assertThat(RecordingId.of(id).value()).isEqualTo(id);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "../x", "a/b", "a b", "é", "a.b", "a:b", "a\tb", "a$b", "a`b" })
	void refusesAnythingElse(String id) {
		// the message says what an id is and never repeats the (untrusted) value
		assertThatThrownBy(() -> RecordingId.of(id)).isInstanceOf(InvalidRecordingIdException.class)
			.hasMessage("A recording id has 1 to 128 characters from [A-Za-z0-9_~-].");
	}

	@Test
	void limitsTheLength() {
		assertThat(RecordingId.isValid("x".repeat(128))).isTrue();
		assertThat(RecordingId.isValid("x".repeat(129))).isFalse();
		assertThat(RecordingId.isValid(null)).isFalse();
	}

	@Test
	void namesOpenVidusContainerTheWayOpenViduDoes() {
		assertThat(RecordingId.of("ses_AbC~1").openViduContainerName()).isEqualTo("recording_ses_AbC_1");
	}

}
