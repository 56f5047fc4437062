package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import org.springframework.stereotype.Component;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.openvidu.OpenViduAnswer;
import io.ov2ha.controller.openvidu.OpenViduClient;
import io.ov2ha.controller.openvidu.OpenViduQuestions;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;

/**
 * Asks OpenVidu before a backup is started and, every {@code HA_OPENVIDU_CHECK_INTERVAL}, while
 * a backup records ({@link SessionRules} decides). When OpenVidu says the session or the
 * recording is over, the recording is ended through the stop path ({@link StopCoordinator}):
 * stopped, finalized with what was recorded, announced once; the reason goes to the failover
 * history ({@code endedBy}). Without {@code HA_OPENVIDU_SECRET} every backup goes on, as before.
 * OpenVidu is asked on threads of its own ({@link OpenViduQuestions}), never on the reconciler's
 * workers; the decision on the answer runs on the worker queue of the recording the caller gives
 * (one at a time per recording). The periodic check is the lease holder's; the question before a
 * backup is asked by whichever controller handles the failure. This class does the asking: when, about
 * which recording, and whether it is still the same one when the answer comes;
 * {@link OpenViduVerdicts} decides on the answer, {@link OpenViduAsks} remembers per recording.
 */
@Component
public class OpenViduGate {

	private final OpenViduClient openvidu;

	private final OpenViduQuestions questions;

	private final RecordingStore recordings;

	private final OpenViduAsks asks;

	private final OpenViduVerdicts verdicts;

	private final Clock clock;

	private final Duration checkInterval;

	public OpenViduGate(OpenViduClient openvidu, OpenViduQuestions questions, RecordingStore recordings, OpenViduAsks asks,
			OpenViduVerdicts verdicts, Clock clock) {
		this.openvidu = openvidu;
		this.questions = questions;
		this.recordings = recordings;
		this.asks = asks;
		this.verdicts = verdicts;
		this.clock = clock;
		this.checkInterval = openvidu.properties().checkInterval();
	}

	public boolean enabled() {
		return openvidu.enabled();
	}

	/**
	 * Before a backup of {@code r} is started: asks OpenVidu whether it may start, off the
	 * caller's thread, and decides on {@code decisions} when the answer is there (at most two
	 * {@code HA_OPENVIDU_TIMEOUT}s later): {@code backup} gets the recording, read again, when the
	 * backup may start. When OpenVidu says the recording is over, or a stale death or a removed
	 * recorder stays unconfirmed, the recording is ended there. Without the checks (or for a
	 * self-test) {@code backup} runs at once, on the caller's thread. While such a wait is to ask
	 * again later, or a question about the recording is under way, nothing happens (the next
	 * sweep asks).
	 *
	 * @param evidence the failure ({@code failedAt}: the death; the old recorder to stop)
	 * @param controllerStart when this controller started
	 * @param decisions runs the decision (the recording's worker queue)
	 */
	public void beforeBackup(Recording r, FailoverService.Evidence evidence, Instant controllerStart, Executor decisions,
			Consumer<Recording> backup) {
		if (!openvidu.enabled() || selfTest(r)) {
			backup.accept(r);
			return;
		}
		if (!asks.startAsking(r, clock.instant())) {
			return;
		}
		CompletableFuture<OpenViduAnswer> asked;
		try {
			asked = questions.beforeBackup(sessionId(r), r.id().value(), sessionStart(r));
		}
		catch (RuntimeException ex) {
			// never asked: the next sweep may ask again
			asks.doneAsking(r);
			throw ex;
		}
		asked.whenComplete((answer, ex) -> {
			asks.doneAsking(r);
			if (answer != null) {
				decisions.execute(() -> current(r).ifPresent(now -> {
					if (verdicts.allowsBackup(now, evidence, controllerStart, answer)) {
						backup.accept(now);
					}
				}));
			}
		});
	}

	/** Whether OpenVidu is being asked before a backup of {@code r} (its failure needs no new look). */
	public boolean awaiting(Recording r) {
		return asks.awaiting(r);
	}

	/** Whether the backup of the recording (running, or waiting for its retry) is due for a check. */
	public boolean backupCheckDue(Snapshot s, Instant now) {
		return openvidu.enabled() && asks.checkDue(s, now, checkInterval);
	}

	/** The backup of the recording is checked now ({@link #checkBackup} follows on its worker). */
	public void backupChecked(Snapshot s, Instant now) {
		asks.checked(s, now);
	}

	/**
	 * Checks a running backup of {@code epoch}: asks OpenVidu off the caller's thread, then
	 * decides on {@code decisions}; ends the recording when OpenVidu says so.
	 */
	public void checkBackup(RecordingId id, long epoch, Executor decisions) {
		Recording r = recordings.find(id).orElse(null);
		if (r == null || r.status() != RecordingStatus.RECORDING || r.epoch() != epoch || epoch == 0 || selfTest(r)) {
			return;
		}
		questions.whileBackup(sessionId(r), r.id().value(), sessionStart(r))
			.thenAccept(answer -> decisions
				.execute(() -> current(r).ifPresent(now -> verdicts.whileBackup(now, answer))));
	}

	/** Forgets what it knows of recordings gone from the registry (called now and then). */
	public void forgetOlderThan(Instant cutoff) {
		asks.forgetOlderThan(cutoff);
	}

	/**
	 * The ops script's self-test ({@code test-recording}, ids {@code ov2ha-selftest-...}) records a
	 * session OpenVidu never had: asking would end it.
	 */
	private static boolean selfTest(Recording r) {
		return r.id().value().startsWith(RecordingId.SELF_TEST_PREFIX);
	}

	private static String sessionId(Recording r) {
		return r.sessionId() == null || r.sessionId().isBlank() ? r.id().value().replaceAll("~.*", "") : r.sessionId();
	}

	/** When the recorded session started (its incarnation), if RECORDING_JSON tells. */
	private Long sessionStart(Recording r) {
		return openvidu.sessionStart(r.recordingJson(), sessionId(r));
	}

	/** The recording as it is now, if it is still the same one, recording at the same epoch. */
	private Optional<Recording> current(Recording asked) {
		return recordings.find(asked.id())
			.filter(r -> r.createdAt() == asked.createdAt() && r.epoch() == asked.epoch()
					&& r.status() == RecordingStatus.RECORDING);
	}

}
