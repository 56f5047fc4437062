package io.ov2ha.controller.webhook;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.ov2ha.controller.config.ConfigurationException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where the relay sends events ({@code HA_WEBHOOK_RELAY_URL}) and the extra headers it adds
 * ({@code HA_WEBHOOK_RELAY_HEADERS}), checked at startup. The target must never be this
 * controller's own webhook endpoint: that would relay every event to itself (the older project
 * did exactly this through a shared variable name).
 */
final class RelayTarget {

	static final String WEBHOOK_PATH = "/openvidu/webhook";

	/** Headers the relay sets itself or the HTTP client owns. */
	private static final Set<String> RESERVED = Set.of("host", "content-length", "connection", "expect", "upgrade",
			"transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection");

	private final URI uri;

	private final List<Header> headers;

	record Header(String name, String value) {
	}

	private RelayTarget(URI uri, List<Header> headers) {
		this.uri = uri;
		this.headers = headers;
	}

	static RelayTarget from(WebhookProperties.Relay relay, int serverPort, String serverAddress) {
		List<Header> headers = parseHeaders(relay.headers());
		if (!relay.enabled()) {
			return new RelayTarget(null, headers);
		}
		URI uri = parseUrl(relay.url());
		if (isSelf(uri, serverPort, serverAddress)) {
			throw new ConfigurationException(
					"HA_WEBHOOK_RELAY_URL points to this controller's own webhook endpoint (" + display(uri)
							+ "); every event would be relayed to itself.",
					"Set HA_WEBHOOK_RELAY_URL to YOUR application's webhook endpoint (where OpenVidu's webhooks went"
							+ " before: OpenVidu's old OPENVIDU_WEBHOOK_ENDPOINT), or leave it empty to disable the relay."
							+ " OpenVidu's OPENVIDU_WEBHOOK_ENDPOINT is the one that points to the controller.");
		}
		return new RelayTarget(uri, headers);
	}

	boolean enabled() {
		return uri != null;
	}

	URI uri() {
		return uri;
	}

	List<Header> headers() {
		return headers;
	}

	/** The target without user info, query or fragment (which may hold credentials), for logs and the API. */
	String display() {
		return uri == null ? "" : display(uri);
	}

	static String display(URI uri) {
		String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
		return uri.getScheme() + "://" + uri.getHost() + port + (uri.getRawPath() == null ? "" : uri.getRawPath());
	}

	private static URI parseUrl(String url) {
		URI uri;
		try {
			uri = new URI(url);
		}
		catch (URISyntaxException ex) {
			throw badUrl("is not a valid URL");
		}
		String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
		if (!scheme.equals("http") && !scheme.equals("https")) {
			throw badUrl("must start with http:// or https://");
		}
		if (uri.getHost() == null || uri.getHost().isEmpty()) {
			throw badUrl("has no host name");
		}
		if (uri.getFragment() != null) {
			throw badUrl("must not have a #fragment");
		}
		return uri;
	}

	private static ConfigurationException badUrl(String what) {
		return new ConfigurationException("HA_WEBHOOK_RELAY_URL " + what + ".",
				"Set HA_WEBHOOK_RELAY_URL to your application's webhook endpoint, e.g. https://app.example.com/openvidu-events,"
						+ " or leave it empty to disable the relay.");
	}

	/**
	 * Whether the URL is this controller's webhook path on a local address and this controller's
	 * port (any port when the configured port is 0, i.e. chosen at start).
	 */
	static boolean isSelf(URI uri, int serverPort, String serverAddress) {
		String path = uri.normalize().getPath();
		path = path == null ? "" : path.replaceAll("/+", "/");
		while (path.length() > 1 && path.endsWith("/")) {
			path = path.substring(0, path.length() - 1);
		}
		if (!path.equalsIgnoreCase(WEBHOOK_PATH)) {
			return false;
		}
		int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
		if (serverPort != 0 && port != serverPort) {
			return false;
		}
		return isLocalHost(uri.getHost(), serverAddress);
	}

	static boolean isLocalHost(String rawHost, String serverAddress) {
		String host = rawHost.toLowerCase(Locale.ROOT);
		if (host.startsWith("[") && host.endsWith("]")) {
			host = host.substring(1, host.length() - 1);
		}
		if (host.endsWith(".")) {
			host = host.substring(0, host.length() - 1);
		}
		if (host.equals("localhost") || host.endsWith(".localhost") || host.equals("ip6-localhost")
				|| host.equals("ip6-loopback")) {
			return true;
		}
		Set<String> names = new LinkedHashSet<>();
		if (serverAddress != null && !serverAddress.isBlank()) {
			names.add(serverAddress.toLowerCase(Locale.ROOT));
		}
		try {
			InetAddress local = InetAddress.getLocalHost();
			names.add(local.getHostName().toLowerCase(Locale.ROOT));
			names.add(local.getCanonicalHostName().toLowerCase(Locale.ROOT));
		}
		catch (UnknownHostException ex) {
			// no local name to compare with
		}
		if (names.contains(host)) {
			return true;
		}
		try {
			for (InetAddress address : InetAddress.getAllByName(host)) {
				if (address.isLoopbackAddress() || address.isAnyLocalAddress()
						|| NetworkInterface.getByInetAddress(address) != null) {
					return true;
				}
			}
		}
		catch (UnknownHostException | SocketException ex) {
			// cannot resolve it here: not provably this machine
		}
		return false;
	}

	/** OpenVidu's OPENVIDU_WEBHOOK_HEADERS form: a JSON array of "Name: Value" strings. */
	static List<Header> parseHeaders(String json) {
		if (json == null || json.isBlank()) {
			return List.of();
		}
		JsonNode array;
		try {
			array = JsonMapper.builder().build().readTree(json);
		}
		catch (JacksonException ex) {
			throw badHeaders("is not a JSON array");
		}
		if (array == null || !array.isArray()) {
			throw badHeaders("is not a JSON array");
		}
		List<Header> headers = new ArrayList<>();
		int i = 0;
		for (JsonNode item : array) {
			i++;
			if (!item.isString()) {
				throw badHeaders("entry " + i + " is not a string");
			}
			String entry = item.asString();
			int split = entry.indexOf(": ");
			if (split <= 0) {
				throw badHeaders("entry " + i + " is not of the form \"Name: Value\"");
			}
			String name = entry.substring(0, split);
			String value = entry.substring(split + 2);
			if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
				throw badHeaders("entry " + i + " has an invalid header name");
			}
			if (value.isBlank() || !value.matches("[\\t\\x20-\\x7e\\x80-\\xff]*")) {
				throw badHeaders("entry " + i + " (" + name + ") has an empty value or control characters");
			}
			String lower = name.toLowerCase(Locale.ROOT);
			if (RESERVED.contains(lower) || lower.startsWith("x-ov2ha-")) {
				throw badHeaders("entry " + i + " sets " + name + ", which the relay sets itself");
			}
			if (lower.equals("content-type")) {
				if (!value.trim().equalsIgnoreCase("application/json")) {
					throw badHeaders("entry " + i + " sets Content-Type; events are always application/json");
				}
				continue;
			}
			headers.add(new Header(name, value));
		}
		return List.copyOf(headers);
	}

	private static ConfigurationException badHeaders(String what) {
		// never quote the value: it may be a credential
		return new ConfigurationException("HA_WEBHOOK_RELAY_HEADERS " + what + ".",
				"Use OpenVidu's form, e.g. HA_WEBHOOK_RELAY_HEADERS=[\"Authorization: Bearer abc\",\"X-Api-Key: def\"],"
						+ " or leave it empty.");
	}

}
