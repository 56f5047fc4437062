package io.ov2ha.controller.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

import io.ov2ha.controller.failover.Judgement.Kind;
import io.ov2ha.controller.recording.RecorderContent;
import io.ov2ha.controller.recording.RecorderProgress;

/**
 * The failure detection rules, as a pure function of what the registry knows (a
 * {@link Snapshot}) and the time. Docker's die/oom events are handled before this: they need
 * no judging. The current recorder's phase and capture progress come from its heartbeats
 * (docs/recorder-protocol.md):
 *
 * <ul>
 * <li><b>starting</b> (no heartbeat yet in this epoch, or phase {@code starting}): judged only
 * against the start deadline ({@code HA_START_TIMEOUT}; a warm standby handed the recording:
 * {@link #STANDBY_TAKEOVER_TIMEOUT}, its browser already runs) -> start-timeout; never stalled.</li>
 * <li><b>silent</b>: it spoke in this epoch, then no heartbeat for {@code interval x missed}
 * -> the runtime decides: container gone or exited: heartbeat-lost; still running: hung. Unless
 * a chunk report arrived after its last heartbeat (<b>chunks arriving</b>: it works, only its
 * heartbeats fail).</li>
 * <li><b>capturing</b>: stalled when its heartbeats show no media progress for
 * {@code HA_STALL_TIMEOUT} (from the last heartbeat that showed progress to the latest one: a
 * heartbeat must prove the stall). Slower than real time but advancing is <b>slow</b>:
 * reported, never failed over for it alone. <b>While its page is still to show</b> (its content
 * prober reports, and has not seen the page: the browser starts after ffmpeg's first frame and
 * starves the capture on a busy host), within its start deadline: a stall only after
 * {@code HA_CPU_PRESSURE_TIMEOUT}; a shorter one is still its start ({@link Kind#PAGE_STARTING},
 * reported).</li>
 * <li><b>no content</b>: a capturing <b>backup</b> whose screen has been blank (a uniform frame and
 * silence, the recorder's own probe) for {@code HA_BACKUP_BLANK_TIMEOUT} and never showed anything:
 * its page did not find the session (gone, or OpenVidu unreachable). Not replaced: the recording is
 * ended and finalized without that blank tail. A primary is never judged by its content (OpenVidu
 * started it; a session may be black and silent); on a saturated host the end is deferred (its
 * browser may show the page late).</li>
 * <li><b>stopping</b>: never stalled (its container's exit and its silence still count).</li>
 * <li>A recorder that reports no phase (an older recorder): stalled when no new complete chunk
 * for 2 chunk durations + grace.</li>
 * <li>Nothing is judged before {@code judgeFrom} (controller start + one heartbeat timeout:
 * recorders kept recording while no controller listened).</li>
 * <li><b>A saturated host</b> (its CPU pressure at or over {@code HA_CPU_PRESSURE_THRESHOLD}): a
 * recorder that would be silent or stalled by the normal timeouts gets
 * {@code HA_CPU_PRESSURE_TIMEOUT} first (<b>deferred</b>, reported): a starved recorder catches up,
 * a cold backup on the same host would start slower still and add to the load. A deferred silence
 * still asks the runtime (the reconciler, every few seconds): a container that exited or is gone
 * is handled at once; only a running one waits. Docker's death events are never judged here; the
 * start deadline is not changed.</li>
 * <li><b>A host-wide standstill</b>: a recorder silent or stalled by the normal timeouts since the
 * moment another capturing recorder of its host stood still too ({@link HostWideStandstill}) is
 * deferred the same way ({@link Kind#DEFERRED_HOST_WIDE}): a recorder fails alone, a host freezes
 * them together. While such a recorder's latest heartbeat still showed progress from about that
 * moment, the judgement waits for its next one ({@link Kind#AWAITING_PEERS}).</li>
 * </ul>
 */
public final class DetectionRules {

	/**
	 * How long a warm standby handed a recording may take to capture (its heartbeat in phase
	 * capturing): its screen and browser already run, only ffmpeg starts. Later, it is killed and
	 * the next backup starts (cold, or another standby).
	 */
	static final Duration STANDBY_TAKEOVER_TIMEOUT = Duration.ofSeconds(15);

