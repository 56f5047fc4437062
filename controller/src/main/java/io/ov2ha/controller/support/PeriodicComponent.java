package io.ov2ha.controller.support;

import org.springframework.context.SmartLifecycle;

/**
 * A component whose periodic work is one {@link PeriodicPass}, started and stopped with the
 * application: started once every bean is ready, stopped before Redis and the other
 * connections go away (and again when the test framework pauses a cached context). A component
 * that runs only in some configurations overrides {@link #start()} and calls the default when
 * it does.
 */
public interface PeriodicComponent extends SmartLifecycle {

	/** The schedule of this component's passes. */
	PeriodicPass schedule();

	@Override
	default void start() {
		schedule().start();
	}

	@Override
	default boolean isRunning() {
		return schedule().isRunning();
	}

	/** Ends the schedule; a pass under way is interrupted and awaited. Idempotent. */
	@Override
	default void stop() {
		schedule().stop();
	}

}
