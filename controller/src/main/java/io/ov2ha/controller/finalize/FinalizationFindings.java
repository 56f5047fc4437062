package io.ov2ha.controller.finalize;

import java.util.Optional;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.ChunkFindings;

/** The finalization's findings in the chunk manifest view. */
@Component
class FinalizationFindings implements ChunkFindings {

	private final FinalizationStore store;

	FinalizationFindings(FinalizationStore store) {
		this.store = store;
	}

	@Override
	public Optional<Report> find(RecordingId id, long createdAt) {
		return store.find(id, createdAt, null).map(f -> new Report(new Findings(f.state().name(), f.finishedAt(),
				f.keptChunks().size(), f.keptChunks().stream().mapToDouble(Finalization.KeptChunk::durationSeconds).sum(),
				f.keptChunks().stream().filter(k -> !k.reported()).map(k -> new Chunk(k.seq(), k.epoch())).toList(),
				f.gaps(), f.error()), f.droppedChunks()));
	}

}
