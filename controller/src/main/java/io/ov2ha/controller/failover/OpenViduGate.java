package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.openvidu.OpenViduAnswer;
import io.ov2ha.controller.openvidu.OpenViduClient;
import io.ov2ha.controller.openvidu.OpenViduProperties;
import io.ov2ha.controller.openvidu.OpenViduQuestions;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingId;
import io.ov2ha.controller.recording.RecordingStatus;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.support.LogValues;

/**
 * Asks OpenVidu before a backup is started and, every {@code HA_OPENVIDU_CHECK_INTERVAL}, while
 * a backup records ({@link SessionRules} decides). When OpenVidu says the session or the
 * recording is over, the recording is ended through the stop path ({@link StopCoordinator}):
 * stopped, finalized with what was recorded, announced once; the reason goes to the failover
 * history ({@code endedBy}). Without {@code HA_OPENVIDU_SECRET} every backup goes on, as before.
 * OpenVidu is asked on threads of its own ({@link OpenViduQuestions}), never on the reconciler's
 * workers; the decision on the answer runs on the worker queue of the recording the caller gives
 * (one at a time per recording, on the lease holder).
 */
@Component
class OpenViduGate {

	private static final Log LOG = LogFactory.getLog(OpenViduGate.class);

	/** While waiting for an answer about a stale death or a removed recorder: asked at most this often. */
	private static final Duration WAIT_ASK_EVERY = Duration.ofSeconds(2);

	private final OpenViduClient openvidu;

	private final OpenViduQuestions questions;

	private final RecordingStore recordings;

	private final FailoverStore store;

	private final StopCoordinator stops;

	private final FailoverMetrics metrics;

	private final Clock clock;

	private final SessionRules rules;

	private final Duration checkInterval;

	/** Recording (id:createdAt) -> first unanswered ask of the current run of them. */
	private final Map<String, Instant> unreachableSince = new ConcurrentHashMap<>();

	/** Recording -> when its running backup is next checked. */
	private final Map<String, Instant> nextCheck = new ConcurrentHashMap<>();

	/** Recording -> when a wait for an answer about a stale death or a removed recorder may ask again. */
	private final Map<String, Instant> nextWaitAsk = new ConcurrentHashMap<>();

	/** Recordings whose question before a backup is not answered yet (no second one meanwhile). */
	private final Set<String> awaiting = ConcurrentHashMap.newKeySet();

	OpenViduGate(OpenViduClient openvidu, OpenViduQuestions questions, RecordingStore recordings, FailoverStore store,
			StopCoordinator stops, FailoverMetrics metrics, Clock clock) {
		this.openvidu = openvidu;
		this.questions = questions;
		this.recordings = recordings;
		this.store = store;
		this.stops = stops;
		this.metrics = metrics;
		this.clock = clock;
		OpenViduProperties p = openvidu.properties();
		this.rules = new SessionRules(new SessionRules.Settings(p.staleDeathAge(), p.unreachableGrace()));
		this.checkInterval = p.checkInterval();
	}

