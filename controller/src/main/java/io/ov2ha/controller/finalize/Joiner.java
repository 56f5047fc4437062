package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.util.FileSystemUtils;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.finalize.Finalization.Step;
import io.ov2ha.controller.recording.ChunkEntry;
import io.ov2ha.controller.recording.ChunkFindings;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.recording.VideoName;
import io.ov2ha.controller.storage.ChunkKeys;
import io.ov2ha.controller.storage.ChunkStorage;
import io.ov2ha.controller.storage.ChunkStorage.StoredChunk;
import io.ov2ha.controller.storage.ChunkStorageException;
import io.ov2ha.controller.storage.LocalChunkStorage;
import io.ov2ha.controller.support.LogValues;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One finalization attempt, step by step (ARCHITECTURE.md "Finalization"): build the chunk
 * list (manifest plus storage listings), take each chunk from the local folder when it is
 * intact and from S3 otherwise (in parallel), check every chunk and drop unusable ones as
 * gaps, join in (seq, epoch) order with stream copy and per-chunk durations, verify the result,
 * rename it over {@code <VIDEO_NAME>.mp4}, then write OpenVidu's files. Each step is recorded,
 * so an attempt that dies is resumed from its last durable step; nothing is ever deleted here
 * except this attempt's own temporary files.
 */
@Component
class Joiner implements DisposableBean {

	private static final Log LOG = LogFactory.getLog(Joiner.class);

	/**
	 * Prefix of the joined file before it is verified and renamed, in the recording folder (same
	 * file system as the final): {@code .ov2ha-final-<attempt>.mp4.tmp}. One name per attempt, so
	 * an attempt never writes into the file of another; the state records the verified one.
	 */
	static final String TEMP_PREFIX = ".ov2ha-final-";

	static String tempName(long attempt) {
		return TEMP_PREFIX + attempt + ".mp4.tmp";
	}

	/**
	 * Downloads and the concat list of an attempt, in the recording folder. Made afresh for each
	 * join (whatever was at that name is removed, a link is not followed), so that nothing a
	 * recorder planted there is written through.
	 */
	static final String WORK_DIR = ".ov2ha-finalize";

	/** A chunk found only by listing (a partial chunk of a dead recorder) must last at least this long. */
	static final double MIN_UNREPORTED_SECONDS = 0.5;

	/** A reported duration this far from the chunk's own timestamps is not trusted; ffprobe measures it. */
	static final double DURATION_DOUBT_SECONDS = 1.0;

	private final HaProperties properties;

	private final Path recordings;

	private final ChunkStorage storage;

	private final LocalChunkStorage localChunks;

	private final RecordingStore recordingStore;

	private final FinalizationStore store;

	private final Media media;

	private final OpenViduFiles files;

	private final JsonMapper json;

	private final ObjectProvider<FinalizationStepListener> listeners;

	private final ExecutorService pool;

	Joiner(HaProperties properties, ChunkStorage storage, RecordingStore recordingStore, FinalizationStore store,
			Media media, OpenViduFiles files, JsonMapper json, ObjectProvider<FinalizationStepListener> listeners) {
		this.properties = properties;
		this.recordings = properties.recordingsDir();
		this.storage = storage;
		this.localChunks = storage instanceof LocalChunkStorage local ? local : new LocalChunkStorage(recordings);
		this.recordingStore = recordingStore;
		this.store = store;
		this.media = media;
		this.files = files;
		this.json = json;
		this.listeners = listeners;
		AtomicInteger n = new AtomicInteger();
		this.pool = Executors.newFixedThreadPool(properties.storage().finalizer().downloads(), r -> {
			Thread t = new Thread(r, "finalize-chunks-" + n.incrementAndGet());
			t.setDaemon(true);
			return t;
		});
	}

	@Override
	public void destroy() {
		pool.shutdownNow();
	}

	/** Checks between steps that the attempt may go on (lease still held, no shutdown). */
	interface Guard {

		void check();

	}

	/** A chunk that goes into the final. */
	record Kept(long seq, long epoch, Path file, double duration, String source, boolean reported, TsScan.Info info) {
	}

