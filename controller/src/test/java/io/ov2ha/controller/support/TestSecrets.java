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

	/** The OpenVidu secret inside the layout URL a recorder registers with. */
	public static final String OPENVIDU_SECRET = "OvSecret-b7c4e19a";

	/** HA_WEBHOOK_TOKEN of every controller the suite starts (set by TestWebhookTokenPostProcessor). */
	public static final String WEBHOOK_TOKEN = "WebhookToken-3e9d71a0c4b2";

	/** Credentials of the test S3-compatible server ({@link TestS3}); the secret key is a secret. */
	public static final String S3_ACCESS_KEY = "test-s3-access";

	public static final String S3_SECRET_KEY = "S3-Secret-9c2e7a415f";

	private TestSecrets() {
	}

	public static List<String> all() {
		return List.of(RECORDER_PASSWORD, ADMIN_PASSWORD, OPENVIDU_SECRET, WEBHOOK_TOKEN, S3_SECRET_KEY);
	}

}