	boolean enabled() {
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
	void beforeBackup(Recording r, FailoverService.Evidence evidence, Instant controllerStart, Executor decisions,
			Consumer<Recording> backup) {
		if (!openvidu.enabled() || selfTest(r)) {
			backup.accept(r);
			return;
		}
		String key = key(r);
		Instant next = nextWaitAsk.get(key);
		if (next != null && next.isAfter(clock.instant()) || !awaiting.add(key)) {
			return;
		}
		CompletableFuture<OpenViduAnswer> asked;
		try {
			asked = questions.beforeBackup(sessionId(r), r.id().value(), sessionStart(r));
		}
		catch (RuntimeException ex) {
			// never asked: the next sweep may ask again
			awaiting.remove(key);
			throw ex;
		}
		asked.whenComplete((answer, ex) -> {
			awaiting.remove(key);
			if (answer != null) {
				decisions.execute(() -> current(r).ifPresent(now -> {
					if (allowsBackup(now, evidence, controllerStart, answer)) {
						backup.accept(now);
					}
				}));
			}
		});
	}

	/** Whether OpenVidu is being asked before a backup of {@code r} (its failure needs no new look). */
	boolean awaiting(Recording r) {
		return awaiting.contains(key(r));
	}

	/** The decision on OpenVidu's answer before a backup of {@code r}: whether it may start. */
	private boolean allowsBackup(Recording r, FailoverService.Evidence evidence, Instant controllerStart,
			OpenViduAnswer answer) {
		String key = key(r);
		Instant now = clock.instant();
		Instant next = nextWaitAsk.get(key);
		noteAnswer(key, answer, now);
		Instant diedAt = lastSignOfLife(r, evidence);
		SessionRules.Decision d = rules.beforeBackup(answer, diedAt, controllerStart, evidence.removed(),
				unreachableSince.get(key), now);
		switch (d.verdict()) {
			case GO_ON -> {
				nextWaitAsk.remove(key);
				LOG.info("event=failover.openvidu_checked recordingId=" + r.id() + " epoch=" + r.epoch() + " answer="
						+ answer.slug() + " action=backup_unless_recovered");
				return true;
			}
			case WAIT -> {
				if (next == null) {
					LOG.warn("event=failover.openvidu_awaited recordingId=" + r.id() + " epoch=" + r.epoch()
							+ " answer=" + answer.slug() + " diedAt=" + diedAt + " action=wait reason="
							+ (rules.stale(diedAt, controllerStart, now) ? "stale_death_unconfirmed"
									: "recorder_removed_unconfirmed"));
				}
				nextWaitAsk.put(key, now.plus(WAIT_ASK_EVERY));
				return false;
			}
			default -> {
				String detail = switch (d.reason()) {
					case STALE_DEATH_UNCONFIRMED -> "the recorder died at " + diedAt
							+ ", before this controller started, and OpenVidu did not answer";
					case RECORDER_REMOVED_UNCONFIRMED -> "the recorder's container was removed by somebody else at "
							+ diedAt + " and OpenVidu did not answer";
					default -> "before a backup, OpenVidu answered " + answer.slug();
				};
				end(r, d.reason(), detail, evidence.oldContainerId(), evidence.killOld());
				return false;
			}
		}
	}

	/**
	 * When the recorder was last known alive: the failure estimate, or its last heartbeat when
	 * that is earlier (after a host reboot Docker may date the exit of a killed container to
	 * its own restart, which would make an old death look fresh).
	 */
	private static Instant lastSignOfLife(Recording r, FailoverService.Evidence evidence) {
		Instant failedAt = evidence.failedAt();
		Instant heartbeat = r.lastHeartbeatAt();
		if (failedAt == null) {
			return heartbeat;
		}
		return heartbeat != null && heartbeat.isBefore(failedAt) ? heartbeat : failedAt;
	}

	/** Whether the running backup of the recording is due for a check. */
	boolean backupCheckDue(Snapshot s, Instant now) {
		if (!openvidu.enabled()) {
			return false;
		}
		String key = s.id().value() + ":" + s.createdAt();
		Instant next = nextCheck.get(key);
		if (next == null) {
			// first sight (e.g. after a controller start): check now
			nextCheck.put(key, now.plus(checkInterval));
			return true;
		}
		if (next.isAfter(now)) {
			return false;
		}
		nextCheck.put(key, now.plus(checkInterval));
		return true;
	}

	/**
	 * Checks a running backup of {@code epoch}: asks OpenVidu off the caller's thread, then
	 * decides on {@code decisions}; ends the recording when OpenVidu says so.
	 */
	void checkBackup(RecordingId id, long epoch, Executor decisions) {
		Recording r = recordings.find(id).orElse(null);
		if (r == null || r.status() != RecordingStatus.RECORDING || r.epoch() != epoch || epoch == 0 || selfTest(r)) {
			return;
		}
		questions.whileBackup(sessionId(r), r.id().value(), sessionStart(r))
			.thenAccept(answer -> decisions.execute(() -> current(r).ifPresent(now -> whileBackup(now, answer))));
	}

	/** The decision on OpenVidu's answer while a backup of {@code r} records. */
	private void whileBackup(Recording r, OpenViduAnswer answer) {
		String key = key(r);
		Instant now = clock.instant();
		noteAnswer(key, answer, now);
		SessionRules.Decision d = rules.whileBackup(answer, unreachableSince.get(key), now);
		if (d.verdict() == SessionRules.Verdict.END) {
			String detail = answer == OpenViduAnswer.UNREACHABLE
					? "OpenVidu did not answer since " + unreachableSince.get(key) + " while the backup recorded"
					: "while the backup recorded, OpenVidu answered " + answer.slug();
			end(r, d.reason(), detail, r.containerId(), true);
		}
	}

	/** Forgets what it knows of recordings gone from the registry (called now and then). */
	void forgetOlderThan(Instant cutoff) {
		nextCheck.values().removeIf(t -> t.isBefore(cutoff));
		nextWaitAsk.values().removeIf(t -> t.isBefore(cutoff));
		unreachableSince.values().removeIf(t -> t.isBefore(cutoff.minus(Duration.ofHours(1))));
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

	private void noteAnswer(String key, OpenViduAnswer answer, Instant now) {
		if (answer == OpenViduAnswer.UNREACHABLE || answer == OpenViduAnswer.MISCONFIGURED) {
			unreachableSince.putIfAbsent(key, now);
		}
		else {
			unreachableSince.remove(key);
		}
	}

	private void end(Recording r, FailoverReason reason, String detail, String oldContainerId, boolean killOld) {
		if (!stops.endWithoutBackup(r, stopReason(reason), detail, oldContainerId, killOld)) {
			return;
		}
		Instant now = clock.instant();
		store.update(r.id(), r.createdAt(), r.epoch() > 0 ? r.epoch() : null,
				r.epoch() > 0 ? Map.of("endedBy", reason.slug(), "endDetail", detail) : Map.of(),
				Map.of("endedBy", reason.slug(), "endDetail", detail, "endedAt", Long.toString(now.toEpochMilli())));
		metrics.ended(reason);
		unreachableSince.remove(key(r));
		nextCheck.remove(key(r));
		nextWaitAsk.remove(key(r));
		LOG.warn("event=failover.ended recordingId=" + r.id() + " epoch=" + r.epoch() + " reason=" + reason.slug()
				+ " action=finalize detail=" + LogValues.quote(detail));
	}

	/** The stop reason the customer's final event carries: the reason in camel case ({@code openviduSessionGone}). */
	static String stopReason(FailoverReason reason) {
		StringBuilder out = new StringBuilder();
		boolean upper = false;
		for (char c : reason.slug().toCharArray()) {
			if (c == '-') {
				upper = true;
			}
			else {
				out.append(upper ? Character.toUpperCase(c) : c);
				upper = false;
			}
		}
		return out.toString();
	}

	private static String key(Recording r) {
		return r.id().value() + ":" + r.createdAt();
	}

}
