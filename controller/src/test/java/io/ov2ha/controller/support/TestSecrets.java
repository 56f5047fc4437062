package io.ov2ha.controller.support;

import java.util.List;

/**
 * Every secret value configured in the test suite. The log check (LogSecretsIT) fails if any
 * of them appears in the captured output of the whole test run. Add new secrets here.
 */
public final class TestSecrets {

	public static final String RECORDER_USER = "rec-user";

	public static final String RECORDER_PASSWORD = "Rec0rder-Secret-7f3a91c2";

	public static final String ADMIN_USER = "admin-user";

	public static final String ADMIN_PASSWORD = "Adm1n-Secret-5d8e02b4";

	/** The read-only Prometheus user (HA_METRICS_USERNAME / HA_METRICS_PASSWORD). */
	public static final String METRICS_USER = "metrics-user";

	public static final String METRICS_PASSWORD = "Metr1cs-Secret-a4c61e93";

	/** The OpenVidu secret inside the layout URL a recorder registers with. */
	public static final String OPENVIDU_SECRET = "OvSecret-b7c4e19a";

	/** HA_WEBHOOK_TOKEN of every controller the suite starts (set by TestWebhookTokenPostProcessor). */
	public static final String WEBHOOK_TOKEN = "WebhookToken-3e9d71a0c4b2";

	/** Credentials of the test S3-compatible server ({@link TestS3}); the secret key is a secret. */
	public static final String S3_ACCESS_KEY = "test-s3-access";

	public static final String S3_SECRET_KEY = "S3-Secret-9c2e7a415f";

	/** A wrong webhook token hostile requests send: what a client forges is never logged either. */
	public static final String FORGED_WEBHOOK_TOKEN = "Forged-Token-1d4c9e70";

	/**
	 * The X-OV2HA-Origin of relay loops sent without the token: the token is checked first, so
	 * nothing of such a request reaches the log (issue 15, item 10).
	 */
	public static final String UNAUTHENTICATED_ORIGIN = "unauthenticated-origin-6b2f";

	private TestSecrets() {
	}

	/** Values hostile requests of the suite send that must never appear in the log. */
	public static List<String> hostile() {
		return List.of(FORGED_WEBHOOK_TOKEN, UNAUTHENTICATED_ORIGIN);
	}

	public static List<String> all() {
		return List.of(RECORDER_PASSWORD, ADMIN_PASSWORD, METRICS_PASSWORD, OPENVIDU_SECRET, WEBHOOK_TOKEN,
				S3_SECRET_KEY);
	}

}
