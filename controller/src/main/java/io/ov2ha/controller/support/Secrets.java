package io.ov2ha.controller.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in values that must be shown (never logged): OpenVidu puts its secret in the
 * layout URL it gives the recorder (userinfo, {@code secret=} parameter, and a path segment
 * of the default layouts' fragment).
 */
public final class Secrets {

	public static final String MASK = "****";

	private static final Pattern SECRET_PARAM = Pattern.compile("[?&]secret=([^&#]+)");

	private static final Pattern LAYOUT_FRAGMENT = Pattern.compile("#/layout-[^/]+/[^/]+/([^/]+)/");

	/** Letters and digits without the look-alikes (0/O, 1/l/I): easy to copy from a console. */
	private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

	private static final SecureRandom RANDOM = new SecureRandom();

	private Secrets() {
	}

	/** A new random secret of LENGTH characters (about 5.8 bits each). */
	public static String random(int length) {
		StringBuilder out = new StringBuilder(length);
		for (int i = 0; i < length; i++) {
			out.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
		}
		return out.toString();
	}

	/** SHA-256 of the bytes. */
	public static byte[] sha256(byte[] bytes) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(bytes);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** SHA-256 of the UTF-8 bytes of the value (compared with MessageDigest.isEqual: constant time). */
	public static byte[] sha256(String value) {
		return sha256(value.getBytes(StandardCharsets.UTF_8));
	}

	/** A copy of an OpenVidu recorder environment with the OpenVidu secret masked. */
	public static Map<String, String> maskEnvironment(Map<String, String> env) {
		Map<String, String> out = new LinkedHashMap<>(env);
		String url = env.get("URL");
		if (url != null) {
			out.put("URL", maskUrl(url));
		}
		return out;
	}

	/**
	 * The URL with its embedded secrets replaced by {@value #MASK}: the userinfo password, every
	 * {@code secret=} value, and every path segment (also in the fragment) equal to one of those
	 * or to the secret segment of a default layout fragment.
	 */
	public static String maskUrl(String url) {
		Set<String> secrets = new LinkedHashSet<>();
		String masked = url;
		int scheme = url.indexOf("://");
		int at = url.indexOf('@');
		int pathStart = scheme < 0 ? -1 : url.indexOf('/', scheme + 3);
		if (scheme >= 0 && at > scheme && (pathStart < 0 || at < pathStart)) {
			String userInfo = url.substring(scheme + 3, at);
			int colon = userInfo.indexOf(':');
			if (colon >= 0) {
				secrets.add(userInfo.substring(colon + 1));
				masked = url.substring(0, scheme + 3) + userInfo.substring(0, colon + 1) + MASK + url.substring(at);
			}
		}
		collect(SECRET_PARAM.matcher(url), secrets);
		collect(LAYOUT_FRAGMENT.matcher(url), secrets);
		masked = SECRET_PARAM.matcher(masked).replaceAll(m -> m.group().substring(0, m.group().indexOf('=') + 1) + MASK);
		secrets.remove("");
		StringBuilder out = new StringBuilder();
		for (String part : masked.split("(?<=[/#?&])|(?=[/#?&])")) {
			out.append(secrets.contains(part) ? MASK : part);
		}
		return out.toString();
	}

	private static void collect(Matcher m, Set<String> into) {
		while (m.find()) {
			into.add(m.group(1));
		}
	}

}
