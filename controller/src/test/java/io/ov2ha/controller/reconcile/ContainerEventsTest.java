package io.ov2ha.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.docker.ContainerLabels;
import io.ov2ha.controller.docker.RuntimeEvent;
import io.ov2ha.controller.docker.RuntimeEvent.Kind;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.reconcile.RecorderExits.Seen;
import io.ov2ha.controller.support.HandOver;
import io.ov2ha.controller.support.MutableClock;

/**
 * The Docker event source only writes down what an event says and queues the recording's id:
 * a death with its exit code and the OOM killer's mark, nothing for an unhealthy container or a
 * healthy one, and an exit refused for the back-off queued again once it ends.
 */
class ContainerEventsTest {

	private static final Instant T = Instant.parse("2026-12-05T12:00:00Z");

	private static final String C = "c".repeat(64);

	private static final RecordingId ID = RecordingId.of("ses_Events");

	private final MutableClock clock = new MutableClock(T);

	private final RecorderExits exits = new RecorderExits(clock);

	private final List<RecordingId> reconciled = new ArrayList<>();

	private final KeyedExecutor workers = new KeyedExecutor(HandOver.to(Runnable::run));

	/** Whether the reconciler runs. */
	private boolean running = true;

	/** Full reconciliations asked for. */
	private int audits;

	private final ContainerEvents events = new ContainerEvents(null, exits, () -> workers, reconciled::add,
			() -> running, () -> audits++);

	private static RuntimeEvent event(Kind kind, Long exitCode) {
		return new RuntimeEvent(kind, C, "rec", exitCode, T, Map.of(ContainerLabels.RECORDING_ID, ID.value()));
	}

	@Test
	void aDeathIsWrittenDownWithItsOomMarkAndOnlyItsRecordingQueued() {
		events.onEvent(event(Kind.OOM, null));
		assertThat(reconciled).as("the die follows").isEmpty();
		events.onEvent(event(Kind.DIED, 137L));
		assertThat(reconciled).containsExactly(ID);
		assertThat(exits.take(C, T)).contains(new RecorderExits.Exit(C, 137L, T, "docker-event", true, null, T));
	}

	@Test
	void anUnhealthyContainerOnlyQueuesItsRecordingAndAHealthyOneNothing() {
		events.onEvent(event(Kind.UNHEALTHY, null));
		events.onEvent(event(Kind.HEALTHY, null));
		assertThat(reconciled).containsExactly(ID);
		assertThat(exits.of(C, T)).isEqualTo(Seen.NONE);
	}

	@Test
	void nothingIsWrittenDownWhileTheReconcilerDoesNotRunAndAConnectionAsksForTheFullReconciliation() {
		running = false;
		events.onEvent(event(Kind.DIED, 137L));
		assertThat(reconciled).isEmpty();
		assertThat(exits.size()).isZero();
		events.onConnected(false);
		events.onDisconnected("stream broke");
		events.onConnected(true);
		assertThat(audits).isEqualTo(2);
	}

	@Test
	void anEventOfNoExactContainerIsDropped() {
		events.onEvent(new RuntimeEvent(Kind.DIED, "short", "rec", 1L, T,
				Map.of(ContainerLabels.RECORDING_ID, ID.value())));
		assertThat(reconciled).isEmpty();
		assertThat(exits.size()).isZero();
	}

	@Test
	void anExitRefusedForTheBackoffHasItsRecordingQueuedAgainOnceItEnds() {
		events.onEvent(event(Kind.DIED, 1L));
		RecorderExits.Exit exit = exits.take(C, T).orElseThrow();
		reconciled.clear();
		exits.later(ID, exit.withRemoved(false), T.plusSeconds(2));
		events.requeueDue(T.plusSeconds(2));
		assertThat(reconciled).as("not before the margin").isEmpty();
		events.requeueDue(T.plusSeconds(3));
		events.requeueDue(T.plusSeconds(4));
		assertThat(reconciled).as("once, while it is handled").containsExactly(ID);
	}

}
