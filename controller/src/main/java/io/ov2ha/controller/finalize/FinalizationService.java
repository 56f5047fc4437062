package io.ov2ha.controller.finalize;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Service;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.web.ApiException;

/**
 * Finalizes recordings: the one joiner of the product. A finalization runs once across all
 * controller replicas (per-recording lease {@code finalize}), records every step in Redis, and
 * is resumed by any controller when the one running it dies ({@link #resumeIfDue}, asked by the
 * reconciler's sweep).
 * Callers (the recorder's finalize call, the failover state machine, an admin) start it or join
 * the one already running, and wait for the same result. The parts: {@link FinalizationAdmission}
 * (may this request finalize now?), {@link FinalizationWorkers} (the finalizations this
 * controller runs), {@link FinalizationLeases} (once across replicas), {@link FinalizationAttempt}
 * (one attempt and its outcome), {@link FinalizationViews} (what the API answers).
 *
 * <p>
 * Status: RECORDING/STOPPING → FINALIZING → READY (verified) or FAILED (chunks kept, an admin
 * may retry: FAILED → FINALIZING). When chunk storage is unreachable the attempt is repeated
 * ({@code HA_FINALIZE_ATTEMPTS}, growing delay) before the recording fails.
 */
@Service
public class FinalizationService {

	private static final Log LOG = LogFactory.getLog(FinalizationService.class);

	/** Longest wait of a finalize call: a recorder must still exit inside OpenVidu's 30 s window. */
	public static final Duration MAX_WAIT = Duration.ofSeconds(25);

	private static final Duration POLL = Duration.ofMillis(200);

	private final RecordingStore recordings;

	private final FinalizationStore store;

	private final FinalizationAdmission admission;

	private final FinalizationWorkers workers;

	private final FinalizationViews views;

	private final HaProperties.Storage settings;

	private final Clock clock;

	FinalizationService(RecordingStore recordings, FinalizationStore store, FinalizationAdmission admission,
			FinalizationWorkers workers, FinalizationViews views, HaProperties properties, Clock clock) {
		this.recordings = recordings;
		this.store = store;
		this.admission = admission;
		this.workers = workers;
		this.views = views;
		this.settings = properties.storage();
		this.clock = clock;
	}

	// ------------------------------------------------------------------ public API

	/**
	 * Starts the finalization of a recording, or joins the one already running anywhere, and
	 * waits for its result at most {@code wait} (capped at {@link #MAX_WAIT}).
	 *
	 * @return the finalization: {@code state} DONE or FAILED when it ended, otherwise its current state
	 * @throws ApiException recording-not-found, stale-epoch, recording-final (FAILED/ABANDONED
	 *         without force; READY with force), recording-active (an admin on a RECORDING recording)
	 */
	public Finalization finalize(RecordingId id, FinalizationRequest trigger, Duration wait) {
		Duration bounded = wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait.isNegative() ? Duration.ZERO : wait;
		Instant deadline = clock.instant().plus(bounded);
		Recording recording = admission.begin(id, trigger);
		if (recording.status() == RecordingStatus.FINALIZING) {
			if (trigger.source() == FinalizationRequest.Source.RECORDER) {
				store.recorderWaits(id, recording.createdAt(), deadline);
			}
			CompletableFuture<Finalization> local = workers.start(id);
			long left = deadline.toEpochMilli() - clock.millis();
			if (left > 0) {
				try {
					local.get(left, TimeUnit.MILLISECONDS);
				}
				catch (TimeoutException ex) {
					// still running: answer its state
				}
				catch (ExecutionException ex) {
					LOG.warn("event=finalize.wait_failed recordingId=" + id + " error=" + ex.getCause());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			while (!views.ended(id, recording.createdAt()) && clock.instant().isBefore(deadline)) {
				if (!sleep(POLL)) {
					break;
				}
			}
		}
		return views.view(recording.id(), recording.createdAt(), recording);
	}

	/**
	 * Starts (or joins) the finalization without waiting. The future completes when it ended
	 * (DONE or FAILED), wherever it runs; it does not complete while automatic retries go on.
	 */
	public CompletableFuture<Finalization> finalizeAsync(RecordingId id, FinalizationRequest trigger) {
		Recording recording = admission.begin(id, trigger);
		CompletableFuture<Finalization> result = new CompletableFuture<>();
		if (recording.status() != RecordingStatus.FINALIZING) {
			result.complete(views.view(recording.id(), recording.createdAt(), recording));
			return result;
		}
		workers.start(id).whenComplete((v, ex) -> watch(id, recording.createdAt(), result));
		return result;
	}

	/** What {@link #resumeIfDue} did. */
	public enum Resumption {
		/** Started here: nobody ran it and no retry waited. */
		STARTED,
		/** Not due: it runs here or elsewhere, its retry waits, or the recording is no longer that FINALIZING one. */
		NOT_DUE,
		/** This controller shuts down: its finalizations start nowhere here. */
		SHUTTING_DOWN
	}

	/**
	 * Resumes a finalization nobody runs (its controller died mid-way, or stopped): the recording
	 * of {@code createdAt} is FINALIZING, its finalization runs nowhere (its lease is free) and no
	 * retry of it waits. The reconciler asks ({@code reconcile/}); the lease makes it once across
	 * controllers.
	 */
	public Resumption resumeIfDue(RecordingId id, long createdAt) {
		if (workers.stopping()) {
			return Resumption.SHUTTING_DOWN;
		}
		Recording recording = recordings.find(id).orElse(null);
		if (recording == null || recording.createdAt() != createdAt || recording.status() != RecordingStatus.FINALIZING
				|| !workers.due(id, createdAt)) {
			return Resumption.NOT_DUE;
		}
		LOG.info("event=finalize.recovery_started recordingId=" + id);
		workers.start(id);
		return Resumption.STARTED;
	}

	/** The finalization of the recording's current incarnation (id, createdAt), if one was ever requested. */
	public Optional<Finalization> find(RecordingId id) {
		return recordings.find(id).flatMap(views::view);
	}

	// ------------------------------------------------------------------ views and waiting

	private void watch(RecordingId id, long createdAt, CompletableFuture<Finalization> result) {
		Instant giveUp = clock.instant().plus(settings.finalizer().timeout()).plus(Duration.ofMinutes(10));
		Runnable[] check = new Runnable[1];
		check[0] = () -> {
			try {
				Finalization f = views.view(id, createdAt);
				if (f == null || f.state().terminal() || clock.instant().isAfter(giveUp)) {
					result.complete(f);
				}
				else if (!workers.stopping()) {
					workers.timers().schedule(check[0], 1, TimeUnit.SECONDS);
				}
			}
			catch (RuntimeException ex) {
				if (!workers.stopping()) {
					workers.timers().schedule(check[0], 1, TimeUnit.SECONDS);
				}
			}
		};
		check[0].run();
	}

	private static boolean sleep(Duration d) {
		try {
			Thread.sleep(d.toMillis());
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

}
