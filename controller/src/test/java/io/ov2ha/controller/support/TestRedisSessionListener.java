package io.ov2ha.controller.support;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Starts the test Redis before any test and publishes its URL as the {@code ha.redis.url}
 * system property, which every controller context then uses (also when it is read before
 * the context exists, by the embedded-Redis environment post-processor).
 */
public class TestRedisSessionListener implements LauncherSessionListener {

	@Override
	public void launcherSessionOpened(LauncherSession session) {
		System.setProperty("ha.redis.url", TestRedis.url());
		// the host of the layout URL the test recorders register (Recordings.openViduEnv); a test
		// of the URL check sets ha.recorder.url-hosts itself
		System.setProperty("ha.recorder.url-hosts", "ov.example.com");
	}

}
