package io.ov2ha.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ov2ha.controller.failover.FailoverReason;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * The exit of a recording's current recorder: the recorder protocol's exit codes
 * (docs/recorder-protocol.md) against the recording's status.
 */
class RecorderExitTest {

	private static final Long GONE = null;

	static Stream<Arguments> table() {
		return Stream.of(
				// case, status, exitCode, oom, stoppedNormally, verdict
				Arguments.of("normal end whose stop notice was missed", RecordingStatus.RECORDING, 0L, false, false, RecorderExit.FINISHED),
				Arguments.of("crash: a backup", RecordingStatus.RECORDING, 1L, false, false, RecorderExit.REPLACE_DIED),
				Arguments.of("docker kill (137): a backup", RecordingStatus.RECORDING, 137L, false, false, RecorderExit.REPLACE_DIED),
				Arguments.of("SIGTERM from someone else (143): a backup", RecordingStatus.RECORDING, 143L, false, false, RecorderExit.REPLACE_DIED),
				Arguments.of("fenced by a newer epoch: nothing", RecordingStatus.RECORDING, 3L, false, false, RecorderExit.NO_ACTION),
				Arguments.of("unsupported mode: nothing", RecordingStatus.RECORDING, 64L, false, false, RecorderExit.NO_ACTION),
				Arguments.of("recordings folder unusable: failed", RecordingStatus.RECORDING, 73L, false, false, RecorderExit.MISCONFIGURED),
				Arguments.of("invalid settings: failed", RecordingStatus.RECORDING, 78L, false, false, RecorderExit.MISCONFIGURED),
				Arguments.of("OOM killed: a backup", RecordingStatus.RECORDING, 137L, true, false, RecorderExit.REPLACE_OOM),
				Arguments.of("OOM overrides exit 0", RecordingStatus.RECORDING, 0L, true, false, RecorderExit.REPLACE_OOM),
				Arguments.of("OOM overrides a misconfiguration code", RecordingStatus.RECORDING, 78L, true, false, RecorderExit.REPLACE_OOM),
				Arguments.of("OOM of a gone container", RecordingStatus.RECORDING, GONE, true, true, RecorderExit.REPLACE_OOM),
				Arguments.of("gone after its stop marker: finished", RecordingStatus.RECORDING, GONE, false, true, RecorderExit.FINISHED),
				Arguments.of("gone without a stop marker: a backup", RecordingStatus.RECORDING, GONE, false, false, RecorderExit.REPLACE_DIED),
				Arguments.of("stopping, exit 0: the normal end", RecordingStatus.STOPPING, 0L, false, false, RecorderExit.ENDING_FINISHED),
				Arguments.of("stopping, crash: nothing to replace", RecordingStatus.STOPPING, 137L, false, false, RecorderExit.ENDING_DIED),
				Arguments.of("stopping, gone: nothing to replace", RecordingStatus.STOPPING, GONE, false, true, RecorderExit.ENDING_DIED),
				Arguments.of("stopping, exit 0 with an OOM event: the status decides first, logged as the end", RecordingStatus.STOPPING, 0L, true, false, RecorderExit.ENDING_FINISHED),
				Arguments.of("finalizing, crash", RecordingStatus.FINALIZING, 1L, false, false, RecorderExit.ENDING_DIED),
				Arguments.of("finalizing, exit 0", RecordingStatus.FINALIZING, 0L, false, false, RecorderExit.ENDING_DIED),
				Arguments.of("ready", RecordingStatus.READY, 137L, false, false, RecorderExit.ALREADY_FINAL),
				Arguments.of("failed", RecordingStatus.FAILED, 0L, false, false, RecorderExit.ALREADY_FINAL),
				Arguments.of("abandoned", RecordingStatus.ABANDONED, GONE, true, false, RecorderExit.ALREADY_FINAL));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("table")
	void decides(String name, RecordingStatus status, Long exitCode, boolean oom, boolean stoppedNormally,
			RecorderExit expected) {
		RecorderExit verdict = RecorderExit.decide(status, exitCode, oom, () -> stoppedNormally);
		assertThat(verdict).isEqualTo(expected);
		assertThat(verdict.replaces()).isEqualTo(expected == RecorderExit.REPLACE_DIED
				|| expected == RecorderExit.REPLACE_OOM);
	}

	/** Every status x exit code x oom x marker: only a RECORDING recording is ever replaced. */
	@Test
	void onlyARecordingRecordingIsEverReplacedAndTheMarkerIsAskedOnlyForAGoneContainer() {
		List<Long> codes = new ArrayList<>();
		codes.add(GONE);
		for (long c = 0; c <= 255; c++) {
			codes.add(c);
		}
		int replaced = 0;
		for (RecordingStatus status : RecordingStatus.values()) {
			for (Long code : codes) {
				for (boolean oom : new boolean[] { false, true }) {
					for (boolean marker : new boolean[] { false, true }) {
						AtomicInteger asked = new AtomicInteger();
						RecorderExit v = RecorderExit.decide(status, code, oom, () -> {
							asked.incrementAndGet();
							return marker;
						});
						if (v.replaces()) {
							replaced++;
							assertThat(status).as("%s %s %s", code, oom, marker).isEqualTo(RecordingStatus.RECORDING);
						}
						if (code != null || oom || status != RecordingStatus.RECORDING) {
							assertThat(asked).as("%s %s %s %s", status, code, oom, marker).hasValue(0);
						}
					}
				}
			}
		}
		assertThat(replaced).isPositive();
	}

	@Test
	void theReasonOfAReplacementNamesTheOomKiller() {
		assertThat(RecorderExit.REPLACE_OOM.reason()).isEqualTo(FailoverReason.OOM_KILLED);
		assertThat(RecorderExit.REPLACE_DIED.reason()).isEqualTo(FailoverReason.CONTAINER_DIED);
	}

}