	/** The chunks of an attempt. */
	record Plan(List<Kept> kept, List<ChunkFindings.Dropped> dropped, List<ChunkFindings.Range> gaps) {

		double expectedSeconds() {
			return kept.stream().mapToDouble(Kept::duration).sum();
		}

		boolean hasAudio() {
			return kept.stream().anyMatch(k -> k.info().hasAudio());
		}

	}

	/** Runs (or resumes) an attempt. Answers the sealed output. */
	Finalization.Output attempt(Recording recording, long attempt, Guard guard) throws IOException {
		RecordingId id = recording.id();
		long createdAt = recording.createdAt();
		String fileName = finalFileName(recording);
		Path dir = recordings.resolve(id.value());
		Files.createDirectories(dir);
		if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
			throw FinalizeFailure.permanent("the recording folder is a symbolic link, not a folder");
		}
		Path finalFile = dir.resolve(fileName);
		Path work = dir.resolve(WORK_DIR);
		Map<String, String> state = store.raw(id, createdAt);
		Step reached = state.get("step") == null ? Step.PREPARING : Step.valueOf(state.get("step"));
		// the verified join of an earlier attempt, if one got that far
		String recorded = state.get("tempFile");
		Path temp = dir.resolve(recorded != null && recorded.startsWith(TEMP_PREFIX) && !recorded.contains("/")
				? recorded : tempName(attempt));
		Finalization.Output output = store.output(id, createdAt);

		// committed: the verified join was renamed over the final (a crash may have hit between the
		// rename and recording the step, then the temporary file is gone)
		boolean committed = output != null && reached.ordinal() >= Step.VERIFIED.ordinal()
				&& sizeOf(finalFile) == output.sizeBytes()
				&& (reached.ordinal() >= Step.COMMITTED.ordinal() || sizeOf(temp) < 0);
		if (committed) {
			LOG.info("event=finalize.resumed recordingId=" + id + " from=" + reached + " reason=final_file_in_place");
		}
		else {
			boolean verifiedTemp = reached == Step.VERIFIED && output != null
					&& Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS) && sizeOf(temp) == output.sizeBytes()
					&& stillVerifies(temp, output);
			if (verifiedTemp) {
				LOG.info("event=finalize.resumed recordingId=" + id + " from=" + reached
						+ " reason=verified_join_in_place");
			}
			else {
				if (reached != Step.PREPARING) {
					LOG.info("event=finalize.resumed recordingId=" + id + " from=" + reached + " reason=join_again");
				}
				freshWorkDir(work);
				temp = dir.resolve(tempName(attempt));
				store.step(id, createdAt, Step.PREPARING, Map.of("tempFile", temp.getFileName().toString()));
				before(id, Step.PREPARING, guard);
				Plan plan = prepare(recording, work, guard);
				store.chunks(id, createdAt, plan.kept().stream()
					.map(k -> new Finalization.KeptChunk(k.seq(), k.epoch(), k.duration(), k.source(), k.reported()))
					.toList(), plan.dropped(), plan.gaps());
				if (plan.kept().isEmpty()) {
					throw FinalizeFailure.permanent("no usable chunk (" + plan.dropped().size() + " dropped)");
				}
				store.step(id, createdAt, Step.JOINING, Map.of());
				before(id, Step.JOINING, guard);
				join(id, plan, work, temp, guard);
				store.step(id, createdAt, Step.VERIFYING, Map.of());
				before(id, Step.VERIFYING, guard);
				output = verify(id, temp, plan, fileName, work);
				store.output(id, createdAt, output);
				store.step(id, createdAt, Step.VERIFIED, Map.of());
			}
			before(id, Step.COMMITTED, guard);
			guard.check();
			files.own(temp);
			Files.move(temp, finalFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
			store.step(id, createdAt, Step.COMMITTED, Map.of());
			LOG.info("event=finalize.committed recordingId=" + id + " file=" + LogValues.quote(fileName) + " sizeBytes="
					+ output.sizeBytes() + " durationSeconds=" + format(output.durationSeconds()));
		}

