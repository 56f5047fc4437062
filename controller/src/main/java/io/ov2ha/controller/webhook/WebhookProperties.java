package io.ov2ha.controller.webhook;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the webhook intake and relay ({@code ha.webhook.*}), bound from
 * {@code application.yml}, which maps each {@code HA_WEBHOOK_*} variable to one property here.
 * Kept beside the feature (not in {@code HaProperties}) so features can be merged independently.
 *
 * @param token the token OpenVidu sends ({@code HA_WEBHOOK_TOKEN})
 * @param relay where and how events are passed on
 * @param retention how long processed events stay in the stream
 * @param deadLetterMax most dead letters kept; the oldest is dropped (and logged) beyond it
 */
@ConfigurationProperties("ha.webhook")
public record WebhookProperties(String token, Relay relay, Duration retention, int deadLetterMax) {

	/** Never the token (a record's default toString would print it). */
	@Override
	public String toString() {
		return "WebhookProperties[token=****, relay=" + relay + ", retention=" + retention + ", deadLetterMax="
				+ deadLetterMax + "]";
	}

	public WebhookProperties {
		token = token == null ? "" : token.trim();
		relay = relay == null ? new Relay(null, null, false, null, null, 0, null, null, null) : relay;
		retention = retention == null || retention.isNegative() ? Duration.ofHours(1) : retention;
		deadLetterMax = deadLetterMax <= 0 ? 10_000 : deadLetterMax;
	}

	/**
	 * @param url the customer's endpoint; empty: relay disabled
	 * @param headers extra headers, OpenVidu's form: a JSON array of {@code "Name: Value"}
	 * @param forwardAuthorization pass on the Authorization header OpenVidu sent (never the token)
	 * @param connectTimeout TCP/TLS connect timeout
	 * @param readTimeout time allowed for the response after sending
	 * @param maxAttempts failed attempts after which an event becomes a dead letter
	 * @param maxAge age after which a failed event becomes a dead letter at once
	 * @param retryInitialDelay first backoff delay, doubled after every failed attempt
	 * @param retryMaxDelay largest backoff delay
	 */
	public record Relay(String url, String headers, boolean forwardAuthorization, Duration connectTimeout,
			Duration readTimeout, int maxAttempts, Duration maxAge, Duration retryInitialDelay, Duration retryMaxDelay) {

		/** Never header values or URL credentials: they may hold the customer's secrets. */
		@Override
		public String toString() {
			return "Relay[url=" + io.ov2ha.controller.support.Secrets.maskUrl(url) + ", headers="
					+ (headers.isEmpty() ? "" : "****") + ", forwardAuthorization=" + forwardAuthorization + "]";
		}

		public Relay {
			url = url == null ? "" : url.trim();
			headers = headers == null ? "" : headers.trim();
			connectTimeout = positive(connectTimeout, Duration.ofSeconds(5));
			readTimeout = positive(readTimeout, Duration.ofSeconds(10));
			maxAttempts = maxAttempts <= 0 ? 12 : maxAttempts;
			maxAge = positive(maxAge, Duration.ofHours(1));
			retryInitialDelay = positive(retryInitialDelay, Duration.ofSeconds(1));
			retryMaxDelay = positive(retryMaxDelay, Duration.ofSeconds(60));
		}

		public boolean enabled() {
			return !url.isEmpty();
		}

	}

	private static Duration positive(Duration value, Duration fallback) {
		return value == null || value.isNegative() || value.isZero() ? fallback : value;
	}

}