	private final DetectionSettings settings;

	public DetectionRules(DetectionSettings settings) {
		this.settings = settings;
	}

	/** A chunk reported after the last heartbeat keeps counting as "arriving" for this long. */
	Duration arrivalWindow() {
		Duration chunkCadence = settings.chunkDuration().plus(settings.heartbeatInterval());
		return chunkCadence.compareTo(settings.heartbeatTimeout()) > 0 ? chunkCadence : settings.heartbeatTimeout();
	}

	/** {@link #judge(Snapshot, Instant, Instant, double)} with the host's CPU pressure unknown. */
	Judgement judge(Snapshot s, Instant now, Instant controllerStart) {
		return judge(s, now, controllerStart, Double.NaN);
	}

	/** {@link #judge(Snapshot, Instant, Instant, double, HostView)} as if alone on its host. */
	Judgement judge(Snapshot s, Instant now, Instant controllerStart, double cpuPressure) {
		return judge(s, now, controllerStart, cpuPressure, HostView.ALONE);
	}

	/**
	 * The other recorders of a recorder's host, as far as the rules need them.
	 */
	@FunctionalInterface
	public interface HostView {

		/** A recorder without peers: its standstill is always its own. */
		HostView ALONE = (s, now) -> HostWideStandstill.Answer.OWN;

		/**
		 * Whether the standstill of {@code s} (its last progress) is shared with another recorder
		 * of its host ({@link HostWideStandstill}, {@link RecorderPeers}).
		 */
		HostWideStandstill.Answer standstill(Snapshot s, Instant now);

	}

	/**
	 * @param s the recording
	 * @param now the time
	 * @param controllerStart when this controller started
	 * @param cpuPressure the host's CPU pressure in percent (NaN: unknown)
	 * @param host the other recorders of its host: a standstill shared with one of them is the host's
	 */
	public Judgement judge(Snapshot s, Instant now, Instant controllerStart, double cpuPressure, HostView host) {
		Judgement normal = judgeWith(s, now, controllerStart, settings.heartbeatTimeout(), settings.stallTimeout(),
				settings.chunkStallTimeout());
		boolean saturated = settings.saturated(cpuPressure);
		if (normal.kind() == Kind.NO_CONTENT && saturated) {
			// a saturated host's browser may take longer to show its page: not ended for it now
			return new Judgement(Kind.DEFERRED_HOST_SATURATED, normal.lastHeartbeat(), normal.lastProgress(),
					Kind.NO_CONTENT);
		}
		if (!Judgement.replaces(normal.kind()) || normal.kind() == Kind.START_TIMEOUT) {
			return normal;
		}
		Kind deferral = saturated ? Kind.DEFERRED_HOST_SATURATED : null;
		if (deferral == null && settings.loadAware()) {
			deferral = switch (host.standstill(s, now)) {
				case SHARED -> Kind.DEFERRED_HOST_WIDE;
				case UNDECIDED -> Kind.AWAITING_PEERS;
				case OWN -> null;
			};
		}
		if (deferral == null) {
			return normal;
		}
		Judgement patient = judgeWith(s, now, controllerStart, settings.patient(settings.heartbeatTimeout()),
				settings.patient(settings.stallTimeout()), settings.patient(settings.chunkStallTimeout()));
		return Judgement.replaces(patient.kind()) ? patient
				: new Judgement(deferral, normal.lastHeartbeat(), normal.lastProgress(), normal.kind());
	}

	/** The failures judged from heartbeats and progress: a recorder that runs on can come back from them. */
	public static final Set<FailoverReason> JUDGED_AGAIN = EnumSet.of(FailoverReason.HUNG, FailoverReason.HEARTBEAT_LOST,
			FailoverReason.START_TIMEOUT, FailoverReason.CHUNK_STALL, FailoverReason.MEDIA_STALL);

