package io.ov2ha.controller.reconcile;

import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RuntimeEvent;
import io.ov2ha.controller.docker.RuntimeEventListener;
import io.ov2ha.controller.failover.FailoverReads;
import io.ov2ha.controller.kernel.RecordingId;

/**
 * The Docker events of every controller, an event source in the manner of a Kubernetes
 * informer: an event of a container is mapped to its recording (by label, else by the container
 * index) on a worker; a die is written down ({@link RecorderExits}, with the OOM killer's mark)
 * and the recording's id is queued for its reconciliation, behind that recording's other work
 * ({@link RecordingReconciler#reconcile}, which observes, decides and acts); an unhealthy
 * container only queues the id. An exit still unhandled (refused for the failover back-off, its
 * handling failed, or its reconciliation lost) has its id queued again ({@link #requeueDue}).
 * Whether the container is the recording's current recorder is the reconciler's to see: events
 * of earlier epochs' recorders are expected and change nothing. A reconnected event stream may
 * have missed events: the full reconciliation is asked for ({@link BackupAudit#request}).
 */
final class ContainerEvents implements RuntimeEventListener {

	private static final Log LOG = LogFactory.getLog(ContainerEvents.class);

	private final FailoverReads reads;

	private final RecorderExits exits;

	private final Supplier<KeyedExecutor> workers;

	private final Consumer<RecordingId> reconcile;

	private final BooleanSupplier running;

	private final Runnable reconnected;

	/**
	 * @param workers the reconciler's worker queues (new ones after a restart)
	 * @param reconcile reconciles one recording now (on its worker)
	 * @param running whether the reconciler runs (events are dropped otherwise)
	 * @param reconnected asks for the full reconciliation (the stream connected, or again)
	 */
	ContainerEvents(FailoverReads reads, RecorderExits exits, Supplier<KeyedExecutor> workers,
			Consumer<RecordingId> reconcile, BooleanSupplier running, Runnable reconnected) {
		this.reads = reads;
		this.exits = exits;
		this.workers = workers;
		this.reconcile = reconcile;
		this.running = running;
		this.reconnected = reconnected;
	}

	@Override
	public void onConnected(boolean again) {
		// whatever happened while the stream was down is found by the next full reconciliation
		reconnected.run();
	}

	@Override
	public void onDisconnected(String reason) {
		// the runtime reconnects; heartbeats and chunk progress keep covering failures meanwhile
	}

	@Override
	public void onEvent(RuntimeEvent event) {
		if (!running.getAsBoolean() || !ContainerLabels.isExactId(event.containerId())) {
			return;
		}
		if (event.kind() == RuntimeEvent.Kind.OOM) {
			// the die event follows and carries the verdict
			exits.oomKilled(event.containerId());
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

	/**
	 * Queues again the recordings of exits still unhandled and due ({@link RecorderExits#dueRetries}:
	 * a back-off ended, put back after an error, or not handled within a few seconds); every
	 * controller, at every tick.
	 */
	void requeueDue(Instant now) {
		for (RecordingId id : exits.dueRetries(now)) {
			workers.get().submit(id.value(), () -> reconcile.accept(id));
		}
	}

	void forgetOlderThan(Instant old) {
		exits.forgetOlderThan(old);
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
		exits.seen(id, event.containerId(), event.exitCode(), event.at(), "docker-event");
	}

}
