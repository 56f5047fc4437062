package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.finalize.Finalization.Step;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.VideoName;
import io.ov2ha.controller.support.LogValues;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * One finalization attempt, step by step (ARCHITECTURE.md "Finalization"): plan the chunks
 * ({@link ChunkPlanner}), join and verify them ({@link JoinedFile}), rename the joined file over
 * {@code <VIDEO_NAME>.mp4}, then write OpenVidu's files ({@link MediaInfo}) and seal ({@link OpenViduFiles});
 * the sealed final's upload to S3 ({@code HA_UPLOAD_FINAL}) happens afterwards ({@link FinalUpload}). Each
 * step is recorded, so an attempt that dies is resumed from its last durable step; nothing is
 * ever deleted here except this attempt's own temporary files ({@link WorkFiles}).
 */
@Component
class Joiner {

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

	private final HaProperties properties;

	private final Path recordings;

	private final FinalizationStore store;

	private final ChunkPlanner planner;

	private final JoinedFile joined;

	private final OpenViduFiles files;

	private final MediaInfo mediaInfo;

	private final JsonMapper json;

	private final ObjectProvider<FinalizationStepListener> listeners;

	private final FinalUpload finalUpload;

	Joiner(HaProperties properties, FinalizationStore store, ChunkPlanner planner,
			JoinedFile joined, OpenViduFiles files, MediaInfo mediaInfo, JsonMapper json,
			ObjectProvider<FinalizationStepListener> listeners, FinalUpload finalUpload) {
		this.properties = properties;
		this.recordings = properties.recordingsDir();
		this.store = store;
		this.planner = planner;
		this.joined = joined;
		this.files = files;
		this.mediaInfo = mediaInfo;
		this.json = json;
		this.listeners = listeners;
		this.finalUpload = finalUpload;
	}

	/** Checks between steps that the attempt may go on (lease still held, no shutdown). */
	interface Guard {

		void check();

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
				&& WorkFiles.sizeOf(finalFile) == output.sizeBytes()
				&& (reached.ordinal() >= Step.COMMITTED.ordinal() || WorkFiles.sizeOf(temp) < 0);
		if (committed) {
			LOG.info("event=finalize.resumed recordingId=" + id + " from=" + reached + " reason=final_file_in_place");
		}
		else {
			boolean verifiedTemp = reached == Step.VERIFIED && output != null
					&& Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS) && WorkFiles.sizeOf(temp) == output.sizeBytes()
					&& joined.stillVerifies(temp, output);
			if (verifiedTemp) {
				LOG.info("event=finalize.resumed recordingId=" + id + " from=" + reached
						+ " reason=verified_join_in_place");
			}
			else {
				if (reached != Step.PREPARING) {
					LOG.info("event=finalize.resumed recordingId=" + id + " from=" + reached + " reason=join_again");
				}
				WorkFiles.freshWorkDir(work);
				temp = dir.resolve(tempName(attempt));
				store.step(id, createdAt, Step.PREPARING, Map.of("tempFile", temp.getFileName().toString()));
				before(id, Step.PREPARING, guard);
				JoinPlan plan = planner.plan(recording, work, guard);
				store.chunks(id, createdAt, plan.kept().stream()
					.map(k -> new Finalization.KeptChunk(k.seq(), k.epoch(), k.duration(), k.source(), k.reported(),
						k.cutAt()))
					.toList(), plan.dropped(), plan.gaps());
				if (plan.kept().isEmpty()) {
					throw FinalizeFailure.permanent("no usable chunk (" + plan.dropped().size() + " dropped)");
				}
				store.step(id, createdAt, Step.JOINING, Map.of());
				before(id, Step.JOINING, guard);
				joined.join(id, plan, work, temp);
				store.step(id, createdAt, Step.VERIFYING, Map.of());
				before(id, Step.VERIFYING, guard);
				output = joined.verify(id, temp, plan, fileName);
				store.output(id, createdAt, output);
				store.step(id, createdAt, Step.VERIFIED, Map.of());
			}
			before(id, Step.COMMITTED, guard);
			guard.check();
			files.own(temp);
			Files.move(temp, finalFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
			store.step(id, createdAt, Step.COMMITTED, Map.of());
			LOG.info("event=finalize.committed recordingId=" + id + " file=" + LogValues.quote(fileName) + " sizeBytes="
					+ output.sizeBytes() + " durationSeconds=" + LogValues.seconds(output.durationSeconds()));
		}

		before(id, Step.SEALED, guard);
		MediaInfo.Facts facts;
		try {
			facts = mediaInfo.writeInfo(dir, id, finalFile);
		}
		catch (IOException ex) {
			throw FinalizeFailure.permanent("the final file is not usable by OpenVidu: " + ex.getMessage());
		}
		try {
			mediaInfo.writeThumbnail(dir, id, finalFile, facts);
		}
		catch (IOException ex) {
			LOG.warn("event=finalize.thumbnail_failed recordingId=" + id + " error=" + LogValues.quote(ex.getMessage()));
		}
		String url = files.sealReady(dir, id, recording.recordingJson(), fileName, facts);
		Finalization.Output sealed = new Finalization.Output(fileName, facts.sizeBytes(), facts.durationSeconds(),
				output.expectedSeconds(), facts.hasAudio(), facts.hasVideo(), facts.resolution(), facts.frameRate(), url);
		store.output(id, createdAt, sealed);
		store.step(id, createdAt, Step.SEALED, Map.of());
		finalUpload.request(id, createdAt);
		WorkFiles.deleteWork(work);
		WorkFiles.deleteTemps(dir);
		return sealed;
	}

	private void before(RecordingId id, Step step, Guard guard) {
		guard.check();
		listeners.orderedStream().forEach(l -> l.beforeStep(id, step));
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

}
