package io.ov2ha.controller.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.async.ResultCallback;

/**
 * The Docker engine of the tests (through Testcontainers' client): skips a test with a clear
 * message only when no daemon answers, builds the test recorder image (never pulling; the base
 * image debian:bookworm-slim is built locally by scripts/build-base-image.sh when missing), and
 * cleans up only what the tests created (by label).
 */
public final class TestDocker {

	/** Every container and image the tests create carries this label. */
	public static final String TEST_LABEL = "ov2ha.test";

	private static final Path RECORDER_DIR = Path.of("src/test/docker/test-recorder");

	private static String recorderImage;

	private TestDocker() {
	}

	public static void assumeAvailable() {
		boolean available;
		try {
			available = DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException ex) {
			available = false;
		}
		Assumptions.assumeTrue(available, "No Docker daemon answers (DOCKER_HOST / /var/run/docker.sock): the "
				+ "Docker tests are skipped. CI always has one: scripts/test.sh starts dockerd.");
	}

	public static DockerClient client() {
		return DockerClientFactory.instance().client();
	}

	/**
	 * The test recorder image (src/test/docker/test-recorder), built once and kept: its tag
	 * carries a hash of the build files, so a change rebuilds it and an unchanged one is reused.
	 */
	public static synchronized String testRecorderImage() {
		if (recorderImage != null) {
			return recorderImage;
		}
		String tag = "ov2ha-test-recorder:" + hash(RECORDER_DIR.resolve("Dockerfile"), RECORDER_DIR.resolve("entrypoint.sh"));
		if (!imageExists(tag)) {
			ensureBaseImage();
			build(RECORDER_DIR, tag);
		}
		recorderImage = tag;
		return tag;
	}

	/**
	 * A thin site image, as the installer builds one: the recorder image plus its settings file
	 * {@code /etc/ov2-ha-recorder/recorder.env} (controller URL, credentials, chunk length).
	 * Remove it with {@link #removeImage}.
	 */
	public static String siteImage(Map<String, String> settings) {
		String tag = "ov2ha-test-site:" + UUID.randomUUID().toString().substring(0, 12);
		try {
			Path dir = Files.createTempDirectory("ov2ha-site");
			StringBuilder env = new StringBuilder();
			settings.forEach((k, v) -> env.append(k).append('=').append(v).append('\n'));
			Files.writeString(dir.resolve("recorder.env"), env.toString());
			Files.writeString(dir.resolve("Dockerfile"), "FROM " + testRecorderImage() + "\n"
					+ "COPY recorder.env /etc/ov2-ha-recorder/recorder.env\n" + "LABEL " + TEST_LABEL + "=site\n");
			build(dir, tag);
			Files.delete(dir.resolve("recorder.env"));
			Files.delete(dir.resolve("Dockerfile"));
			Files.delete(dir);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return tag;
	}

	public static void removeImage(String tag) {
		try {
			client().removeImageCmd(tag).withForce(true).exec();
		}
		catch (NotFoundException ex) {
			// already gone
		}
	}

	public static boolean imageExists(String tag) {
		try {
			client().inspectImageCmd(tag).exec();
			return true;
		}
		catch (NotFoundException ex) {
			return false;
		}
	}

	private static void build(Path dir, String tag) {
		String id = client().buildImageCmd(dir.toFile())
			.withTags(Set.of(tag))
			.withNetworkMode("host")
			.withPull(false)
			.withLabels(Map.of(TEST_LABEL, "image"))
			.exec(new BuildImageResultCallback())
			.awaitImageId(10, TimeUnit.MINUTES);
		if (id == null) {
			throw new IllegalStateException("docker build of " + tag + " failed");
		}
	}

	/** debian:bookworm-slim, built locally with mmdebstrap when missing (nothing is pulled here). */
	private static void ensureBaseImage() {
		if (imageExists("debian:bookworm-slim")) {
			return;
		}
		try {
			Process p = new ProcessBuilder("../scripts/build-base-image.sh").inheritIO().start();
			if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
				throw new IllegalStateException("scripts/build-base-image.sh failed: debian:bookworm-slim is needed "
						+ "for the test recorder image (root and mmdebstrap required)");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** Every container (any state) carrying these labels. */
	public static List<Container> containers(Map<String, String> labels) {
		return client().listContainersCmd().withShowAll(true).withLabelFilter(labels).exec();
	}

	/** Force-removes the containers carrying these labels (only ever test-made ones). */
	public static void removeContainers(Map<String, String> labels) {
		for (Container c : containers(labels)) {
			try {
				client().removeContainerCmd(c.getId()).withForce(true).exec();
			}
			catch (NotFoundException ex) {
				// gone
			}
		}
	}

	/**
	 * Runs a command in a running container, as root, and answers its output (stdout and stderr);
	 * fails unless it exits with 0 within 30 s.
	 */
	public static String exec(String containerId, String... command) {
		String exec = client().execCreateCmd(containerId)
			.withCmd(command)
			.withAttachStdout(true)
			.withAttachStderr(true)
			.exec()
			.getId();
		StringBuilder out = new StringBuilder();
		boolean ended;
		try {
			ended = client().execStartCmd(exec).exec(new ResultCallback.Adapter<Frame>() {
				@Override
				public void onNext(Frame frame) {
					out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
				}
			}).awaitCompletion(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		String what = String.join(" ", command) + " in " + containerId + ": " + out;
		if (!ended) {
			throw new AssertionError("still running after 30 s: " + what);
		}
		// the output ends a moment before the engine has the exit code
		Awaitility.await()
			.atMost(Duration.ofSeconds(5))
			.until(() -> client().inspectExecCmd(exec).exec().getExitCodeLong() != null);
		long code = client().inspectExecCmd(exec).exec().getExitCodeLong();
		if (code != 0) {
			throw new AssertionError("exit code " + code + ": " + what);
		}
		return out.toString();
	}

	/** A container's output (the test recorder never prints secrets). */
	public static String logs(String containerId) {
		return logs(containerId, false);
	}

	/** The container's log; with {@code timestamps}, each line starts with Docker's RFC 3339 time of it. */
	public static String logs(String containerId, boolean timestamps) {
		StringBuilder out = new StringBuilder();
		try {
			client().logContainerCmd(containerId)
				.withStdOut(true)
				.withStdErr(true)
				.withTimestamps(timestamps)
				.exec(new ResultCallback.Adapter<Frame>() {
					@Override
					public void onNext(Frame frame) {
						out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
					}
				})
				.awaitCompletion(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (RuntimeException ex) {
			out.append("(no logs: ").append(ex.getMessage()).append(')');
		}
		return out.toString();
	}

	private static String hash(Path... files) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			for (Path f : files) {
				digest.update(Files.readAllBytes(f));
			}
			return HexFormat.of().formatHex(digest.digest()).substring(0, 12);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
