package io.ov2ha.controller.failover;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RuntimeEvent;
import io.ov2ha.controller.recording.RecordingId;

/**
 * The Docker events of every controller, an event source in the manner of a Kubernetes
 * informer: an event of a container is mapped to its recording (by label, else by the container
 * index) on a worker; a die is written down ({@link RecorderExits}, with the OOM killer's mark)
 * and the recording's id is queued for its reconciliation, behind that recording's other work
 * ({@link RecordingSweep#reconcile}, which observes, decides and acts); an unhealthy container
 * only queues the id. Whether the container is the recording's current recorder is the
 * reconciler's to see: events of earlier epochs' recorders are expected and change nothing.
 */
final class ContainerEvents {

	private static final Log LOG = LogFactory.getLog(ContainerEvents.class);

	private final FailoverReads reads;

	private final RecorderExits exits;

	private final Supplier<KeyedExecutor> workers;

	private final Consumer<RecordingId> reconcile;

	/** Containers the OOM killer hit (Docker sends oom before die), so the die needs no inspect. */
	private final Map<String, Instant> oomKilled = new ConcurrentHashMap<>();

	/**
	 * @param workers the reconciler's worker queues (new ones after a restart)
	 * @param reconcile reconciles one recording now (on its worker)
	 */
	ContainerEvents(FailoverReads reads, RecorderExits exits, Supplier<KeyedExecutor> workers,
			Consumer<RecordingId> reconcile) {
		this.reads = reads;
		this.exits = exits;
		this.workers = workers;
		this.reconcile = reconcile;
	}

	void onEvent(RuntimeEvent event) {
		if (!ContainerLabels.isExactId(event.containerId())) {
			return;
		}
		if (event.kind() == RuntimeEvent.Kind.OOM) {
			// the die event follows and carries the verdict
			oomKilled.put(event.containerId(), event.at());
			return;
		}
		if (event.kind() == RuntimeEvent.Kind.HEALTHY) {
			return;
		}
		workers.get().submit("event:" + event.containerId(), () -> {
			Optional<RecordingId> id = recordingOf(event);
			if (id.isPresent()) {
				observed(id.get(), event);
				workers.get().submit(id.get().value(), () -> reconcile.accept(id.get()));
			}
		});
	}

	void forgetOlderThan(Instant old) {
		oomKilled.values().removeIf(t -> t.isBefore(old));
	}

	private Optional<RecordingId> recordingOf(RuntimeEvent event) {
		String labelled = event.labels().get(ContainerLabels.RECORDING_ID);
		if (labelled != null && RecordingId.isValid(labelled)) {
			return Optional.of(RecordingId.of(labelled));
		}
		return reads.recordingOfContainer(event.containerId());
	}

	/** What the event tells of the container, for the reconciler to observe. */
	private void observed(RecordingId id, RuntimeEvent event) {
		if (event.kind() == RuntimeEvent.Kind.UNHEALTHY) {
			LOG.warn("event=failover.recorder_unhealthy recordingId=" + id + " containerId="
					+ ContainerLabels.shortId(event.containerId()));
			return;
		}
		boolean oom = oomKilled.remove(event.containerId()) != null;
		exits.seen(new RecorderExits.Exit(event.containerId(), event.exitCode(), event.at(), "docker-event", oom,
				null));
	}

}
