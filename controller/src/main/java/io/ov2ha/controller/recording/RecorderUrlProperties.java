package io.ov2ha.controller.recording;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.ov2ha.controller.config.ConfigurationException;

/**
 * Hosts a recorder's layout {@code URL} may name besides OpenVidu's own ({@code ha.recorder.*}).
 *
 * @param urlHosts {@code HA_RECORDER_URL_HOSTS}: comma-separated host names or IP addresses
 *        (any port), e.g. the host of OpenVidu's {@code OPENVIDU_RECORDING_COMPOSED_URL}
 */
@ConfigurationProperties("ha.recorder")
public record RecorderUrlProperties(String urlHosts) {

	private static final String HOST = "[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?|\\[[0-9a-f:.]{2,45}\\]";

	public RecorderUrlProperties {
		urlHosts = urlHosts == null ? "" : urlHosts.trim();
		for (String host : hosts(urlHosts)) {
			if (!host.matches(HOST)) {
				throw new ConfigurationException("HA_RECORDER_URL_HOSTS holds " + (host.length() > 60 ? "an entry"
						: "\"" + host.replaceAll("[^\\x20-\\x7e]", "?") + "\"") + ", which is not a host name or IP address.",
						"Set HA_RECORDER_URL_HOSTS to comma-separated hosts (no scheme, port or path), e.g. openvidu.example.com,10.0.0.7.");
			}
		}
	}

	/** The allowed hosts, lower case (an IPv6 address in brackets). */
	List<String> hosts() {
		return hosts(urlHosts);
	}

	private static List<String> hosts(String value) {
		return Arrays.stream(value.split(","))
			.map(s -> s.trim().toLowerCase(Locale.ROOT))
			.filter(s -> !s.isEmpty())
			.toList();
	}

}
