package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BiFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.finalize.ChunkExaminer.Candidate;
import io.ov2ha.controller.finalize.ChunkExaminer.Dropped;
import io.ov2ha.controller.finalize.ChunkExaminer.Examined;
import io.ov2ha.controller.finalize.ChunkExaminer.Usable;
import io.ov2ha.controller.finalize.JoinPlan.Kept;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.ChunkEntry;
import io.ov2ha.controller.recording.ChunkFindings;
import io.ov2ha.controller.recording.ContainerEntry;
import io.ov2ha.controller.recording.LossCut;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.storage.ChunkKeys;
import io.ov2ha.controller.storage.ChunkStorage;
import io.ov2ha.controller.storage.ChunkStorage.StoredChunk;
import io.ov2ha.controller.storage.ChunkStorageException;
import io.ov2ha.controller.storage.LocalChunkStorage;
import io.ov2ha.controller.support.DaemonThreads;
import io.ov2ha.controller.support.LogValues;

/**
 * The first step of a finalization attempt: the chunk list (manifest plus storage listings).
 * Each chunk is taken from the local folder when it is intact and from S3 otherwise (downloads
 * in parallel), checked against its report (size, SHA-256, timestamps) or, when only a listing
 * knows it, decoded; an unusable one is dropped with its reason and becomes a gap. When S3
 * cannot be listed but every reported chunk is on the local disk, the plan is made from the
 * local files alone and {@link ChunkBackfill} copies them to S3 later.
 */
@Component
class ChunkPlanner implements DisposableBean {

	private static final Log LOG = LogFactory.getLog(ChunkPlanner.class);

	private final Path recordings;

	private final ChunkStorage storage;

	private final LocalChunkStorage localChunks;

	private final RecordingStore recordingStore;

	private final ChunkExaminer examiner;

	private final ChunkBackfill backfill;

	private final ExecutorService pool;

	/** The recorders' chunk length, s: the media time of a chunk nothing knows. */
	private final double chunkSeconds;

	ChunkPlanner(HaProperties properties, ChunkStorage storage, RecordingStore recordingStore, ChunkExaminer examiner,
			ChunkBackfill backfill) {
		this.recordings = properties.recordingsDir();
		this.storage = storage;
		this.localChunks = storage instanceof LocalChunkStorage local ? local : new LocalChunkStorage(recordings);
		this.recordingStore = recordingStore;
		this.examiner = examiner;
		this.backfill = backfill;
		this.pool = DaemonThreads.fixedPool("finalize-chunks", properties.storage().finalizer().downloads());
		this.chunkSeconds = properties.failover().chunkDuration().toMillis() / 1000.0;
	}

	@Override
	public void destroy() {
		pool.shutdownNow();
	}

