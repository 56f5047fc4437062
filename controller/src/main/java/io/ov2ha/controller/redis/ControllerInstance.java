package io.ov2ha.controller.redis;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

import org.springframework.stereotype.Component;

/**
 * This controller process among the replicas sharing one Redis: {@code <hostname>-<random>},
 * new at every start. Used as lease owner and as a container label.
 */
@Component
public class ControllerInstance {

	private final String id;

	public ControllerInstance() {
		this.id = hostname() + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	public String id() {
		return id;
	}

	private static String hostname() {
		try {
			String name = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "");
			return name.isEmpty() ? "controller" : name.length() > 40 ? name.substring(0, 40) : name;
		}
		catch (UnknownHostException ex) {
			return "controller";
		}
	}

}
