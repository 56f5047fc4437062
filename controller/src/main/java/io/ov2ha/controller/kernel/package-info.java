/**
 * The controller's shared value types, with no dependency on any other package of the controller
 * (so that no package cycle goes through them): {@link io.ov2ha.controller.kernel.RecordingId},
 * the one validator of recording ids. {@code PackageCyclesTest} holds the packages to no cycle.
 */
package io.ov2ha.controller.kernel;
