package io.ov2ha.controller.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogValuesTest {

	@Test
	void quotesAndEscapesSoALineCannotBeForged() {
		assertThat(LogValues.quote("a\"b\\c\nlevel=ERROR")).isEqualTo("\"a\\\"b\\\\c\\u000alevel=ERROR\"");
		assertThat(LogValues.quote(null)).isEqualTo("\"\"");
		assertThat(LogValues.quote("x".repeat(500))).hasSize(200 + 5);
	}

}
