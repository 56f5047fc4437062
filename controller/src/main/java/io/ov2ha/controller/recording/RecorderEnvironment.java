package io.ov2ha.controller.recording;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ProblemType;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks the OpenVidu environment a recorder registers, before it is stored: backups start a
 * browser on the host network with it, so its {@code URL} must be OpenVidu's and every other
 * value must be one OpenVidu sets. Variables OpenVidu does not set are dropped (and named in the
 * log). The URL holds OpenVidu's secret: it is never logged nor echoed, only its host.
 *
 * <p>
 * Allowed URL: http or https, and either host and port of {@code HA_OPENVIDU_URL}, or a host
 * of {@code HA_RECORDER_URL_HOSTS} (any port). With neither set, the local profile accepts
 * loopback hosts only, the production profile refuses every URL.
 */
@Component
class RecorderEnvironment {

	private static final Log LOG = LogFactory.getLog(RecorderEnvironment.class);

	/** The variables OpenVidu sets on its recorder; the only ones stored and given to backups. */
	static final Set<String> OPENVIDU_ENV = Set.of("DEBUG_MODE", "CONTAINER_WORKING_MODE", "URL", "ONLY_VIDEO",
			"RESOLUTION", "FRAMERATE", "VIDEO_ID", "VIDEO_NAME", "VIDEO_FORMAT", "RECORDING_JSON");

	static final int MAX_WIDTH = 7680;

	static final int MAX_HEIGHT = 4320;

	static final int MAX_FRAMERATE = 60;

	static final int MAX_VIDEO_NAME_BYTES = 255;

	private static final Pattern RESOLUTION = Pattern.compile("([1-9][0-9]{0,3})x([1-9][0-9]{0,3})");

	private static final Pattern FRAMERATE = Pattern.compile("[1-9][0-9]?");

	private static final Pattern LOOPBACK = Pattern
		.compile("localhost|127(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}|\\[(0{0,4}:){2,7}0{0,3}1\\]");

	private final List<Origin> origins = new ArrayList<>();

	private final boolean loopbackOnly;

	private final JsonMapper json;

	/** An allowed host; port -1: any. */
	private record Origin(String host, int port) {
	}

	RecorderEnvironment(HaProperties properties, RecorderUrlProperties urls, JsonMapper json) {
		this.json = json;
		String openvidu = properties.storage().finalizer().openviduUrl();
		if (StringUtils.hasText(openvidu)) {
			URI uri = parse(openvidu.trim());
			if (uri == null || !web(uri.getScheme()) || uri.getHost() == null) {
				throw new ConfigurationException("HA_OPENVIDU_URL is not an http(s) URL with a host.",
						"Set HA_OPENVIDU_URL to OpenVidu's public URL, e.g. https://openvidu.example.com (the installer fills it).");
			}
			origins.add(new Origin(uri.getHost().toLowerCase(Locale.ROOT), port(uri)));
		}
		urls.hosts().forEach(h -> origins.add(new Origin(h, -1)));
		this.loopbackOnly = origins.isEmpty() && !properties.production();
	}

	/** The environment to store: OpenVidu's variables, checked. */
	Map<String, String> check(RecordingId id, Map<String, String> env) {
		Map<String, String> kept = new LinkedHashMap<>();
		Set<String> dropped = new LinkedHashSet<>();
		env.forEach((key, value) -> {
			if (OPENVIDU_ENV.contains(key) && value != null) {
				kept.put(key, value);
			}
			else {
				dropped.add(key);
			}
		});
		kept.forEach(this::checkValue);
		if (kept.containsKey("VIDEO_ID") && !kept.get("VIDEO_ID").equals(id.value())) {
			throw refused("VIDEO_ID", "env.VIDEO_ID must equal recordingId.");
		}
		if (kept.containsKey("RECORDING_JSON") && !id.value().equals(recordingJsonId(kept.get("RECORDING_JSON")))) {
			throw refused("RECORDING_JSON", "env.RECORDING_JSON must be OpenVidu's recording JSON with id equal to recordingId.");
		}
		if (!dropped.isEmpty()) {
			LOG.warn("event=recording.env_ignored recordingId=" + id + " variables="
					+ dropped.stream().filter(k -> k != null && k.matches("[A-Za-z0-9_]{1,64}")).sorted().toList()
					+ " count=" + dropped.size() + " reason=not_an_openvidu_variable");
		}
		return kept;
	}

