package io.ov2ha.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.docker.RecorderContainer;
import io.ov2ha.controller.docker.RecorderRuntime;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.reconcile.RecorderExits.Exit;
import io.ov2ha.controller.reconcile.RecorderExits.Seen;
import io.ov2ha.controller.support.MutableClock;
import io.ov2ha.controller.support.ThrottledWarnings;

/**
 * The full reconciliation as an event source: the current recorder listed as not running is
 * inspected; if it exited, its exit is written down and its recording reconciled, as a Docker
 * event's (its verdicts: {@link AuditVerdictTest}).
 */
class BackupAuditTest {

	private static final Instant T = Instant.parse("2026-12-06T12:00:00Z");

	private static final String C = "c".repeat(64);

	private static final RecordingId ID = RecordingId.of("ses_Audit");

	private final MutableClock clock = new MutableClock(T);

	private final RecorderExits exits = new RecorderExits(clock);

	private final List<RecordingId> reconciled = new ArrayList<>();

	/** What the runtime's inspection of a container answers (absent: gone). */
	private final Map<String, RecorderContainer> inspected = new HashMap<>();

	private final BackupAudit audit = new BackupAudit(runtime(), null, null, exits, new ThrottledWarnings(clock), null,
			(id, task) -> task.run(), reconciled::add);

	@Test
	void anExitedRecorderIsWrittenDownAndItsRecordingReconciled() {
		inspected.put(C, container(false, 137L, false));
		audit.exitedUnseen(ID, container(false, 137L, false));
		assertThat(reconciled).containsExactly(ID);
		assertThat(exits.of(C, T)).isEqualTo(Seen.DUE);
		assertThat(exits.take(C, T).orElseThrow())
			.isEqualTo(new Exit(C, 137L, T.minusSeconds(2), "container-finished", false, null, T));
	}

	@Test
	void anOomKillIsCarried() {
		inspected.put(C, container(false, 137L, true));
		audit.exitedUnseen(ID, container(false, 137L, false));
		assertThat(reconciled).containsExactly(ID);
		assertThat(exits.take(C, T).orElseThrow().oom()).isTrue();
	}

	@Test
	void oneGoneIsWrittenDownWithoutAnExitCode() {
		audit.exitedUnseen(ID, container(false, 137L, false));
		assertThat(reconciled).containsExactly(ID);
		assertThat(exits.take(C, T).orElseThrow()).isEqualTo(new Exit(C, null, null, "container-finished", false, null, T));
	}

	@Test
	void oneRunningByItsInspectionIsLeftAlone() {
		// listed between its creation and its start
		inspected.put(C, container(true, null, false));
		audit.exitedUnseen(ID, container(false, null, false));
		assertThat(reconciled).isEmpty();
		assertThat(exits.of(C, T)).isEqualTo(Seen.NONE);
	}

	private static RecorderContainer container(boolean running, Long exitCode, boolean oom) {
		return new RecorderContainer(C, "ov2ha-backup-x", "img", running, running ? "running" : "exited", exitCode, oom,
				"", T.minusSeconds(60), running ? null : T.minusSeconds(2), Map.of(), Map.of());
	}

	private RecorderRuntime runtime() {
		return (RecorderRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { RecorderRuntime.class }, (proxy, method, args) -> {
					if (method.getName().equals("inspect")) {
						return Optional.ofNullable(inspected.get((String) args[0]));
					}
					throw new UnsupportedOperationException("the audit's exit does not call " + method.getName());
				});
	}

}
