package io.ov2ha.controller.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The cut written with a loss-ended recording (its media time at the loss), and read back from the hash. */
class LossCutTest {

	private static final Instant HEARTBEAT = Instant.parse("2026-01-01T00:00:10Z");

	private static Recording recording(long epoch, Map<String, String> fields) {
		Map<String, String> h = new HashMap<>(Map.of("id", "ses_A", "createdAt", "1", "status", "RECORDING", "epoch",
				Long.toString(epoch), "lastHeartbeatAt", Long.toString(HEARTBEAT.toEpochMilli())));
		h.putAll(fields);
		return Recording.fromHash(h);
	}

	@Test
	void theMediaTimeOfTheLastHeartbeatMovesOnWithTheWallClock() {
		Recording r = recording(1, Map.of("hbEpoch", "1", "hbPhase", "capturing", "hbMediaTimeMs", "42000"));
		Instant lost = HEARTBEAT.plusMillis(1500);
		assertThat(LossCut.of(r, lost)).contains(new LossCut(1, lost.toEpochMilli(), 43_500));
		// a heartbeat that arrived after the loss was decided (its media is later): back to the loss
		Instant earlier = HEARTBEAT.minusMillis(700);
		assertThat(LossCut.of(r, earlier)).contains(new LossCut(1, earlier.toEpochMilli(), 41_300));
		// never before the epoch's start
		Instant longBefore = HEARTBEAT.minusSeconds(60);
		assertThat(LossCut.of(r, longBefore)).contains(new LossCut(1, longBefore.toEpochMilli(), 0));
	}

	@Test
	void theAgeOfTheProgressReportMovesTheMediaTimeBack() {
		// the heartbeat arrived at 10 s with a report 400 ms old: 42 s of media at 9.6 s
		Recording r = recording(1, Map.of("hbEpoch", "1", "hbPhase", "capturing", "hbMediaTimeMs", "42000",
				"hbMediaAtMs", Long.toString(HEARTBEAT.minusMillis(400).toEpochMilli())));
		Instant lost = HEARTBEAT.plusMillis(1500);
		assertThat(LossCut.of(r, lost)).contains(new LossCut(1, lost.toEpochMilli(), 43_900));
		// an implausible date (a report older than 10 s, or after its heartbeat): the heartbeat's own
		for (Instant odd : new Instant[] { HEARTBEAT.minusSeconds(11), HEARTBEAT.plusMillis(1) }) {
			Recording aged = recording(1, Map.of("hbEpoch", "1", "hbPhase", "capturing", "hbMediaTimeMs", "42000",
					"hbMediaAtMs", Long.toString(odd.toEpochMilli())));
			assertThat(LossCut.of(aged, lost)).contains(new LossCut(1, lost.toEpochMilli(), 43_500));
		}
	}

	@Test
	void aRecorderThatHadWrittenNothingIsCutAtItsStart() {
		Recording starting = recording(1, Map.of("hbEpoch", "1", "hbPhase", "starting"));
		Instant lost = HEARTBEAT.plusSeconds(3);
		assertThat(LossCut.of(starting, lost)).as("no frame written yet")
			.contains(new LossCut(1, lost.toEpochMilli(), 0));
		assertThat(LossCut.of(starting, HEARTBEAT.plusMillis(LossCut.FRESH_MS + 1)))
			.as("an old starting heartbeat proves nothing").isEmpty();
	}

	@Test
	void noCutWithoutALossOrWhenTheMediaTimeIsUnknown() {
		Recording r = recording(1, Map.of("hbEpoch", "1", "hbMediaTimeMs", "42000"));
		assertThat(LossCut.of(r, null)).as("a stop, not a loss").isEmpty();
		assertThat(LossCut.of(recording(1, Map.of("hbEpoch", "1")), HEARTBEAT))
			.as("a recorder that reports no progress").isEmpty();
		assertThat(LossCut.of(recording(2, Map.of("hbEpoch", "1", "hbMediaTimeMs", "42000")), HEARTBEAT))
			.as("no heartbeat of the epoch yet: the dead recorder's media time is not the new one's").isEmpty();
		assertThat(LossCut.of(recording(0, Map.of()), HEARTBEAT)).as("a primary never heard of").isEmpty();
	}

	@Test
	void roundTripsThroughTheHash() {
		LossCut cut = new LossCut(2, HEARTBEAT.toEpochMilli(), 12_500);
		assertThat(recording(2, cut.fields()).lossCut()).isEqualTo(cut);
		assertThat(recording(2, Map.of()).lossCut()).isNull();
		assertThat(recording(2, Map.of(LossCut.EPOCH_FIELD, "2", LossCut.MEDIA_FIELD, "12500")).lossCut())
			.as("half written: no cut").isNull();
		assertThat(recording(2, Map.of(LossCut.EPOCH_FIELD, "2", LossCut.AT_FIELD, "1", LossCut.MEDIA_FIELD, "-5"))
			.lossCut()).as("corrupt: no cut").isNull();
	}

}
