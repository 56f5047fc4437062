/**
 * What the reconciler ({@code reconcile/}) judges with and acts through: the pure detection
 * rules ({@link io.ov2ha.controller.failover.DetectionRules}), what is observed of a recording
 * ({@link io.ov2ha.controller.failover.Snapshot}, {@link io.ov2ha.controller.failover.FailoverReads}),
 * the backup (claim, specs, start, warm standbys), the end of a backup
 * ({@link io.ov2ha.controller.failover.StopCoordinator}), OpenVidu's questions around a backup,
 * the failover history and its API. It never depends on {@code reconcile/}.
 */
package io.ov2ha.controller.failover;
