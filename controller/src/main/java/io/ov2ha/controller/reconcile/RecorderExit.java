package io.ov2ha.controller.reconcile;

import java.util.function.BooleanSupplier;

import io.ov2ha.controller.failover.FailoverReason;
import io.ov2ha.controller.recording.RecordingStatus;

/**
 * What the exit of a recording's current recorder means (pure): the recorder protocol's table of
 * exit codes, weighed with the recording's status. Only {@link #REPLACE_DIED} and
 * {@link #REPLACE_OOM} ask for a backup.
 */
enum RecorderExit {

	/** The recording was STOPPING and its recorder ended with 0 (even if the OOM killer was reported): the normal end. */
	ENDING_FINISHED,

	/**
	 * The recording was already ending (STOPPING without exit 0, or FINALIZING) when its recorder
	 * exited: nothing to replace.
	 */
	ENDING_DIED,

	/** The recording is already final. */
	ALREADY_FINAL,

	/** Exit 0, or gone after its stop marker: a normal end whose stop notice was missed. */
	FINISHED,

	/** Exit 3 (fenced: a newer epoch holds the recording) or 64 (unsupported mode): no action. */
	NO_ACTION,

	/** Exit 73 (recordings folder unusable) or 78 (invalid settings): a backup would fail the same way. */
	MISCONFIGURED,

	/** The OOM killer hit it: a backup. */
	REPLACE_OOM,

	/** Any other exit, or gone without a stop marker: a backup. */
	REPLACE_DIED;

	/**
	 * @param status the recording's status when the exit is seen
	 * @param exitCode the container's exit code; null when it is gone and none is known
	 * @param oom whether the OOM killer hit it (Docker's oom event or its inspect)
	 * @param stoppedNormally whether it left its stop marker (asked only for a gone container)
	 */
	static RecorderExit decide(RecordingStatus status, Long exitCode, boolean oom, BooleanSupplier stoppedNormally) {
		if (status != RecordingStatus.RECORDING) {
			if (status.isFinal()) {
				return ALREADY_FINAL;
			}
			return status == RecordingStatus.STOPPING && exitCode != null && exitCode == 0 ? ENDING_FINISHED
					: ENDING_DIED;
		}
		if (oom) {
			return REPLACE_OOM;
		}
		if (exitCode == null) {
			return stoppedNormally.getAsBoolean() ? FINISHED : REPLACE_DIED;
		}
		return switch (exitCode.intValue()) {
			case 0 -> FINISHED;
			case 3, 64 -> NO_ACTION;
			case 73, 78 -> MISCONFIGURED;
			default -> REPLACE_DIED;
		};
	}

	boolean replaces() {
		return this == REPLACE_OOM || this == REPLACE_DIED;
	}

	FailoverReason reason() {
		return this == REPLACE_OOM ? FailoverReason.OOM_KILLED : FailoverReason.CONTAINER_DIED;
	}

}
