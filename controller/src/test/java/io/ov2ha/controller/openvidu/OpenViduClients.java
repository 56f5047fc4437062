package io.ov2ha.controller.openvidu;

import java.time.Duration;

import tools.jackson.databind.json.JsonMapper;

/** The one way tests make an {@link OpenViduClient} (its constructor is the package's). */
public final class OpenViduClients {

	private OpenViduClients() {
	}

	/** A client of {@code url} with {@code secret} (either empty: the checks are off). */
	public static OpenViduClient of(String url, String secret, Duration timeout) {
		return new OpenViduClient(new OpenViduProperties(url, secret, timeout, null, null, null),
				JsonMapper.builder().build());
	}

	/** {@link #of(String, String, Duration)} with a 3 s timeout. */
	public static OpenViduClient of(String url, String secret) {
		return of(url, secret, Duration.ofSeconds(3));
	}

}
