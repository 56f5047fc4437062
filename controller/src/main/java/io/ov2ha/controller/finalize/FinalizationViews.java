package io.ov2ha.controller.finalize;

import java.util.List;
import java.util.Optional;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStore;

/** The finalization of a recording incarnation as the API answers it: stored state plus the recording's status. */
@Component
class FinalizationViews {

	private final RecordingStore recordings;

	private final FinalizationStore store;

	FinalizationViews(RecordingStore recordings, FinalizationStore store) {
		this.recordings = recordings;
		this.store = store;
	}

	Optional<Finalization> view(Recording recording) {
		return store.find(recording.id(), recording.createdAt(), recording.status().name());
	}

	/** The stored finalization of (id, createdAt), or null if none was ever stored. */
	Finalization view(RecordingId id, long createdAt) {
		String status = recordings.find(id).filter(r -> r.createdAt() == createdAt).map(r -> r.status().name())
			.orElse(null);
		return store.find(id, createdAt, status).orElse(null);
	}

	/** The stored finalization, re-read; a placeholder if none was ever stored for this recording. */
	Finalization view(RecordingId id, long createdAt, Recording fallback) {
		Finalization f = view(id, createdAt);
		if (f != null) {
			return f;
		}
		return new Finalization(id.value(), createdAt, fallback.status().name(), null, null, 0, null, null, null, null,
				null, null, "the controller has not finalized this recording", null, List.of(), List.of(), List.of(),
				false, null, null, null, null);
	}

	/** Whether the finalization ended (DONE or FAILED), or there is none. */
	boolean ended(RecordingId id, long createdAt) {
		Finalization f = view(id, createdAt);
		return f == null || f.state().terminal();
	}

}