	/**
	 * Lists every chunk the manifest, S3 and the local folder know, examines each (in parallel)
	 * and answers which go into the final.
	 *
	 * @param work the attempt's work folder (S3 downloads go to its {@code chunks/})
	 */
	JoinPlan plan(Recording recording, Path work, Joiner.Guard guard) throws IOException {
		RecordingId id = recording.id();
		List<ChunkEntry> manifest = recordingStore.chunks(id);
		List<StoredChunk> local = localChunks.list(id, recording.createdAt());
		List<StoredChunk> remote = storage.mode() == StorageMode.S3 ? listS3(recording, manifest, local) : List.of();

		TreeMap<String, Candidate> candidates = new TreeMap<>();
		Map<String, ChunkEntry> reports = new HashMap<>();
		manifest.forEach(c -> reports.put(ChunkEntry.field(c.seq(), c.epoch()), c));
		Map<String, StoredChunk> remotes = new HashMap<>();
		remote.forEach(c -> remotes.put(ChunkEntry.field(c.seq(), c.epoch()), c));
		Map<String, StoredChunk> locals = new HashMap<>();
		local.forEach(c -> locals.put(ChunkEntry.field(c.seq(), c.epoch()), c));
		List<String> keys = new ArrayList<>(reports.keySet());
		keys.addAll(remotes.keySet());
		keys.addAll(locals.keySet());
		for (String key : keys) {
			if (candidates.containsKey(key)) {
				continue;
			}
			ChunkEntry report = reports.get(key);
			StoredChunk r = remotes.get(key);
			StoredChunk l = locals.get(key);
			long seq = report != null ? report.seq() : r != null ? r.seq() : l.seq();
			long epoch = report != null ? report.epoch() : r != null ? r.epoch() : l.epoch();
			candidates.put(key, new Candidate(seq, epoch, report, r,
					l == null ? null : recordings.resolve(ChunkKeys.localPath(id, seq, epoch))));
		}

		// the first seq of each epoch: an unreported chunk of an older epoch beyond the next epoch's
		// first seq was written by a replaced recorder after the switch (a zombie): its time is
		// covered by the newer recorder
		Map<Long, Long> firstSeq = new HashMap<>();
		candidates.values().forEach(c -> firstSeq.merge(c.epoch(), c.seq(), Math::min));

		List<Examined> results = new ArrayList<>();
		List<Future<Examined>> futures = new ArrayList<>();
		Path cache = work.resolve("chunks");
		Files.createDirectories(cache);
		List<Candidate> ordered = new ArrayList<>(candidates.values());
		ordered.sort(Comparator.comparingLong(Candidate::seq).thenComparingLong(Candidate::epoch));
		for (Candidate c : ordered) {
			String superseded = c.report() == null ? supersededBy(c, firstSeq) : null;
			if (superseded != null) {
				futures.add(CompletableFuture.completedFuture(ChunkExaminer.dropped(c, superseded)));
			}
			else {
				futures.add(pool.submit(() -> examiner.examine(id, c, cache)));
			}
		}
		try {
			for (Future<Examined> f : futures) {
				guard.check();
				results.add(f.get());
			}
		}
		catch (InterruptedException ex) {
			futures.forEach(f -> f.cancel(true));
			Thread.currentThread().interrupt();
			throw new Media.Interrupted();
		}
		catch (ExecutionException ex) {
			futures.forEach(f -> f.cancel(true));
			Throwable cause = ex.getCause() instanceof CompletionException ce ? ce.getCause() : ex.getCause();
			if (cause instanceof ChunkStorageException se) {
				throw storageFailure("cannot read a chunk from storage", se);
			}
			if (cause instanceof IOException io) {
				throw io;
			}
			if (cause instanceof UncheckedIOException io) {
				throw io.getCause();
			}
			if (cause instanceof RuntimeException re) {
				throw re;
			}
			throw new IOException(cause);
		}
		catch (RuntimeException ex) {
			futures.forEach(f -> f.cancel(true));
			throw ex;
		}

		List<Kept> kept = new ArrayList<>();
		List<ChunkFindings.Dropped> dropped = new ArrayList<>();
		for (Examined e : results) {
			if (e instanceof Usable u) {
				kept.add(u.kept());
			}
			else if (e instanceof Dropped d) {
				dropped.add(d.dropped());
				LOG.warn("event=finalize.chunk_dropped recordingId=" + id + " seq=" + d.dropped().seq() + " epoch="
						+ d.dropped().epoch() + " reason=" + LogValues.quote(d.dropped().reason()));
			}
		}
		long lastSeq = ordered.isEmpty() ? -1 : ordered.stream().mapToLong(Candidate::seq).max().orElse(-1);
		JoinPlan plan = new JoinPlan(kept, dropped, JoinPlan.gaps(kept, lastSeq));
		BiFunction<Kept, String, ChunkFindings.Dropped> drop = (k, reason) -> ((Dropped) ChunkExaminer
			.dropped(candidates.get(ChunkEntry.field(k.seq(), k.epoch())), reason)).dropped();
		// the timeline places a blank tail and a cut at a loss (only then the container history is read)
		EpochTimeline timeline = recording.blankTail() == null && recording.lossCut() == null ? EpochTimeline.KEPT_ONLY
				: new EpochTimeline(manifest, chunkSeconds, startSeqs(id));
		if (recording.blankTail() != null) {
			plan = plan.withoutBlankTail(recording.blankTail(), timeline, drop);
			List<ChunkFindings.Dropped> tail = plan.blankTail();
			if (!tail.isEmpty()) {
				LOG.info("event=finalize.blank_tail_trimmed recordingId=" + id + " epoch=" + recording.blankTail().epoch()
						+ " afterMediaMs=" + recording.blankTail().afterMediaMs() + " chunks=" + tail.size() + " seqs="
						+ tail.get(0).seq() + "-" + tail.get(tail.size() - 1).seq());
			}
		}
		LossCut cut = recording.lossCut();
		if (cut != null) {
			plan = plan.cutAt(cut, timeline, drop);
			Kept inside = plan.cutChunk();
			List<ChunkFindings.Dropped> after = plan.afterLoss();
			if (inside != null || !after.isEmpty()) {
				LOG.info("event=finalize.loss_cut recordingId=" + id + " epoch=" + cut.epoch() + " mediaMs="
						+ cut.mediaMs() + " lostAtMs=" + cut.atMs() + " cutSeq=" + (inside == null ? "none" : inside.seq())
						+ " keptOfCutSeconds=" + (inside == null ? "0" : LogValues.seconds(inside.cutAt()))
						+ " droppedChunks=" + after.size());
			}
		}
		return plan;
	}

