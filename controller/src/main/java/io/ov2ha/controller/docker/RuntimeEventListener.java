package io.ov2ha.controller.docker;

/** Receives a runtime's container events. Called on the runtime's event thread: do not block. */
public interface RuntimeEventListener {

	void onEvent(RuntimeEvent event);

	/**
	 * The event stream is (again) connected. Events between a disconnection and this call may
	 * have been missed (the stream resumes from the last event's time, but the listener should
	 * reconcile fully anyway).
	 *
	 * @param reconnected false for the first connection
	 */
	void onConnected(boolean reconnected);

	/** The event stream broke; the runtime reconnects on its own. */
	void onDisconnected(String reason);

}
