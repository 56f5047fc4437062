package io.ov2ha.controller.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

/**
 * A second Docker engine on this machine, playing another host: scripts/second-engine.sh (its own
 * {@code dockerd} in its own UTS namespace, so that its host name, in {@code docker info} and in
 * its host-network recorders, is {@value #HOST_NAME}). Images are copied into it from the tests'
 * engine; its data root is kept between runs on one machine.
 * <p>
 * {@link #crash()} is a host's death: the engine and everything in its containers killed at once
 * (no {@code die} event is ever sent). Needs root; skipped with a message otherwise (CI is root:
 * scripts/test.sh).
 */
public final class SecondEngine implements AutoCloseable {

	public static final String HOST_NAME = "ov2ha-engine-b";

	private static final String SCRIPT = "../scripts/second-engine.sh";

	private final String endpoint;

	private final DockerClient client;

	private SecondEngine(String endpoint) {
		this.endpoint = endpoint;
		DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
			.withDockerHost(endpoint)
			.withApiVersion("1.41")
			.build();
		this.client = DockerClientImpl.getInstance(config,
				new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
					.connectionTimeout(Duration.ofSeconds(5))
					.responseTimeout(Duration.ofSeconds(60))
					.build());
	}

	/** Starts it (a stale one of an earlier run is stopped first, its containers removed). */
	public static SecondEngine start() {
		Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
				"a second Docker engine needs root (scripts/test.sh runs as root in CI)");
		return new SecondEngine(run(Duration.ofSeconds(90), "start").strip());
	}

	public String endpoint() {
		return endpoint;
	}

	public DockerClient client() {
		return client;
	}

	/** Copies an image of the tests' engine into this one (once: an image already there is kept). */
	public void load(String image) {
		run(Duration.ofMinutes(5), "load", image);
	}

	/** The host dies: the engine, its containerd and every process of its containers are killed at once. */
	public void crash() {
		run(Duration.ofSeconds(30), "crash");
	}

	/** Starts it again after a crash (its containers of before are removed). */
	public void restart() {
		run(Duration.ofSeconds(90), "start");
	}

	/** Removes every container of this engine and stops it. */
	@Override
	public void close() {
		run(Duration.ofSeconds(60), "stop");
	}

	private static String run(Duration timeout, String... args) {
		List<String> command = new ArrayList<>(List.of("bash", SCRIPT));
		command.addAll(List.of(args));
		try {
			Path out = Files.createTempFile("ov2ha-second-engine", ".out");
			try {
				Process p = new ProcessBuilder(command).redirectOutput(out.toFile())
					.redirectError(ProcessBuilder.Redirect.INHERIT)
					.start();
				if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
					p.destroyForcibly();
					throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command));
				}
				String text = Files.readString(out);
				if (p.exitValue() != 0) {
					throw new IllegalStateException("failed (" + p.exitValue() + "): " + String.join(" ", command) + "\n" + text);
				}
				return text;
			}
			finally {
				Files.deleteIfExists(out);
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

}
