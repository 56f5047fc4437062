package io.ov2ha.controller.recording;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Who tells the customer the final status: the controller once a backup recorded, when it said so,
 * or while it still finalizes; OpenVidu otherwise. (The Lua copy of the rule is checked against
 * this one in LuaRecStatusTest.)
 */
class FinalEventOwnerTest {

	@ParameterizedTest(name = "failoverCount={0} field={1} status={2}: controller={3}")
	@CsvSource(nullValues = "-", value = {
		// OpenVidu's own recorder recorded it all, nobody else decided: OpenVidu tells
		"0, -, READY, false", "0, 0, FAILED, false", "0, -, STOPPING, false", "0, 0, RECORDING, false",
		// a backup recorded: the controller tells, whatever the field says
		"1, -, READY, true", "2, 0, FAILED, true", "1, 0, STOPPING, true",
		// the controller ended or finalized it and said so
		"0, 1, READY, true", "0, 1, FAILED, true", "0, 1, STOPPING, true",
		// its finalization still runs: OpenVidu's recorder gave up waiting for it
		"0, -, FINALIZING, true", "0, 0, FINALIZING, true" })
	void theControllerAnnouncesWhenABackupRecordedItSaidSoOrItStillFinalizes(int count, String field,
			RecordingStatus status, boolean controller) {
		assertThat(FinalEventOwner.controllerAnnounces(count, field, status)).isEqualTo(controller);
		assertThat(FinalEventOwner.controllerAnnounces(Integer.toString(count), field, status.name()))
			.as("on the hash's values").isEqualTo(controller);
	}

	@ParameterizedTest(name = "failoverCount={0} field={1} status={2}: controller={3}")
	@CsvSource(nullValues = "-", value = { "-, -, -, false", "x, -, READY, false", "-, 1, -, true",
			"-, -, finalizing, false", "3, -, -, true" })
	void hashValuesAbsentOrMalformedCountAsNone(String count, String field, String status, boolean controller) {
		assertThat(FinalEventOwner.controllerAnnounces(count, field, status)).isEqualTo(controller);
	}

	@ParameterizedTest(name = "epoch={0} openViduWaits={1}: controller={2}")
	@CsvSource({ "0, true, false", "0, false, true", "1, true, true", "3, false, true" })
	void aSealedFinalIsOpenVidusToAnnounceOnlyWhenItsOwnRecorderRecordedItAndStillWaits(long epoch,
			boolean waits, boolean controller) {
		assertThat(FinalEventOwner.controllerAnnouncesFinalized(epoch, waits)).isEqualTo(controller);
		assertThat(FinalEventOwner.field(controller)).isEqualTo(controller ? FinalEventOwner.CONTROLLER : "0");
	}

}