	/** Each backup epoch's first chunk, from the recording's container history (epoch -> seq). */
	private Map<Long, Long> startSeqs(RecordingId id) {
		Map<Long, Long> starts = new HashMap<>();
		for (ContainerEntry c : recordingStore.containers(id)) {
			if (c.epoch() > 0 && c.startChunk() != null) {
				starts.put(c.epoch(), c.startChunk());
			}
		}
		return starts;
	}

	/**
	 * The chunks S3 holds. When S3 is unreachable but every reported chunk is in the local folder
	 * with its reported size, the join goes on from the local files (none listed, an empty list):
	 * a stop must not wait for S3. Asks the backfill to copy to S3 what the local folder has and
	 * S3 lacks (everything local, when S3 could not be listed).
	 */
	private List<StoredChunk> listS3(Recording recording, List<ChunkEntry> manifest, List<StoredChunk> local) {
		RecordingId id = recording.id();
		try {
			List<StoredChunk> remote = storage.list(id, recording.createdAt());
			Set<String> listed = new HashSet<>();
			remote.forEach(c -> listed.add(ChunkEntry.field(c.seq(), c.epoch())));
			if (local.stream().anyMatch(c -> !listed.contains(ChunkEntry.field(c.seq(), c.epoch())))) {
				backfill.request(id, recording.createdAt());
			}
			return remote;
		}
		catch (ChunkStorageException ex) {
			if (!ex.unavailable() || !allReportedAreLocal(manifest, local)) {
				throw storageFailure("cannot list the chunks in S3", ex);
			}
			LOG.warn("event=finalize.local_join recordingId=" + id + " reason=s3_unreachable localChunks="
					+ local.size() + " reportedChunks=" + manifest.size() + " error=" + LogValues.quote(ex.getMessage()));
			backfill.request(id, recording.createdAt());
			return List.of();
		}
	}

	/** Whether the local folder has chunks and a file of the reported size for every reported chunk. */
	static boolean allReportedAreLocal(List<ChunkEntry> manifest, List<StoredChunk> local) {
		Map<String, Long> sizes = new HashMap<>();
		local.forEach(c -> sizes.put(ChunkEntry.field(c.seq(), c.epoch()), c.sizeBytes()));
		return !local.isEmpty() && manifest.stream()
			.allMatch(c -> Long.valueOf(c.sizeBytes()).equals(sizes.get(ChunkEntry.field(c.seq(), c.epoch()))));
	}

	/** Why an unreported chunk is superseded by a newer epoch (a zombie's write), or null. */
	static String supersededBy(Candidate c, Map<Long, Long> firstSeq) {
		for (Map.Entry<Long, Long> e : firstSeq.entrySet()) {
			if (e.getKey() > c.epoch() && e.getValue() < c.seq()) {
				return "superseded: written by epoch " + c.epoch() + " after epoch " + e.getKey()
						+ " took over at seq " + e.getValue();
			}
		}
		return null;
	}

	private static FinalizeFailure storageFailure(String what, ChunkStorageException ex) {
		String reason = what + ": " + ex.getMessage();
		return ex.unavailable() ? FinalizeFailure.retryable(reason) : FinalizeFailure.permanent(reason);
	}

}