	private void checkValue(String key, String value) {
		switch (key) {
			case "URL" -> checkUrl(value);
			case "RESOLUTION" -> {
				Matcher m = RESOLUTION.matcher(value);
				if (!m.matches() || !within(m.group(1), 2, MAX_WIDTH) || !within(m.group(2), 2, MAX_HEIGHT)) {
					throw refused(key, "env.RESOLUTION must be WIDTHxHEIGHT within 2x2.." + MAX_WIDTH + "x" + MAX_HEIGHT + ".");
				}
			}
			case "FRAMERATE" -> {
				if (!FRAMERATE.matcher(value).matches() || !within(value, 1, MAX_FRAMERATE)) {
					throw refused(key, "env.FRAMERATE must be a whole number of frames per second, 1.." + MAX_FRAMERATE + ".");
				}
			}
			case "VIDEO_FORMAT" -> oneOf(key, value, "mp4");
			case "ONLY_VIDEO", "DEBUG_MODE" -> oneOf(key, value, "true", "false");
			case "CONTAINER_WORKING_MODE" -> oneOf(key, value, "COMPOSED");
			case "VIDEO_NAME" -> {
				if (value.isEmpty() || value.getBytes(StandardCharsets.UTF_8).length > MAX_VIDEO_NAME_BYTES
						|| value.indexOf('/') >= 0 || value.indexOf('\\') >= 0 || value.equals(".") || value.equals("..")
						|| value.codePoints().anyMatch(Character::isISOControl)) {
					throw refused(key, "env.VIDEO_NAME must be 1.." + MAX_VIDEO_NAME_BYTES
							+ " bytes without '/', '\\' or control characters, and not '.' or '..'.");
				}
			}
			default -> {
				// VIDEO_ID and RECORDING_JSON: checked against the recording id
			}
		}
	}

	private void checkUrl(String value) {
		URI uri = value.codePoints().anyMatch(c -> c <= 0x20 || c == 0x7f) ? null : parse(value);
		if (uri == null || !web(uri.getScheme()) || uri.getHost() == null) {
			throw refused("URL", "env.URL must be an http or https URL with a host.");
		}
		String host = uri.getHost().toLowerCase(Locale.ROOT);
		int port = port(uri);
		if (loopbackOnly) {
			if (!LOOPBACK.matcher(host).matches()) {
				throw refused("URL", "env.URL names host " + host + "; without HA_OPENVIDU_URL or HA_RECORDER_URL_HOSTS "
						+ "the local profile accepts loopback hosts only.");
			}
			return;
		}
		if (origins.isEmpty()) {
			throw refused("URL", "env.URL names host " + host + ", but neither HA_OPENVIDU_URL nor "
					+ "HA_RECORDER_URL_HOSTS is set: the controller accepts no layout URL (set HA_OPENVIDU_URL to "
					+ "OpenVidu's public URL).");
		}
		boolean allowed = origins.stream().anyMatch(o -> o.host().equals(host) && (o.port() < 0 || o.port() == port));
		if (!allowed) {
			throw refused("URL", "env.URL names " + host + ":" + port + ", which is not OpenVidu's (HA_OPENVIDU_URL) "
					+ "nor a host of HA_RECORDER_URL_HOSTS.");
		}
	}

	private String recordingJsonId(String value) {
		try {
			JsonNode node = json.readTree(value);
			return node != null && node.isObject() ? node.path("id").asString(null) : null;
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private static void oneOf(String key, String value, String... allowed) {
		if (!List.of(allowed).contains(value)) {
			throw refused(key, "env." + key + " must be " + String.join(" or ", allowed) + ".");
		}
	}

	private static boolean within(String digits, int min, int max) {
		int n = Integer.parseInt(digits);
		return n >= min && n <= max;
	}

	private static boolean web(String scheme) {
		return "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
	}

	private static int port(URI uri) {
		return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
	}

	private static URI parse(String value) {
		try {
			return new URI(value);
		}
		catch (URISyntaxException ex) {
			return null;
		}
	}

	private static ApiException refused(String variable, String detail) {
		return new ApiException(ProblemType.INVALID_RECORDER_ENVIRONMENT, detail, Map.of("variable", variable));
	}

}
