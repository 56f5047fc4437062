package io.ov2ha.controller.support;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Test controllers do not fail recordings over unless a test asks for it
 * ({@code --ha.failover.enabled=true}): the shared test Redis holds every test's recordings,
 * registered with made-up containers and without heartbeats, which a live reconciler would
 * (rightly) fail over. The failover tests run their controllers on a Redis database of their own.
 * Nor do they keep warm standby recorders unless a test asks ({@code --ha.failover.standby-recorders=1}).
 */
public class FailoverOffInTests implements LauncherSessionListener {

	@Override
	public void launcherSessionOpened(LauncherSession session) {
		System.setProperty("ha.failover.enabled", "false");
		System.setProperty("ha.failover.standby-recorders", "0");
	}

}
