package io.ov2ha.controller.openvidu;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.StringUtils;

/**
 * How the controller asks OpenVidu whether a session and its recording still exist
 * ({@code ha.openvidu.*}, bound from {@code application.yml}). The checks are on when both the
 * URL and the secret are set; otherwise the controller decides without OpenVidu, as before.
 *
 * @param apiUrl OpenVidu's base URL for its REST API ({@code HA_OPENVIDU_API_URL}, default
 *        {@code HA_OPENVIDU_URL})
 * @param secret OpenVidu's {@code OPENVIDU_SECRET} (Basic auth {@code OPENVIDUAPP:<secret>}); never logged
 * @param timeout connect and answer timeout of one request
 * @param checkInterval how often a running backup's session is checked
 * @param unreachableGrace how long a backup may keep recording while OpenVidu cannot be asked
 *        (and how long a stale death, or a recorder removed by somebody else, waits for an
 *        answer) before the recording is finalized
 * @param staleDeathAge a recorder death older than this, found after this controller started,
 *        needs OpenVidu's confirmation that the session is alive before a backup is started
 */
@ConfigurationProperties("ha.openvidu")
public record OpenViduProperties(String apiUrl, String secret, Duration timeout, Duration checkInterval,
		Duration unreachableGrace, Duration staleDeathAge) {

	public OpenViduProperties {
		apiUrl = apiUrl == null ? "" : apiUrl.trim().replaceAll("/+$", "");
		secret = secret == null ? "" : secret;
		timeout = positive(timeout, Duration.ofSeconds(3));
		checkInterval = positive(checkInterval, Duration.ofSeconds(10));
		unreachableGrace = positive(unreachableGrace, Duration.ofSeconds(90));
		staleDeathAge = positive(staleDeathAge, Duration.ofSeconds(20));
	}

	/** Whether the controller asks OpenVidu (URL and secret set). */
	public boolean enabled() {
		return StringUtils.hasText(apiUrl) && StringUtils.hasText(secret);
	}

	/** Never the secret (a record's default toString would print it). */
	@Override
	public String toString() {
		return "OpenViduProperties[apiUrl=" + apiUrl + ", secret=" + (secret.isEmpty() ? "" : "****") + ", timeout="
				+ timeout + ", checkInterval=" + checkInterval + ", unreachableGrace=" + unreachableGrace
				+ ", staleDeathAge=" + staleDeathAge + "]";
	}

	private static Duration positive(Duration value, Duration fallback) {
		return value == null || value.isNegative() || value.isZero() ? fallback : value;
	}

}
