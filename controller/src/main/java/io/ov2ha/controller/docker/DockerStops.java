package io.ov2ha.controller.docker;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;

import io.ov2ha.controller.docker.RecorderRuntime.StopResult;
import io.ov2ha.controller.support.LogValues;

/**
 * Ending recorder containers: the graceful stop exactly as OpenVidu does it ({@code echo 'q' >
 * stop} in the container, then a bounded wait), the kill (a paused container is thawed first:
 * Docker refuses to kill it) and the removal. Only exact container ids.
 */
final class DockerStops {

	private static final Log LOG = LogFactory.getLog(DockerStops.class);

	private static final Duration EXEC_WAIT = Duration.ofSeconds(5);

	private final DockerClients clients;

	private final Function<String, Optional<RecorderContainer>> inspect;

	DockerStops(DockerClients clients, Function<String, Optional<RecorderContainer>> inspect) {
		this.clients = clients;
		this.inspect = inspect;
	}

	/** {@link RecorderRuntime#stopGracefully}. */
	StopResult stopGracefully(String containerId, Duration timeout) {
		DockerContainers.requireExactId(containerId);
		Optional<RecorderContainer> before = inspect.apply(containerId);
		if (before.isEmpty()) {
			return new StopResult(true, false, null);
		}
		if (!before.get().running()) {
			return new StopResult(true, false, before.get().exitCode());
		}
		DockerClient client = clients.commands();
		try {
			// exactly what OpenVidu runs: in the image's working directory, the recorder reads /stop
			String exec = client.execCreateCmd(containerId)
				.withCmd("bash", "-c", "echo 'q' > stop")
				.withAttachStdout(true)
				.withAttachStderr(true)
				.exec()
				.getId();
			client.execStartCmd(exec)
				.exec(new ResultCallback.Adapter<Frame>())
				.awaitCompletion(EXEC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (NotFoundException | ConflictException ex) {
			// exited or being removed meanwhile: the wait below tells
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RecorderRuntimeException(RecorderRuntimeException.Kind.FAILED, "interrupted", ex);
		}
		catch (RuntimeException ex) {
			LOG.warn("event=docker.stop_exec_failed containerId=" + ContainerLabels.shortId(containerId) + " error="
					+ LogValues.quote(DockerClients.describe(ex)));
		}
		try {
			Integer code = clients.streams().waitContainerCmd(containerId)
				.exec(new WaitContainerResultCallback())
				.awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
			return new StopResult(true, false, code == null ? null : code.longValue());
		}
		catch (NotFoundException ex) {
			return new StopResult(true, false, null);
		}
		catch (RuntimeException ex) {
			// timeout (DockerClientException) or a broken wait: kill by id
			boolean killed = kill(containerId);
			Long code = inspect.apply(containerId).map(RecorderContainer::exitCode).orElse(null);
			return new StopResult(false, killed, code);
		}
	}

	/** {@link RecorderRuntime#kill}. */
	boolean kill(String containerId) {
		DockerContainers.requireExactId(containerId);
		try {
			clients.commands().killContainerCmd(containerId).withSignal("SIGKILL").exec();
			return true;
		}
		catch (ConflictException ex) {
			// Docker refuses to kill a paused (frozen) container: thaw it, then kill it
			return killPaused(containerId);
		}
		catch (NotFoundException ex) {
			return false;
		}
		catch (RuntimeException ex) {
			throw clients.translate("kill " + ContainerLabels.shortId(containerId), ex);
		}
	}

	private boolean killPaused(String containerId) {
		try {
			Boolean paused = clients.commands().inspectContainerCmd(containerId).exec().getState().getPaused();
			if (!Boolean.TRUE.equals(paused)) {
				return false;
			}
			clients.commands().unpauseContainerCmd(containerId).exec();
			clients.commands().killContainerCmd(containerId).withSignal("SIGKILL").exec();
			return true;
		}
		catch (NotFoundException | ConflictException ex) {
			return false;
		}
		catch (RuntimeException ex) {
			throw clients.translate("kill " + ContainerLabels.shortId(containerId), ex);
		}
	}

	/** {@link RecorderRuntime#remove}. */
	boolean remove(String containerId) {
		DockerContainers.requireExactId(containerId);
		try {
			clients.commands().removeContainerCmd(containerId).withForce(false).exec();
			return true;
		}
		catch (NotFoundException | ConflictException ex) {
			return false;
		}
		catch (RuntimeException ex) {
			throw clients.translate("remove " + ContainerLabels.shortId(containerId), ex);
		}
	}

}
