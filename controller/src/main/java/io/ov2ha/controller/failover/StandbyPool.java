package io.ov2ha.controller.failover;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.MeterRegistry;
import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.recording.Recording;
import io.ov2ha.controller.recording.RecordingStore;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.LogValues;
import io.ov2ha.controller.support.PeriodicComponent;
import io.ov2ha.controller.support.PeriodicPass;
import io.ov2ha.controller.support.ThrottledWarnings;

/**
 * The warm standby recorders ({@code HA_STANDBY_RECORDERS}, {@code HA_STANDBY_RESOLUTION}):
 * idle recorder containers of the recorder image with the screen, the sound and Chromium already
 * running, so that a failover hands the recording over in well under a second instead of
 * starting a backup cold ({@link StandbyClaims}, {@link StandbyHandover}). Every 2 s the controller holding the
 * {@code standby-pool} lease keeps the number of free standbys (named
 * {@code ov2ha-standby-*}), removes those that exited, and backs off (10 s doubling, at most
 * 5 min) when they keep failing. It starts none within {@link #REFILL_DELAY} of a hand-over nor
 * while the host is saturated ({@code HA_CPU_PRESSURE_THRESHOLD}). A standby handed a recording is a backup from then on: it took
 * the backup's name; one whose recording no longer uses it is killed and removed here (the
 * backup audit knows backups by label only). Standbys outlive a controller: any controller finds
 * them again by label.
 */
@Component
class StandbyPool implements PeriodicComponent {

	private static final Log LOG = LogFactory.getLog(StandbyPool.class);

	static final String LEASE = "standby-pool";

	/** Held for {@link #REFILL_DELAY} after a claim, by the claiming controller. */
	static final String REFILL_PAUSE = "standby-refill-pause";

	private static final Duration PERIOD = Duration.ofSeconds(2);

	/**
	 * No new standby this long after a hand-over: a browser's start is a burst of CPU, which the
	 * standby taking over needs (on a 2-core host a refill at once doubled the gap).
	 */
	static final Duration REFILL_DELAY = Duration.ofSeconds(10);

	private static final SecureRandom RANDOM = new SecureRandom();

	private final HaProperties properties;

	private final RecorderRuntime runtime;

	private final RedisLease lease;

	private final BackupSpecs specs;

	private final FailoverReads reads;

	private final RecordingStore recordings;

	private final RecorderContainers containers;

	private final Clock clock;

	private final PeriodicPass schedule = new PeriodicPass("standby-pool", "standby_pool", LOG, Duration.ZERO, PERIOD,
			this::maintainIfLeader);

	private final ThrottledWarnings warnings;

	private final AtomicInteger ready = new AtomicInteger();

	private final AtomicInteger starting = new AtomicInteger();

	private final HostPressure pressure;

	/** Free standbys this pool killed (retired): their exit is no failure. */
	private final Set<String> retired = ConcurrentHashMap.newKeySet();

	private int failures;

	private Instant backoffUntil = Instant.EPOCH;

	StandbyPool(HaProperties properties, RecorderRuntime runtime, RedisLease lease, BackupSpecs specs,
			FailoverReads reads, RecordingStore recordings, RecorderContainers containers, HostPressure pressure, Clock clock,
			MeterRegistry registry) {
		this.properties = properties;
		this.runtime = runtime;
		this.lease = lease;
		this.specs = specs;
		this.reads = reads;
		this.recordings = recordings;
		this.containers = containers;
		this.clock = clock;
		this.pressure = pressure;
		this.warnings = new ThrottledWarnings(clock);
		StandbyGauges.register(registry, ready, starting, this::wanted);
	}

	@Override
	public PeriodicPass schedule() {
		return schedule;
	}

	@Override
	public void start() {
		// with standbys turned off too: the pass removes those a former setting left
		if (properties.failover().enabled()) {
			schedule.start();
		}
	}

	boolean enabled() {
		return properties.failover().enabled() && properties.failover().standbyRecorders() > 0;
	}

	int wanted() {
		return enabled() ? properties.failover().standbyRecorders() : 0;
	}

	String resolution() {
		return properties.failover().standbyResolution();
	}

	int ready() {
		return ready.get();
	}

	int starting() {
		return starting.get();
	}

	/**
	 * A standby was just claimed: one ready less; the pool (whichever controller holds its lease)
	 * fills up again from {@link #REFILL_DELAY} on.
	 */
	void handedOver() {
		ready.updateAndGet(n -> Math.max(0, n - 1));
		try {
			lease.acquireOrRenew(RedisKeys.lease(REFILL_PAUSE), REFILL_DELAY);
		}
		catch (RuntimeException ex) {
			// no pause: the pool may start a standby a little early
		}
	}

	void maintainIfLeader() {
		if (runtime.status().reachable()) {
			lease.runIfLeader(LEASE, PERIOD.multipliedBy(5), this::maintainQuietly);
		}
	}

	private void maintainQuietly() {
		try {
			maintain(clock.instant());
		}
		catch (RuntimeException ex) {
			warnings.warn(LOG, "pool", "event=standby.pool_failed error=" + LogValues.quote(ex.getMessage()));
		}
	}

