package io.ov2ha.controller.failover;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.openvidu.OpenViduAnswer;
import io.ov2ha.controller.openvidu.OpenViduClient;
import io.ov2ha.controller.openvidu.OpenViduProperties;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.support.LogValues;

/**
 * The decision on OpenVidu's answer about a recording, once {@link OpenViduGate} has it, on the
 * recording's worker queue ({@link SessionRules} decides): before a backup, whether it may start,
 * must wait for another answer, or the recording ends; while a backup records, whether the
 * recording ends. Ending goes through the stop path ({@link StopCoordinator}): stopped, finalized
 * with what was recorded, announced once; the reason goes to the failover history
 * ({@code endedBy}) and the metrics.
 */
@Component
public class OpenViduVerdicts {

	private static final Log LOG = LogFactory.getLog(OpenViduVerdicts.class);

	private final OpenViduAsks asks;

	private final FailoverStore store;

	private final StopCoordinator stops;

	private final FailoverMetrics metrics;

	private final Clock clock;

	private final SessionRules rules;

	OpenViduVerdicts(OpenViduClient openvidu, OpenViduAsks asks, FailoverStore store, StopCoordinator stops,
			FailoverMetrics metrics, Clock clock) {
		this.asks = asks;
		this.store = store;
		this.stops = stops;
		this.metrics = metrics;
		this.clock = clock;
		OpenViduProperties p = openvidu.properties();
		this.rules = new SessionRules(new SessionRules.Settings(p.staleDeathAge(), p.unreachableGrace()));
	}

	/** The decision on OpenVidu's answer before a backup of {@code r}: whether it may start. */
	boolean allowsBackup(Recording r, FailoverService.Evidence evidence, Instant controllerStart,
			OpenViduAnswer answer) {
		Instant now = clock.instant();
		Instant next = asks.nextWaitAsk(r);
		asks.noteAnswer(r, answer, now);
		Instant diedAt = lastSignOfLife(r, evidence);
		SessionRules.Decision d = rules.beforeBackup(answer, diedAt, controllerStart, evidence.removed(),
				asks.unreachableSince(r), now);
		switch (d.verdict()) {
			case GO_ON -> {
				asks.stopWaiting(r);
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
				asks.waitToAskAgain(r, now);
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

	/** The decision on OpenVidu's answer while a backup of {@code r} records. */
	void whileBackup(Recording r, OpenViduAnswer answer) {
		Instant now = clock.instant();
		asks.noteAnswer(r, answer, now);
		SessionRules.Decision d = rules.whileBackup(answer, asks.unreachableSince(r), now);
		if (d.verdict() == SessionRules.Verdict.END) {
			String detail = answer == OpenViduAnswer.UNREACHABLE
					? "OpenVidu did not answer since " + asks.unreachableSince(r) + " while the backup recorded"
					: "while the backup recorded, OpenVidu answered " + answer.slug();
			end(r, d.reason(), detail, r.containerId(), true);
		}
	}

	/**
	 * Ends {@code r} without a backup (the reason is one that does not replace the recorder):
	 * stopped, finalized with what was recorded (for a loss, up to now and without a blank tail:
	 * {@link StopCoordinator}), announced once; the reason goes to the failover history and the
	 * metrics.
	 */
	public void end(Recording r, FailoverReason reason, String detail, String oldContainerId, boolean killOld) {
		Instant now = clock.instant();
		if (!stops.endWithoutBackup(r, stopReason(reason), detail, oldContainerId, killOld,
				reason.endsForALoss() ? now : null)) {
			return;
		}
		store.update(r.id(), r.createdAt(), r.epoch() > 0 ? r.epoch() : null,
				r.epoch() > 0 ? Map.of("endedBy", reason.slug(), "endDetail", detail) : Map.of(),
				Map.of("endedBy", reason.slug(), "endDetail", detail, "endedAt", Long.toString(now.toEpochMilli())));
		metrics.ended(reason);
		asks.forget(r);
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

}
