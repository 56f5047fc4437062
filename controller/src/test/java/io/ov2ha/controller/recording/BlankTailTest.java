package io.ov2ha.controller.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The blank tail written with a loss-ended recording, and read back from the hash. */
class BlankTailTest {

	private static Recording recording(long epoch, Map<String, String> hb) {
		Map<String, String> h = new HashMap<>(Map.of("id", "ses_A", "createdAt", "1", "status", "RECORDING", "epoch",
				Long.toString(epoch), "updatedAt", Long.toString(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli())));
		h.putAll(hb);
		return Recording.fromHash(h);
	}

	@Test
	void aBlankRecorderOfTheCurrentEpochHasATail() {
		Recording never = recording(1, Map.of("hbEpoch", "1", "hbPhase", "capturing", "hbContent", "blank", "hbBlankMs",
				"31000", "hbShownMediaMs", ""));
		assertThat(BlankTail.of(never)).contains(new BlankTail(1, -1));
		Recording after = recording(1, Map.of("hbEpoch", "1", "hbContent", "blank", "hbBlankMs", "4000",
				"hbShownMediaMs", "12500"));
		assertThat(BlankTail.of(after)).contains(new BlankTail(1, 12_500));
	}

	@Test
	void noTailWhenShownUnknownOrFromAnotherEpoch() {
		assertThat(BlankTail.of(recording(1, Map.of("hbEpoch", "1", "hbContent", "shown", "hbBlankMs", "0",
				"hbShownMediaMs", "9000")))).isEmpty();
		assertThat(BlankTail.of(recording(1, Map.of("hbEpoch", "1", "hbContent", "")))).isEmpty();
		assertThat(BlankTail.of(recording(2, Map.of("hbEpoch", "1", "hbContent", "blank", "hbBlankMs", "9000"))))
			.as("the dead recorder's facts are not the new one's").isEmpty();
		assertThat(BlankTail.of(recording(1, Map.of("hbEpoch", "1", "hbContent", "weird")))).isEmpty();
	}

	@Test
	void roundTripsThroughTheHash() {
		BlankTail tail = new BlankTail(2, 12_500);
		assertThat(recording(2, tail.fields()).blankTail()).isEqualTo(tail);
		assertThat(recording(2, Map.of()).blankTail()).isNull();
		assertThat(recording(2, Map.of(BlankTail.EPOCH_FIELD, "2")).blankTail()).as("half written: no trim").isNull();
		assertThat(recording(2, Map.of(BlankTail.EPOCH_FIELD, "2", BlankTail.AFTER_FIELD, "-1")).blankTail())
			.isEqualTo(new BlankTail(2, -1));
		// within a probe interval (and a probe's time) of the last shown probe: may hold content
		assertThat(tail.covers(2, 17_500)).isFalse();
		assertThat(tail.covers(2, 17_501)).isTrue();
		assertThat(new BlankTail(2, -1).covers(2, 0)).isTrue();
		assertThat(tail.covers(1, 99_000)).isFalse();
	}

}
