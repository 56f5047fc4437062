package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.FinalEventOwner;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.support.EpochMillis;
import io.ov2ha.controller.support.LogValues;

/**
 * The last step of a finalization: its outcome written to the recording's status (with who
 * announces the final event: OpenVidu when its own recorder still waits for a primary's result,
 * the controller otherwise) and published once as {@link RecordingFinalized}.
 */
@Component
class FinalizationOutcomes {

	private static final Log LOG = LogFactory.getLog(FinalizationOutcomes.class);

	private final RecordingStore recordings;

	private final FinalizationStore store;

	private final ApplicationEventPublisher events;

	private final HaProperties.Storage settings;

	private final Clock clock;

	private final OpenViduFiles files;

	private final Path recordingsDir;

	FinalizationOutcomes(RecordingStore recordings, FinalizationStore store, ApplicationEventPublisher events,
			HaProperties properties, Clock clock, OpenViduFiles files) {
		this.recordings = recordings;
		this.store = store;
		this.events = events;
		this.settings = properties.storage();
		this.clock = clock;
		this.files = files;
		this.recordingsDir = properties.recordingsDir();
	}

	/**
	 * A sealed final: the finalization is done, the chunks are kept for the retention, the
	 * recording becomes READY and the outcome is published once.
	 */
	void ready(Recording recording, Finalization f) {
		RecordingId id = recording.id();
		Instant now = clock.instant();
		Instant deleteAfter = now.plus(settings.chunkRetention());
		store.done(id, recording.createdAt(), now, deleteAfter);
		store.scheduleRetention(id, recording.createdAt(), deleteAfter);
		Finalization.Output out = f.output();
		// a verified, sealed final is the truth: also over a FAILED/ABANDONED that another feature
		// set meanwhile (e.g. from OpenVidu's "failed" after its recorder gave up waiting)
		boolean waiting = recorderWaiting(recording, now);
		// OpenVidu seals it itself only when its own recorder is still waiting for this result;
		// otherwise the controller announces it (and OpenVidu's own final event is not relayed)
		boolean controllerAnnounces = FinalEventOwner.controllerAnnouncesFinalized(recording.epoch(), waiting);
		String reason = "finalized: " + LogValues.seconds(out.durationSeconds()) + " s from " + f.keptChunks().size()
				+ " chunks, " + f.droppedChunks().size() + " dropped";
		var outcome = recordings.transition(id, RecordingStatus.READY,
				List.of(RecordingStatus.FINALIZING, RecordingStatus.FAILED, RecordingStatus.ABANDONED),
				Map.of("statusReason", reason, "finalizedAt", Long.toString(now.toEpochMilli()),
						FinalEventOwner.FIELD, FinalEventOwner.field(controllerAnnounces)));
		LOG.info("event=finalize.ready recordingId=" + id + " durationSeconds="
				+ LogValues.seconds(out.durationSeconds()) + " sizeBytes=" + out.sizeBytes() + " chunks="
				+ f.keptChunks().size() + " dropped=" + f.droppedChunks().size() + " status=" + outcome.code());
		publish(new RecordingFinalized(id, recording.createdAt(), RecordingStatus.READY, null, out.fileName(),
				out.sizeBytes(), out.durationSeconds(), out.hasAudio(), out.hasVideo(), out.resolution(),
				out.frameRate(), out.url(), recording.epoch(), waiting, f.droppedChunks().size(), now));
	}

	/**
	 * A finalization that cannot succeed: the recording becomes FAILED, its chunks are kept (an
	 * admin may retry) and the outcome is published once. Unless OpenVidu's own recorder still
	 * waits for this result (OpenVidu then seals the file itself, failed without an .info),
	 * {@code .recording.<id>} is sealed failed if it is not final already, so that OpenVidu shows
	 * no recording "started" forever after a crash.
	 */
	void failed(Recording recording, String reason) {
		RecordingId id = recording.id();
		Instant now = clock.instant();
		store.failed(id, recording.createdAt(), reason, now);
		// a failed finalization is always announced by the controller (OpenVidu's own "failed", if
		// any, is then not relayed: one final event per outcome)
		recordings.transition(id, RecordingStatus.FAILED, List.of(RecordingStatus.FINALIZING),
				Map.of("statusReason", "finalization failed: " + reason, FinalEventOwner.FIELD,
						FinalEventOwner.CONTROLLER));
		LOG.warn("event=finalize.failed recordingId=" + id + " reason=" + LogValues.quote(reason)
				+ " chunks=kept retry=\"POST /api/recordings/" + id + "/finalize?force=true\"");
		boolean waiting = recorderWaiting(recording, now);
		if (!waiting) {
			sealFailed(recording);
		}
		Finalization f = store.find(id, recording.createdAt(), "FAILED").orElseThrow();
		publish(new RecordingFinalized(id, recording.createdAt(), RecordingStatus.FAILED, reason, null, 0, 0, false,
				false, null, null, null, recording.epoch(), waiting, f.droppedChunks().size(), now));
	}

	private void sealFailed(Recording recording) {
		try {
			if (files.sealFailed(recordingsDir.resolve(recording.id().value()), recording.id(),
					recording.createdAt(), recording.recordingJson())) {
				LOG.info("event=finalize.sealed_failed recordingId=" + recording.id());
			}
		}
		catch (IOException | RuntimeException ex) {
			LOG.warn("event=finalize.seal_failed_error recordingId=" + recording.id() + " error="
					+ LogValues.quote(ex.getMessage()));
		}
	}

	private boolean recorderWaiting(Recording recording, Instant now) {
		Instant until = EpochMillis.instantOrNull(store.get(recording.id(), recording.createdAt(), "recorderWaitUntil"));
		return until != null && !until.isBefore(now);
	}

	private void publish(RecordingFinalized event) {
		try {
			events.publishEvent(event);
		}
		catch (RuntimeException ex) {
			LOG.error("event=finalize.listener_failed recordingId=" + event.id(), ex);
		}
	}

}
