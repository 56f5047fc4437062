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
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStore;

/**
 * The Docker events of every controller: an event of a container is mapped to its recording (by
 * label, else by the container index) on a worker, then queued behind that recording's other
 * work; a die of the current recorder goes to {@link FailedRecorders#exited}, an unhealthy one
 * to an immediate judgement. Events of earlier epochs' recorders are expected and ignored.
 */
final class ContainerEvents {

	private static final Log LOG = LogFactory.getLog(ContainerEvents.class);

	private final FailoverReads reads;

	private final RecordingStore recordings;

	private final FailedRecorders failed;

	private final Supplier<KeyedExecutor> workers;

	private final Consumer<RecordingId> evaluate;

	/** Containers the OOM killer hit (Docker sends oom before die), so the die needs no inspect. */
	private final Map<String, Instant> oomKilled = new ConcurrentHashMap<>();

	/**
	 * @param workers the reconciler's worker queues (new ones after a restart)
	 * @param evaluate judges one recording now
	 */
	ContainerEvents(FailoverReads reads, RecordingStore recordings, FailedRecorders failed,
			Supplier<KeyedExecutor> workers, Consumer<RecordingId> evaluate) {
		this.reads = reads;
		this.recordings = recordings;
		this.failed = failed;
		this.workers = workers;
		this.evaluate = evaluate;
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
				workers.get().submit(id.get().value(), () -> onContainerEvent(id.get(), event));
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

	private void onContainerEvent(RecordingId id, RuntimeEvent event) {
		Optional<Recording> found = recordings.find(id);
		if (found.isEmpty()) {
			return;
		}
		Recording r = found.get();
		if (!event.containerId().equals(r.containerId())) {
			// an earlier epoch's recorder (fenced, or killed by a failover): expected
			return;
		}
		if (event.kind() == RuntimeEvent.Kind.UNHEALTHY) {
			LOG.warn("event=failover.recorder_unhealthy recordingId=" + id + " epoch=" + r.epoch() + " containerId="
					+ ContainerLabels.shortId(event.containerId()));
			evaluate.accept(id);
			return;
		}
		boolean oom = oomKilled.remove(event.containerId()) != null;
		failed.exited(r, event.containerId(), event.exitCode(), event.at(), "docker-event", oom);
	}

}
