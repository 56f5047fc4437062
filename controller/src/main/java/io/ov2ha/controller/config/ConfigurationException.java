package io.ov2ha.controller.config;

/**
 * A setting is missing or wrong. The startup failure analyzer prints the message and the
 * action to the operator without a stack trace.
 */
public class ConfigurationException extends RuntimeException {

	private final String action;

	public ConfigurationException(String message, String action) {
		super(message);
		this.action = action;
	}

	public String action() {
		return action;
	}

}
