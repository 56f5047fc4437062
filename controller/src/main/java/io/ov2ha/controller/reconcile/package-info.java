/**
 * The reconciler, in the style of Kubernetes controllers: event sources (Docker events, stops
 * requested of this controller, heartbeats that show a standstill, the periodic sweep) only write
 * down what they saw and queue the recording's id; one reconciliation per recording at a time
 * observes it, asks the pure {@code ReconcileDecision} what to do,
 * and performs it through the actions of {@code failover/}. This package depends on
 * {@code failover/}, never the reverse ({@code PackageCyclesTest}); failover's views read the
 * reconciler through {@link io.ov2ha.controller.failover.ReconcilerStatus}.
 */
package io.ov2ha.controller.reconcile;