		before(id, Step.SEALED, guard);
		OpenViduFiles.Facts facts;
		try {
			facts = files.writeInfo(dir, id, finalFile);
		}
		catch (IOException ex) {
			throw FinalizeFailure.permanent("the final file is not usable by OpenVidu: " + ex.getMessage());
		}
		try {
			files.writeThumbnail(dir, id, finalFile, facts);
		}
		catch (IOException ex) {
			LOG.warn("event=finalize.thumbnail_failed recordingId=" + id + " error=" + LogValues.quote(ex.getMessage()));
		}
		String url = files.sealReady(dir, id, recording.recordingJson(), fileName, facts);
		Finalization.Output sealed = new Finalization.Output(fileName, facts.sizeBytes(), facts.durationSeconds(),
				output.expectedSeconds(), facts.hasAudio(), facts.hasVideo(), facts.resolution(), facts.frameRate(), url);
		store.output(id, createdAt, sealed);
		store.step(id, createdAt, Step.SEALED, Map.of());
		uploadFinal(recording, finalFile, fileName);
		deleteWork(work);
		deleteTemps(dir);
		return sealed;
	}

	private void before(RecordingId id, Step step, Guard guard) {
		guard.check();
		listeners.orderedStream().forEach(l -> l.beforeStep(id, step));
	}

	// ---------------------------------------------------------------- chunk list

	private record Candidate(long seq, long epoch, ChunkEntry report, StoredChunk remote, Path local) {
	}

	private sealed interface Examined permits Usable, Dropped {
	}

	private record Usable(Kept kept) implements Examined {
	}

	private record Dropped(ChunkFindings.Dropped dropped) implements Examined {
	}

	Plan prepare(Recording recording, Path work, Guard guard) throws IOException {
		RecordingId id = recording.id();
		List<ChunkEntry> manifest = recordingStore.chunks(id);
		List<StoredChunk> remote = List.of();
		if (storage.mode() == StorageMode.S3) {
			try {
				remote = storage.list(id, recording.createdAt());
			}
			catch (ChunkStorageException ex) {
				throw storageFailure("cannot list the chunks in S3", ex);
			}
		}
		List<StoredChunk> local = localChunks.list(id, recording.createdAt());

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
				futures.add(CompletableFuture.completedFuture(dropped(c, superseded)));
			}
			else {
				futures.add(pool.submit(() -> examine(id, c, cache)));
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
		return new Plan(kept, dropped, gaps(kept, lastSeq));
	}

	private static String supersededBy(Candidate c, Map<Long, Long> firstSeq) {
		for (Map.Entry<Long, Long> e : firstSeq.entrySet()) {
			if (e.getKey() > c.epoch() && e.getValue() < c.seq()) {
				return "superseded: written by epoch " + c.epoch() + " after epoch " + e.getKey()
						+ " took over at seq " + e.getValue();
			}
		}
		return null;
	}

	/** Sequence numbers from 0 to the highest known one that no kept chunk has. */
	static List<ChunkFindings.Range> gaps(List<Kept> kept, long lastSeq) {
		return ChunkFindings.Range.gaps(kept.stream().map(Kept::seq).toList(), lastSeq);
	}

	private Examined examine(RecordingId id, Candidate c, Path cache) throws IOException {
		return c.report() != null ? examineReported(id, c, cache) : examineUnreported(id, c, cache);
	}

	/** A reported chunk: its bytes must match the report (size and SHA-256), locally or in S3. */
	private Examined examineReported(RecordingId id, Candidate c, Path cache) throws IOException {
		ChunkEntry report = c.report();
		String localProblem = null;
		Path local = c.local() != null ? c.local() : recordings.resolve(ChunkKeys.localPath(id, c.seq(), c.epoch()));
		if (Files.isRegularFile(local)) {
			TsScan.Info info = TsScan.scan(local, true);
			localProblem = mismatch(info, report);
			if (localProblem == null) {
				return usable(c, local, "local", info);
			}
			localProblem = "local file " + localProblem;
		}
		if (storage.mode() != StorageMode.S3) {
			return dropped(c, localProblem != null ? localProblem : "missing: reported, but there is no chunk file");
		}
		Path cached = cache.resolve(ChunkKeys.fileName(c.seq(), c.epoch()));
		if (Files.isRegularFile(cached)) {
			TsScan.Info info = TsScan.scan(cached, true);
			if (mismatch(info, report) == null) {
				return usable(c, cached, "s3", info);
			}
		}
		try {
			storage.download(report.storageKey(), cached);
		}
		catch (ChunkStorageException ex) {
			if (ex.kind() == ChunkStorageException.Kind.NOT_FOUND) {
				return dropped(c, (localProblem != null ? localProblem + "; " : "") + "missing: reported, but not in S3");
			}
			throw ex;
		}
		TsScan.Info info = TsScan.scan(cached, true);
		String problem = mismatch(info, report);
		if (problem != null) {
			return dropped(c, (localProblem != null ? localProblem + "; " : "") + "S3 object " + problem);
		}
		return usable(c, cached, "s3", info);
	}

	/** Why the bytes are not the reported chunk, or null. */
	private static String mismatch(TsScan.Info info, ChunkEntry report) {
		if (info.sizeBytes() != report.sizeBytes()) {
			return "has " + info.sizeBytes() + " bytes, the report says " + report.sizeBytes();
		}
		if (!info.sha256().equalsIgnoreCase(report.checksum())) {
			return "differs from the report (checksum)";
		}
		return null;
	}

	private Examined usable(Candidate c, Path file, String source, TsScan.Info info) throws IOException {
		String problem = info.problem();
		if (problem != null) {
			return dropped(c, problem);
		}
		double duration = c.report().durationSeconds();
		if (!(duration > 0) || Math.abs(duration - info.span()) > DURATION_DOUBT_SECONDS) {
			double measured = probedDuration(file);
			LOG.warn("event=finalize.duration_doubtful seq=" + c.seq() + " epoch=" + c.epoch() + " reported="
					+ format(duration) + " measured=" + format(measured));
			duration = measured;
			if (!(duration > 0)) {
				return dropped(c, "no measurable duration");
			}
		}
		return new Usable(new Kept(c.seq(), c.epoch(), file, duration, source, true, info));
	}

	/**
	 * A chunk only a listing knows (its report was lost, or a dead recorder left it partial): kept
	 * if it decodes cleanly and lasts long enough; its duration is measured.
	 */
	private Examined examineUnreported(RecordingId id, Candidate c, Path cache) throws IOException {
		Path file;
		String source;
		if (c.local() != null && (c.remote() == null || sizeOf(c.local()) == c.remote().sizeBytes())) {
			file = c.local();
			source = "local";
		}
		else {
			file = cache.resolve(ChunkKeys.fileName(c.seq(), c.epoch()));
			if (sizeOf(file) != c.remote().sizeBytes()) {
				try {
					storage.download(c.remote().storageKey(), file);
				}
				catch (ChunkStorageException ex) {
					if (ex.kind() == ChunkStorageException.Kind.NOT_FOUND) {
						return dropped(c, "missing: listed, but gone from S3");
					}
					throw ex;
				}
			}
			source = "s3";
		}
		TsScan.Info info = TsScan.scan(file, false);
		String problem = info.problem();
		if (problem != null) {
			return dropped(c, problem);
		}
		Media.Result decode = media.decodeCheck(file);
		if (!decode.ok()) {
			return dropped(c, "undecodable: " + decode.lastError());
		}
		double duration = probedDuration(file);
		if (!(duration >= MIN_UNREPORTED_SECONDS)) {
			return dropped(c, "too short (" + format(duration) + " s)");
		}
		LOG.info("event=finalize.unreported_chunk_kept recordingId=" + id + " seq=" + c.seq() + " epoch=" + c.epoch()
				+ " durationSeconds=" + format(duration) + " source=" + source);
		return new Usable(new Kept(c.seq(), c.epoch(), file, duration, source, false, info));
	}

	private double probedDuration(Path file) throws IOException {
		JsonNode probe = media.probe(file);
		try {
			return Double.parseDouble(probe.path("format").path("duration").asString("0"));
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	private static Examined dropped(Candidate c, String reason) {
		String key = c.report() != null ? c.report().storageKey() : c.remote() != null ? c.remote().storageKey()
				: c.local() != null ? c.local().getFileName().toString() : "";
		return new Dropped(new ChunkFindings.Dropped(c.seq(), c.epoch(), key, reason));
	}

	private static FinalizeFailure storageFailure(String what, ChunkStorageException ex) {
		String reason = what + ": " + ex.getMessage();
		return ex.unavailable() ? FinalizeFailure.retryable(reason) : FinalizeFailure.permanent(reason);
	}

	// ---------------------------------------------------------------- join and verify

	private void join(RecordingId id, Plan plan, Path work, Path temp, Guard guard) throws IOException {
		Path list = work.resolve("join.ffconcat");
		StringBuilder concat = new StringBuilder("ffconcat version 1.0\n");
		for (Kept k : plan.kept()) {
			concat.append("file '")
				.append(k.file().toAbsolutePath().toString().replace("'", "'\\''"))
				.append("'\nduration ")
				.append(String.format(Locale.ROOT, "%.6f", k.duration()))
				.append('\n');
		}
		Files.writeString(list, concat, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
		// ffmpeg -y writes through whatever is at the output name: it must be our own new file
		Files.deleteIfExists(temp);
		Files.createFile(temp);
		long started = System.nanoTime();
		Media.Result r = media.join(list, temp, properties.storage().finalizer().timeout());
		if (!r.ok()) {
			Files.deleteIfExists(temp);
			throw FinalizeFailure.permanent("ffmpeg join failed: " + r.lastError());
		}
		if (!r.errors().isBlank()) {
			LOG.warn("event=finalize.join_messages recordingId=" + id + " last=" + LogValues.quote(r.lastError()));
		}
		LOG.info("event=finalize.joined recordingId=" + id + " chunks=" + plan.kept().size() + " seconds="
				+ format((System.nanoTime() - started) / 1e9));
	}

	private Finalization.Output verify(RecordingId id, Path temp, Plan plan, String fileName, Path work)
			throws IOException {
		JsonNode probe;
		try {
			probe = media.probe(temp);
		}
		catch (IOException ex) {
			throw verificationFailed(temp, "the joined file cannot be read: " + ex.getMessage());
		}
		OpenViduFiles.Facts facts;
		try {
			facts = OpenViduFiles.facts(probe);
		}
		catch (IOException ex) {
			throw verificationFailed(temp, "the joined file is not usable: " + ex.getMessage());
		}
		double expected = plan.expectedSeconds();
		double tolerance = tolerance(expected);
		if (Math.abs(facts.durationSeconds() - expected) > tolerance) {
			throw verificationFailed(temp, String.format(Locale.ROOT,
					"the joined file lasts %.3f s, its %d chunks %.3f s (tolerance %.3f s)", facts.durationSeconds(),
					plan.kept().size(), expected, tolerance));
		}
		if (plan.hasAudio() && !facts.hasAudio()) {
			throw verificationFailed(temp, "the joined file has no audio stream, its chunks have");
		}
		double video = streamDuration(probe, "video");
		double audio = streamDuration(probe, "audio");
		if (video > 0 && audio > 0 && Math.abs(video - audio) > 1.0 + 0.001 * expected) {
			throw verificationFailed(temp, String.format(Locale.ROOT,
					"audio (%.3f s) and video (%.3f s) of the joined file differ too much", audio, video));
		}
		LOG.info("event=finalize.verified recordingId=" + id + " durationSeconds=" + format(facts.durationSeconds())
				+ " expectedSeconds=" + format(expected) + " hasAudio=" + facts.hasAudio() + " chunks="
				+ plan.kept().size() + " dropped=" + plan.dropped().size());
		return new Finalization.Output(fileName, Files.size(temp), facts.durationSeconds(), expected,
				facts.hasAudio(), facts.hasVideo(), facts.resolution(), facts.frameRate(), null);
	}

	/** How far the joined duration may be from the sum of the chunks: 0.5 s plus 0.05 %. */
	static double tolerance(double expectedSeconds) {
		return 0.5 + 0.0005 * expectedSeconds;
	}

	private static FinalizeFailure verificationFailed(Path temp, String reason) {
		try {
			Files.deleteIfExists(temp);
		}
		catch (IOException ignored) {
			// the next attempt replaces it
		}
		return FinalizeFailure.permanent("verification failed: " + reason);
	}

	/** Whether a verified join left by an earlier attempt is still the same file. */
	private boolean stillVerifies(Path temp, Finalization.Output output) {
		try {
			OpenViduFiles.Facts facts = OpenViduFiles.facts(media.probe(temp));
			return Math.abs(facts.durationSeconds() - output.durationSeconds()) < 0.001;
		}
		catch (IOException | RuntimeException ex) {
			return false;
		}
	}

	private static double streamDuration(JsonNode probe, String type) {
		for (JsonNode stream : probe.path("streams")) {
			if (type.equals(stream.path("codec_type").asString(""))) {
				try {
					return Double.parseDouble(stream.path("duration").asString("0"));
				}
				catch (NumberFormatException ex) {
					return 0;
				}
			}
		}
		return 0;
	}

	// ---------------------------------------------------------------- names and files

	/** {@code <VIDEO_NAME>.mp4}; the name comes from OpenVidu and must pass {@link VideoName#problem}. */
	String finalFileName(Recording recording) {
		String videoName = null;
		if (recording.env() != null && !recording.env().isEmpty()) {
			try {
				videoName = json.readTree(recording.env()).path("VIDEO_NAME").asString(null);
			}
			catch (JacksonException ex) {
				videoName = null;
			}
		}
		String name = VideoName.effective(videoName, recording.name(), recording.id());
		String problem = VideoName.problem(name);
		if (problem != null) {
			throw FinalizeFailure.permanent("VIDEO_NAME " + LogValues.quote(name) + " is not a usable file name: "
					+ problem);
		}
		return name + ".mp4";
	}

	private void uploadFinal(Recording recording, Path finalFile, String fileName) {
		if (!properties.storage().uploadFinal() || storage.mode() != StorageMode.S3) {
			return;
		}
		RecordingId id = recording.id();
		try {
			String key = storage.putFinal(id, recording.createdAt(), fileName, finalFile);
			store.set(id, recording.createdAt(), Map.of("finalKey", key));
			LOG.info("event=finalize.uploaded recordingId=" + id + " key=" + LogValues.quote(key));
		}
		catch (ChunkStorageException ex) {
			// the local final is verified and in place; downloads stream it instead
			store.set(id, recording.createdAt(), Map.of("uploadError", ex.getMessage()));
			LOG.warn("event=finalize.upload_failed recordingId=" + id + " error=" + LogValues.quote(ex.getMessage()));
		}
	}

	/** Removes whatever is at the work folder's name (a link itself, not its target) and creates the folder anew. */
	static void freshWorkDir(Path work) throws IOException {
		remove(work);
		Files.createDirectory(work);
	}

	/** Deletes a folder with its content, or a file, or a link (the link itself, also a dangling one). */
	static void remove(Path entry) throws IOException {
		if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
			FileSystemUtils.deleteRecursively(entry);
		}
		else {
			Files.deleteIfExists(entry);
		}
	}

	static void deleteWork(Path work) {
		try {
			remove(work);
		}
		catch (IOException ex) {
			LOG.warn("event=finalize.cleanup_failed path=" + LogValues.quote(work.toString()));
		}
	}

	/**
	 * Everything under the controller's reserved prefix ({@link VideoName#RESERVED_PREFIX}, never
	 * a final's name) left in the folder once the recording is sealed: joined files of attempts
	 * that never got verified (a controller stopped during the join), temporary files, and
	 * whatever a recorder planted there. Links are deleted, never followed.
	 */
	private static void deleteTemps(Path dir) {
		try (var files = Files.newDirectoryStream(dir, VideoName.RESERVED_PREFIX + "*")) {
			for (Path file : files) {
				remove(file);
			}
		}
		catch (IOException ex) {
			LOG.warn("event=finalize.cleanup_failed path=" + LogValues.quote(dir.toString()));
		}
	}

	static long sizeOf(Path file) {
		try {
			return Files.size(file);
		}
		catch (NoSuchFileException ex) {
			return -1;
		}
		catch (IOException ex) {
			return -2;
		}
	}

	static String format(double seconds) {
		return String.format(Locale.ROOT, "%.3f", seconds);
	}

}
