package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.ov2ha.controller.finalize.Finalization.State;

/** What a reader sees of a finalization's state beside its recording's status. */
class FinalizationStoreTest {

	@ParameterizedTest(name = "{0} with the recording {1}: {2}")
	@CsvSource(nullValues = "null", textBlock = """
			DONE,       FINALIZING, RUNNING
			FAILED,     FINALIZING, RUNNING
			DONE,       READY,      DONE
			FAILED,     FAILED,     FAILED
			DONE,       FAILED,     DONE
			RUNNING,    FINALIZING, RUNNING
			RETRY_WAIT, FINALIZING, RETRY_WAIT
			PENDING,    FINALIZING, PENDING
			FAILED,     null,       FAILED
			DONE,       null,       DONE
			""")
	void anOutcomeShowsOnlyOnceTheRecordingLeftFinalizing(State stored, String recordingStatus, State seen) {
		assertThat(FinalizationStore.seen(stored, recordingStatus)).isEqualTo(seen);
	}

}
