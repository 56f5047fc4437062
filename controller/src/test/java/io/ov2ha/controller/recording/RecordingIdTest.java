package io.ov2ha.controller.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ov2ha.controller.web.ApiException;

class RecordingIdTest {

	@ParameterizedTest
	@ValueSource(strings = { "ses_AbC", "ses_AbC~1", "a", "A-b_c~9" })
	void acceptsOpenViduIds(String id) {
		assertThat(RecordingId.of(id).value()).isEqualTo(id);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "../x", "a/b", "a b", "é", "a.b", "a:b", "a\tb", "a$b", "a`b" })
	void refusesAnythingElse(String id) {
		assertThatThrownBy(() -> RecordingId.of(id)).isInstanceOf(ApiException.class);
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
