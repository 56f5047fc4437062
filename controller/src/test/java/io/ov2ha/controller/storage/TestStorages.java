package io.ov2ha.controller.storage;

import java.nio.file.Path;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.support.TestS3;
import io.ov2ha.controller.support.TestSecrets;

/** S3 chunk storage against the test's S3-compatible server, built as the controller builds it. */
public final class TestStorages {

	private TestStorages() {
	}

	/**
	 * Settings of S3 mode: the bucket on {@link TestS3} under the prefix {@code recordings/}.
	 *
	 * @param recordings the recordings folder (null: the default)
	 */
	public static HaProperties s3Settings(String bucket, Path recordings) {
		return new HaProperties(HaProperties.Profile.PRODUCTION, null,
				recordings == null ? null : recordings.toString(), null, null, null, null,
				new HaProperties.Storage(HaProperties.StorageMode.S3, "recordings/",
						new HaProperties.S3(TestS3.endpoint(), null, bucket, TestSecrets.S3_ACCESS_KEY,
								TestSecrets.S3_SECRET_KEY),
						null, true, null, null),
				null, null);
	}

	/** The storage {@link StorageConfig} makes of the settings (its own client: close it). */
	public static S3ChunkStorage s3(HaProperties properties) {
		return (S3ChunkStorage) new StorageConfig().chunkStorage(properties);
	}

}
