package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.finalize.Finalization.State;
import io.ov2ha.controller.finalize.FinalizationRequest.Source;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.ControllerInstance;
import io.ov2ha.controller.support.LogValues;

/**
 * One finalization attempt: runs {@link Joiner}'s steps and turns how they ended into the
 * outcome ({@link FinalizationOutcomes}): ready; a retry after a growing delay while chunk
 * storage is unreachable ({@code HA_FINALIZE_ATTEMPTS}); failed. Timed per outcome
 * ({@code ov2ha_finalizations_seconds{outcome}}).
 */
@Component
class FinalizationAttempt {

	private static final Log LOG = LogFactory.getLog(FinalizationAttempt.class);

	private final RecordingStore recordings;

	private final FinalizationStore store;

	private final FinalizationViews views;

	private final Joiner joiner;

	private final FinalizationOutcomes outcomes;

	private final ControllerInstance instance;

	private final HaProperties.Storage settings;

	private final Clock clock;

	private final MeterRegistry meters;

	FinalizationAttempt(RecordingStore recordings, FinalizationStore store, FinalizationViews views, Joiner joiner,
			FinalizationOutcomes outcomes, ControllerInstance instance, HaProperties properties, Clock clock,
			MeterRegistry meters) {
		this.recordings = recordings;
		this.store = store;
		this.views = views;
		this.joiner = joiner;
		this.outcomes = outcomes;
		this.instance = instance;
		this.settings = properties.storage();
		this.clock = clock;
		this.meters = meters;
		// registered at start for every outcome, so dashboards and alerts see the series before the first one
		for (String outcome : new String[] { "ready", "failed", "retry", "aborted" }) {
			finalizationTimer(outcome);
		}
	}

	/**
	 * One attempt, under the recording's finalize lease (held by the caller): joins, and writes
	 * the outcome (ready, a retry later, failed); an interrupted or aborted attempt leaves its
	 * state for the recovery, and once {@code HA_FINALIZE_ATTEMPTS} attempts ended with their
	 * controller's death the next one fails the recording instead. Answers the finalization afterwards.
	 *
	 * @param stopping whether the controller is stopping (an error then aborts instead of failing)
	 */
	Finalization attempt(RecordingId id, Joiner.Guard guard, BooleanSupplier stopping) {
		Recording recording = recordings.find(id).orElse(null);
		if (recording == null || recording.status() != RecordingStatus.FINALIZING) {
			return recording == null ? null : views.view(recording).orElse(null);
		}
		long createdAt = recording.createdAt();
		store.ensure(id, createdAt, Source.RECOVERY.label(), clock.instant());
		Finalization current = store.find(id, createdAt, null).orElseThrow();
		if (current.state() == State.DONE) {
			// the last attempt ended between storing DONE and the status change
			outcomes.ready(recording, store.find(id, createdAt, "FINALIZING").orElseThrow());
			return views.view(id, createdAt);
		}
		if (current.state() == State.RETRY_WAIT && current.nextAttemptAt() != null
				&& current.nextAttemptAt().isAfter(clock.instant())) {
			return current;
		}
		Timer.Sample sample = Timer.start(meters);
		// RUNNING under this lease: the last attempt ended without an outcome; without an abort noted
		// its controller died (e.g. killed by the join). Bounded as retries are, or a join that kills
		// its controller would be resumed forever; a stop, a lost lease or Redis away are no death.
		if (current.state() == State.RUNNING) {
			long died = store.countDeath(id, createdAt);
			if (died >= settings.finalizer().attempts()) {
				outcomes.failed(recording,
						died + " attempts ended with their controller's death (no outcome, no abort noted)");
				sample.stop(finalizationTimer("failed"));
				return views.view(id, createdAt);
			}
		}
		FinalizationStore.Started started = store.start(id, createdAt, instance.id(), clock.instant());
		long attempt = started.number();
		LOG.info("event=finalize.started recordingId=" + id + " createdAt=" + createdAt + " attempt=" + attempt
				+ " attemptSinceRetry=" + started.sinceRetry()
				+ " epoch=" + recording.epoch() + " controllerId=" + instance.id());
		String outcome = "aborted";
		try {
			joiner.attempt(recording, attempt, guard);
			outcome = "ready";
			outcomes.ready(recording, store.find(id, createdAt, "FINALIZING").orElseThrow());
		}
		catch (FinalizeFailure ex) {
			if (ex.retryable() && started.sinceRetry() < settings.finalizer().attempts()) {
				outcome = "retry";
				Duration delay = settings.finalizer().retryDelay().multipliedBy(1L << Math.min(started.sinceRetry() - 1, 10));
				Instant next = clock.instant().plus(delay);
				store.retryWait(id, createdAt, ex.getMessage(), next, clock.instant());
				LOG.warn("event=finalize.retry_scheduled recordingId=" + id + " attempt=" + attempt + " nextAttemptAt="
						+ next + " error=" + LogValues.quote(ex.getMessage()));
			}
			else {
				outcome = "failed";
				outcomes.failed(recording, ex.getMessage());
			}
		}
		catch (FinalizeFailure.Aborted | Media.Interrupted ex) {
			// a shutdown interrupts the worker: clear the flag so the state and lease can still be written
			Thread.interrupted();
			LOG.warn("event=finalize.aborted recordingId=" + id + " attempt=" + attempt + " reason="
					+ LogValues.quote(ex.getMessage()) + " resume=recovery");
		}
		catch (DataAccessException ex) {
			LOG.warn("event=finalize.aborted recordingId=" + id + " attempt=" + attempt
					+ " reason=state_store_unavailable resume=recovery");
		}
		catch (IOException | RuntimeException ex) {
			if (stopping.getAsBoolean()) {
				Thread.interrupted();
				LOG.warn("event=finalize.aborted recordingId=" + id + " attempt=" + attempt
						+ " reason=\"the controller is stopping\" resume=recovery");
			}
			else {
				outcome = "failed";
				LOG.error("event=finalize.error recordingId=" + id + " attempt=" + attempt, ex);
				outcomes.failed(recording, "internal error: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
			}
		}
		finally {
			sample.stop(finalizationTimer(outcome));
			if (outcome.equals("aborted")) {
				abortNoted(id, createdAt);
			}
		}
		return views.view(id, createdAt);
	}

	/** An aborted attempt is no death of its controller ({@link FinalizationStore#countDeath}); best effort. */
	private void abortNoted(RecordingId id, long createdAt) {
		try {
			store.aborted(id, createdAt, clock.instant());
		}
		catch (RuntimeException ex) {
			// Redis away: the next attempt counts this one as a death
		}
	}

	private Timer finalizationTimer(String outcome) {
		return Timer.builder("ov2ha.finalizations")
			.description("Finalization attempts by outcome")
			.tag("outcome", outcome)
			.register(meters);
	}

}
