/**
 * The end of a recording, across features: a stopped backup is finalized, and the one final
 * {@code recordingStatusChanged} event the customer gets is decided here. OpenVidu announces a
 * recording itself only when its own recorder (epoch 0) waited for the controller's verified
 * final; in every other case (a backup recorded, the controller ended it, the finalization failed
 * or ended after the recorder gave up, or the failovers ran out) the controller announces the
 * outcome, and
 * OpenVidu's own {@code ready}/{@code failed} is stored but not relayed. The rule is written once,
 * in {@link io.ov2ha.controller.recording.FinalEventOwner} (and its Lua copy for the webhook
 * intake's atomic check).
 */
package io.ov2ha.controller.lifecycle;