	void maintain(Instant now) {
		List<RecorderContainer> all = runtime.listByLabels(StandbyClaims.labels(properties));
		int free = 0;
		int readyNow = 0;
		// being handed a recording (or retired): neither ready nor starting, and never retired meanwhile
		int claimed = 0;
		for (RecorderContainer c : all) {
			StandbyRules.Role role = StandbyRules.role(c.name().startsWith(ContainerLabels.STANDBY_NAME_PREFIX),
					c.running(), resolution().equals(c.labels().get(ContainerLabels.STANDBY_RESOLUTION)),
					() -> claimHeld(c), free + claimed, wanted());
			switch (role) {
				case HANDED_OVER -> handedOver(c);
				case EXITED -> exited(c, now);
				case OTHER_RESOLUTION -> retire(c, "its resolution is no longer HA_STANDBY_RESOLUTION");
				case CLAIMED -> claimed++;
				case EXTRA -> retire(c, "more standbys than HA_STANDBY_RECORDERS");
				case FREE -> {
					free++;
					Optional<RecorderContainer> inspected = runtime.inspect(c.id()).filter(StandbyClaims::isReady);
					if (inspected.isPresent()) {
						readyNow++;
						if (StandbyRules.provenReady(inspected.get().startedAt(), now)) {
							failures = 0;
						}
					}
				}
			}
		}
		ready.set(readyNow);
		starting.set(Math.max(0, free - readyNow));
		if (StandbyRules.startOne(free, claimed, wanted(), now, backoffUntil,
				lease.holder(RedisKeys.lease(REFILL_PAUSE)) != null, saturated())) {
			create(now);
		}
	}

	private boolean claimHeld(RecorderContainer c) {
		return lease.holder(RedisKeys.standbyClaim(c.id())) != null;
	}

	/** The host is saturated (HA_CPU_PRESSURE_THRESHOLD): a browser's start would starve the recorders. */
	private boolean saturated() {
		return HostPressure.saturated(properties.failover().cpuPressureThreshold(), pressure.percent());
	}

	private void create(Instant now) {
		byte[] suffix = new byte[6];
		RANDOM.nextBytes(suffix);
		String name = ContainerLabels.STANDBY_NAME_PREFIX + HexFormat.of().formatHex(suffix);
		try {
			String id = runtime.startBackup(specs.standby(name));
			starting.incrementAndGet();
			LOG.info("event=standby.started containerId=" + ContainerLabels.shortId(id) + " name=" + name
					+ " resolution=" + properties.failover().standbyResolution());
		}
		catch (RuntimeException ex) {
			failed(now, "event=standby.start_failed error=" + LogValues.quote(ex.getMessage()));
		}
	}

	private void exited(RecorderContainer c, Instant now) {
		Optional<RecorderContainer> inspected = runtime.inspect(c.id());
		Long exitCode = inspected.map(RecorderContainer::exitCode).orElse(null);
		runtime.remove(c.id());
		boolean retiredByPool = retired.remove(c.id());
		String line = "event=standby.exited containerId=" + ContainerLabels.shortId(c.id()) + " name=" + c.name()
				+ " exitCode=" + exitCode + " action=removed";
		if (StandbyRules.failedExit(inspected.map(RecorderContainer::startedAt).orElse(null),
				inspected.map(RecorderContainer::finishedAt).orElse(null), exitCode, retiredByPool)) {
			failed(now, line);
		}
		else {
			LOG.info(line);
		}
	}

	private void failed(Instant now, String line) {
		failures++;
		Duration backoff = StandbyRules.backoff(failures);
		backoffUntil = now.plus(backoff);
		LOG.warn(line + " failures=" + failures + " retryInMs=" + backoff.toMillis());
	}

	/** A standby handed a recording: kept while its recording uses it, else killed and removed. */
	private void handedOver(RecorderContainer c) {
		if (claimHeld(c)) {
			// its hand-over is under way
			return;
		}
		Optional<Recording> recording = reads.recordingOfContainer(c.id()).flatMap(recordings::find);
		boolean current = recording.filter(r -> c.id().equals(r.containerId())).isPresent();
		StandbyRules.Fate fate = StandbyRules.afterHandOver(current, current && recording.get().isFinal(),
				c.running(), recording.map(Recording::updatedAt).orElse(null), properties.failover().stopTimeout(),
				clock.instant());
		switch (fate) {
			case KEEP -> {
				// it records its recording, or has just sealed it and exits once its finalize call returned
			}
			case KILL -> {
				LOG.warn("event=standby.stale_backup containerId=" + ContainerLabels.shortId(c.id()) + " name="
						+ c.name() + " action=kill reason=its_recording_no_longer_uses_it");
				containers.killQuietly(c.id());
			}
			case REMOVE -> runtime.remove(c.id());
		}
	}

	/** Kills a free standby, under its claim (never one being handed a recording meanwhile). */
	private void retire(RecorderContainer c, String why) {
		if (!lease.tryAcquire(RedisKeys.standbyClaim(c.id()), StandbyClaims.CLAIM_TTL)) {
			return;
		}
		boolean free = runtime.inspect(c.id())
			.filter(x -> x.name().startsWith(ContainerLabels.STANDBY_NAME_PREFIX))
			.isPresent();
		if (free) {
			LOG.info("event=standby.retired containerId=" + ContainerLabels.shortId(c.id()) + " reason="
					+ LogValues.quote(why));
			retired.add(c.id());
			containers.killQuietly(c.id());
		}
		else {
			lease.release(RedisKeys.standbyClaim(c.id()));
		}
	}

}