	/**
	 * Whether a recorder about to be replaced for {@code reason} still is failed by {@code again},
	 * the judgement of its fresh snapshot just before the backup (OpenVidu's answer may have taken
	 * seconds, and a starved recorder may have spoken or advanced meanwhile). A container that died
	 * (Docker's event, an exit, OOM) or an admin's failover is not judged again. A judgement deferred
	 * on a saturated host still counts as failed: by the normal timeouts nothing came back, and the
	 * load was weighed when the failure was decided (a gone container is not excused by it). A
	 * standstill found shared with another recorder of the host meanwhile (or awaiting one's next
	 * heartbeat) is new: the host's, not this recorder's, unless its container is gone.
	 */
	public static boolean stillFailed(FailoverReason reason, Judgement again) {
		if (!JUDGED_AGAIN.contains(reason)) {
			return true;
		}
		if (sharedWithHost(again.kind())) {
			// no standstill excuses a container that is gone
			return reason == FailoverReason.HEARTBEAT_LOST;
		}
		return again.replaces()
				|| again.kind() == Kind.DEFERRED_HOST_SATURATED && again.deferred() != Kind.NO_CONTENT;
	}

	/** Whether a verdict is a standstill shared with another recorder of the host (proven, or its proof awaited). */
	public static boolean sharedWithHost(Kind kind) {
		return kind == Kind.DEFERRED_HOST_WIDE || kind == Kind.AWAITING_PEERS;
	}

	/** Whether a verdict is a failure deferred for its host (saturated, a host-wide standstill, or awaiting peers). */
	public static boolean deferred(Kind kind) {
		return kind == Kind.DEFERRED_HOST_SATURATED || kind == Kind.DEFERRED_HOST_WIDE || kind == Kind.AWAITING_PEERS;
	}

	private Judgement judgeWith(Snapshot s, Instant now, Instant controllerStart, Duration heartbeatTimeout,
			Duration stallTimeout, Duration chunkStallTimeout) {
		Instant since = s.epochSince();
		Instant lastHeartbeat = latest(s.heartbeatAt(), since);
		Instant judgedFrom = latest(since, controllerStart);
		Instant lastChunkProgress = latest(latest(s.lastChunkAt(), s.state().progressAt()), judgedFrom);
		if (now.isBefore(controllerStart.plus(settings.heartbeatTimeout()))) {
			return new Judgement(Kind.NOT_JUDGED, lastHeartbeat, lastChunkProgress);
		}
		if (!spokeInThisEpoch(s)) {
			return starting(s, now, judgedFrom, lastHeartbeat, lastChunkProgress);
		}
		if (Duration.between(s.heartbeatAt(), now).compareTo(heartbeatTimeout) > 0) {
			boolean chunkSinceHeartbeat = s.lastChunkAt() != null && s.lastChunkAt().isAfter(s.heartbeatAt())
					&& Duration.between(s.lastChunkAt(), now).compareTo(arrivalWindow()) <= 0;
			return new Judgement(chunkSinceHeartbeat ? Kind.CHUNKS_ARRIVING : Kind.SILENT, lastHeartbeat,
					lastChunkProgress);
		}
		RecorderProgress p = s.progress();
		if (p.phase() == null) {
			boolean stalled = Duration.between(lastChunkProgress, now).compareTo(chunkStallTimeout) > 0;
			return new Judgement(stalled ? Kind.CHUNK_STALLED : Kind.HEALTHY, lastHeartbeat, lastChunkProgress);
		}
		return switch (p.phase()) {
			case STARTING -> starting(s, now, judgedFrom, lastHeartbeat, lastChunkProgress);
			case STOPPING -> new Judgement(Kind.HEALTHY, lastHeartbeat, lastChunkProgress);
			case CAPTURING -> withoutContent(s, capturing(s, p, lastHeartbeat,
					pageStarting(s, now) ? longest(stallTimeout, settings.pressureTimeout()) : stallTimeout,
					stallTimeout));
		};
	}

