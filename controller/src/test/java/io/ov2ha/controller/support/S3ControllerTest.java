package io.ov2ha.controller.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/**
 * Like {@link ControllerTest}, with chunk storage on the test S3-compatible server
 * ({@link TestS3}), its own Redis database and recordings folder, and fast finalization
 * retries and resumptions (the reconciler asks every 300 ms).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "ha.recordings-path=" + S3ControllerTest.RECORDINGS, "ha.storage.mode=s3",
				"ha.storage.s3.bucket=" + TestS3.BUCKET, "ha.storage.s3.access-key=" + TestSecrets.S3_ACCESS_KEY,
				"ha.storage.s3.secret-key=" + TestSecrets.S3_SECRET_KEY, "ha.storage.upload-final=true",
				"ha.storage.finalizer.openvidu-url=https://ov.example.com/",
				"ha.storage.finalizer.attempts=3", "ha.storage.finalizer.retry-delay=2s",
				"ha.storage.finalizer.recovery-interval=300ms" })
@ContextConfiguration(initializers = { TestControllers.Settings.class, TestS3.Initializer.class })
public @interface S3ControllerTest {

	String RECORDINGS = "target/test-recordings-s3";

}
