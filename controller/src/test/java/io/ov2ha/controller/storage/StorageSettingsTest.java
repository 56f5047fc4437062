package io.ov2ha.controller.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.support.TestControllers;
import io.ov2ha.controller.support.TestSecrets;

/** S3 storage without its settings stops the controller with a message naming them. */
@ExtendWith(OutputCaptureExtension.class)
class StorageSettingsTest {

	@Test
	void s3StorageWithoutItsSettingsDoesNotStart(CapturedOutput output) {
		assertThatThrownBy(
				() -> TestControllers.run(null, "--ha.storage.mode=s3", "--ha.storage.s3.bucket=recordings"))
			.isNotNull();
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("HA_S3_ENDPOINT, HA_S3_ACCESS_KEY, HA_S3_SECRET_KEY are not set; HA_RECORDING_STORAGE=s3 needs")
			.doesNotContain("at io.ov2ha");
	}

	@Test
	void anEndpointMustBeAUrlAndTheSecretIsNeverPrinted() {
		HaProperties.S3 s3 = new HaProperties.S3("minio:9000", null, "b", "k", TestSecrets.S3_SECRET_KEY);
		assertThatThrownBy(() -> StorageConfig.requireS3Settings(s3)).isInstanceOf(ConfigurationException.class)
			.hasMessageContaining("HA_S3_ENDPOINT is not a URL");
		assertThat(s3.toString()).doesNotContain(TestSecrets.S3_SECRET_KEY).contains("us-east-1");
	}

}