	/** A healthy (or slow) capturing backup whose screen never showed anything for the blank timeout: no content. */
	private Judgement withoutContent(Snapshot s, Judgement capturing) {
		boolean judged = capturing.kind() == Kind.HEALTHY || capturing.kind() == Kind.SLOW;
		if (!judged || s.epoch() == 0 || settings.blankTimeout().isZero()) {
			return capturing;
		}
		RecorderContent content = s.progress().content();
		return content.neverShown() && content.blankFor(settings.blankTimeout().toMillis())
				? new Judgement(Kind.NO_CONTENT, capturing.lastHeartbeat(), capturing.lastProgress()) : capturing;
	}

	/**
	 * Whether the current epoch's recorder has sent a heartbeat (every heartbeat records its
	 * epoch; a registration alone is not one: on a loaded host the first heartbeat may take
	 * seconds).
	 */
	private static boolean spokeInThisEpoch(Snapshot s) {
		return s.heartbeatAt() != null && s.progress().of(s.epoch());
	}

	private Judgement starting(Snapshot s, Instant now, Instant judgedFrom, Instant lastHeartbeat, Instant lastProgress) {
		Duration deadline = startDeadline(s);
		boolean late = judgedFrom != null && Duration.between(judgedFrom, now).compareTo(deadline) > 0;
		return new Judgement(late ? Kind.START_TIMEOUT : Kind.STARTING, lastHeartbeat, lastProgress);
	}

	/**
	 * @param stallTimeout no progress this long is a stall
	 * @param normalStallTimeout the stall timeout of a recorder whose start is over: a stall between
	 *        the two is still its start ({@link Kind#PAGE_STARTING})
	 */
	private static Judgement capturing(Snapshot s, RecorderProgress p, Instant lastHeartbeat, Duration stallTimeout,
			Duration normalStallTimeout) {
		Instant advancedAt = p.advancedAt();
		if (advancedAt == null) {
			// capturing reported by data older than progress tracking: the next heartbeats tell
			return new Judgement(Kind.HEALTHY, lastHeartbeat, lastHeartbeat);
		}
		// only what a heartbeat proved counts: from the last progress to the latest heartbeat
		Duration still = Duration.between(advancedAt, s.heartbeatAt());
		if (still.compareTo(stallTimeout) >= 0) {
			return new Judgement(Kind.MEDIA_STALLED, lastHeartbeat, advancedAt);
		}
		if (still.compareTo(normalStallTimeout) >= 0) {
			return new Judgement(Kind.PAGE_STARTING, lastHeartbeat, advancedAt);
		}
		return new Judgement(p.slow() ? Kind.SLOW : Kind.HEALTHY, lastHeartbeat, advancedAt);
	}

	/**
	 * Whether the current recorder's page is still to show: it captures (ffmpeg's first frame
	 * came before the browser), its content prober runs ({@code content} is reported) and has not
	 * seen the page twice ({@code shownMediaMs} null), within its start deadline counted from its
	 * own start (the epoch's; not from a controller restart: an old recorder is no starting one). Its browser
	 * starts meanwhile, the heaviest moment of a recorder: on a busy host it starves the capture
	 * for seconds (seen: a primary 10 s old, media still 4 s, the host's CPU pressure 86 %, under
	 * the saturation threshold). A media stall then gets {@code HA_CPU_PRESSURE_TIMEOUT}. A
	 * recorder without a prober (a test source, an older image) reports no content: normal rules.
	 */
	private boolean pageStarting(Snapshot s, Instant now) {
		RecorderContent content = s.progress().content();
		Instant started = s.epochSince();
		return content.state() != null && content.shownMediaMs() == null && started != null
				&& Duration.between(started, now).compareTo(startDeadline(s)) <= 0;
	}

	private Duration startDeadline(Snapshot s) {
		return s.state().standby(s.epoch()) && STANDBY_TAKEOVER_TIMEOUT.compareTo(settings.startTimeout()) < 0
				? STANDBY_TAKEOVER_TIMEOUT : settings.startTimeout();
	}

	static Duration longest(Duration a, Duration b) {
		return a.compareTo(b) >= 0 ? a : b;
	}

	private static Instant latest(Instant a, Instant b) {
		if (a == null) {
			return b;
		}
		if (b == null) {
			return a;
		}
		return a.isAfter(b) ? a : b;
	}

}
