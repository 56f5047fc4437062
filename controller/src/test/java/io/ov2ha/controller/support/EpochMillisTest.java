package io.ov2ha.controller.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** The one parser of stored numbers and times: a bad value is "unknown", never an exception. */
class EpochMillisTest {

	@Test
	void aDecimalLongIsRead() {
		assertThat(EpochMillis.longOrNull("1700000000123")).isEqualTo(1700000000123L);
		assertThat(EpochMillis.longOrNull("-5")).isEqualTo(-5L);
		assertThat(EpochMillis.longOr("42", 0)).isEqualTo(42L);
		assertThat(EpochMillis.instantOrNull("1700000000123")).isEqualTo(Instant.ofEpochMilli(1700000000123L));
	}

	@Test
	void missingEmptyOrMalformedIsUnknown() {
		for (String bad : new String[] { null, "", " 1", "1.5", "abc", "99999999999999999999", "0x10" }) {
			assertThat(EpochMillis.longOrNull(bad)).as(String.valueOf(bad)).isNull();
			assertThat(EpochMillis.instantOrNull(bad)).as(String.valueOf(bad)).isNull();
			assertThat(EpochMillis.longOr(bad, 7)).as(String.valueOf(bad)).isEqualTo(7L);
		}
	}

}
