package io.ov2ha.controller.redis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.ov2ha.controller.config.ConfigurationException;

/**
 * Redis behind Sentinel ({@code HA_REDIS_SENTINELS}, {@code HA_REDIS_SENTINEL_MASTER},
 * {@code HA_REDIS_SENTINEL_PASSWORD}): the Sentinels are asked which server is the primary, at
 * the start and after every lost connection, so a Sentinel failover moves the controller to the
 * promoted replica. {@code HA_REDIS_URL} then gives the password and database only (its host and
 * port are not used). Validated here, before anything connects: a bad list is a startup error
 * that names it.
 *
 * @param nodes the Sentinels, {@code host:port} each
 * @param master the name the Sentinels monitor the primary under
 * @param password the Sentinels' own password (null: none)
 */
record RedisSentinels(List<String> nodes, String master, String password) {

	private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\]");

	private static final Pattern MASTER = Pattern.compile("[A-Za-z0-9._-]{1,64}");

	/**
	 * @param list {@code host:port[,host:port...]} (blank: no Sentinel)
	 * @param master the monitored name
	 * @param password the Sentinels' password (blank: none)
	 * @return null when {@code list} is blank
	 * @throws ConfigurationException naming what is wrong
	 */
	static RedisSentinels parse(String list, String master, String password) {
		if (list == null || list.isBlank()) {
			return null;
		}
		List<String> nodes = new ArrayList<>();
		for (String raw : list.split(",")) {
			String node = raw.trim();
			int colon = node.lastIndexOf(':');
			String host = colon > 0 ? node.substring(0, colon) : "";
			String port = colon > 0 ? node.substring(colon + 1) : "";
			if (!HOST.matcher(host).matches() || !validPort(port)) {
				throw new ConfigurationException("HA_REDIS_SENTINELS holds \"" + node + "\", which is not host:port.",
						"Set HA_REDIS_SENTINELS to the Sentinels as host:port, separated by commas, for example "
								+ "sentinel-1:26379,sentinel-2:26379,sentinel-3:26379.");
			}
			nodes.add(host + ":" + Integer.parseInt(port));
		}
		String name = master == null ? "" : master.trim();
		if (!MASTER.matcher(name).matches()) {
			throw new ConfigurationException("HA_REDIS_SENTINEL_MASTER is not a valid name.",
					"Set HA_REDIS_SENTINEL_MASTER to the name the Sentinels monitor the primary under (their "
							+ "'sentinel monitor <name> ...' line): letters, digits, '.', '_' or '-', 64 at most.");
		}
		return new RedisSentinels(List.copyOf(nodes), name, password == null || password.isEmpty() ? null : password);
	}

	private static boolean validPort(String port) {
		if (!port.matches("[0-9]{1,5}")) {
			return false;
		}
		int p = Integer.parseInt(port);
		return p >= 1 && p <= 65535;
	}

	/** Spring Data Redis's own Sentinel settings. */
	Map<String, Object> springProperties() {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.data.redis.sentinel.master", master);
		properties.put("spring.data.redis.sentinel.nodes", String.join(",", nodes));
		if (password != null) {
			properties.put("spring.data.redis.sentinel.password", password);
		}
		return properties;
	}

	@Override
	public String toString() {
		// the password never reaches a log
		return "RedisSentinels[nodes=" + nodes + ", master=" + master + ", password=" + (password == null ? "none" : "set")
				+ "]";
	}

}
