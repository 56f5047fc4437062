package io.ov2ha.controller.finalize;

import io.ov2ha.controller.kernel.RecordingId;

/**
 * Told before each step of a finalization attempt, in the thread that runs it. Beans of this
 * type are optional; the tests use one to stop a controller in the middle of a join.
 */
public interface FinalizationStepListener {

	void beforeStep(RecordingId id, Finalization.Step step);

}
