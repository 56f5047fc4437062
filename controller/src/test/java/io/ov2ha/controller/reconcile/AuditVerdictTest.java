package io.ov2ha.controller.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ov2ha.controller.reconcile.AuditVerdict.Registered;

/** The full reconciliation's decision on one backup container found by label, against the registry. */
class AuditVerdictTest {

	private static final String C = "c".repeat(64);

	private static final String OTHER = "d".repeat(64);

	private static final long CREATED = 1_700_000_000_000L;

	/** The recording at epoch 2, recording with {@code C}. */
	private static final Registered CURRENT = new Registered(CREATED, 2, false, C);

	static Stream<Arguments> table() {
		return Stream.of(
				// case, epoch label, created-at label, running, registered, verdict
				Arguments.of("recording not in this registry, running", 2L, CREATED, true, null, AuditVerdict.UNKNOWN),
				Arguments.of("recording not in this registry, exited", 2L, CREATED, false, null, AuditVerdict.UNKNOWN),
				Arguments.of("no epoch label", null, CREATED, true, CURRENT, AuditVerdict.UNKNOWN),
				Arguments.of("no created-at label", 2L, null, true, CURRENT, AuditVerdict.UNKNOWN),
				Arguments.of("an earlier epoch, running: killed", 1L, CREATED, true, CURRENT, AuditVerdict.KILL_STALE),
				Arguments.of("an earlier epoch, exited: kept (its recording goes on)", 1L, CREATED, false, CURRENT,
						AuditVerdict.NONE),
				Arguments.of("another recording of the same id, running: killed", 2L, CREATED - 1, true, CURRENT,
						AuditVerdict.KILL_STALE),
				Arguments.of("another recording of the same id, exited: removed", 2L, CREATED - 1, false, CURRENT,
						AuditVerdict.REMOVE),
				Arguments.of("its recording ended, running: killed", 2L, CREATED, true, new Registered(CREATED, 2, true, C),
						AuditVerdict.KILL_STALE),
				Arguments.of("its recording ended, exited: removed", 2L, CREATED, false,
						new Registered(CREATED, 2, true, C), AuditVerdict.REMOVE),
				Arguments.of("a later epoch than the registry's", 3L, CREATED, true, CURRENT, AuditVerdict.AHEAD),
				Arguments.of("a later epoch, exited", 3L, CREATED, false, CURRENT, AuditVerdict.AHEAD),
				Arguments.of("the current epoch, its start never recorded, running: adopted", 2L, CREATED, true,
						new Registered(CREATED, 2, false, ""), AuditVerdict.ADOPT),
				Arguments.of("the current epoch, its start never recorded, exited: nothing", 2L, CREATED, false,
						new Registered(CREATED, 2, false, ""), AuditVerdict.NONE),
				Arguments.of("a second backup of the current epoch, running: killed", 2L, CREATED, true,
						new Registered(CREATED, 2, false, OTHER), AuditVerdict.KILL_DUPLICATE),
				Arguments.of("a second backup of the current epoch, exited: nothing", 2L, CREATED, false,
						new Registered(CREATED, 2, false, OTHER), AuditVerdict.NONE),
				Arguments.of("the current recorder, running: nothing", 2L, CREATED, true, CURRENT, AuditVerdict.NONE),
				Arguments.of("the current recorder, not running: its exit checked", 2L, CREATED, false, CURRENT,
						AuditVerdict.CHECK_EXIT));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("table")
	void decides(String name, Long epoch, Long createdAt, boolean running, Registered registered, AuditVerdict expected) {
		assertThat(AuditVerdict.of(C, epoch, createdAt, running, registered)).isEqualTo(expected);
	}

	/**
	 * Over every combination: the recording's current recorder is never killed nor removed; nothing
	 * that is not the current epoch's backup is adopted or checked as a death; an exited container is
	 * never killed, a running one never removed.
	 */
	@Test
	void neverKillsTheCurrentRecorderAndActsOnTheStateItSees() {
		List<Long> epochs = Arrays.asList(null, 0L, 1L, 2L, 3L);
		List<Long> createdAts = Arrays.asList(null, CREATED - 1, CREATED);
		List<Registered> registries = new ArrayList<>();
		registries.add(null);
		for (long epoch = 0; epoch <= 3; epoch++) {
			for (boolean ended : new boolean[] { false, true }) {
				for (String container : new String[] { "", C, OTHER }) {
					registries.add(new Registered(CREATED, epoch, ended, container));
				}
			}
		}
		int combinations = 0;
		for (Long epoch : epochs) {
			for (Long createdAt : createdAts) {
				for (boolean running : new boolean[] { false, true }) {
					for (Registered r : registries) {
						AuditVerdict v = AuditVerdict.of(C, epoch, createdAt, running, r);
						combinations++;
						boolean current = r != null && epoch != null && createdAt != null && createdAt == r.createdAt()
								&& epoch == r.epoch() && !r.isFinal() && C.equals(r.containerId());
						if (current) {
							assertThat(v).as("the current recorder").isIn(AuditVerdict.NONE, AuditVerdict.CHECK_EXIT);
						}
						if (v == AuditVerdict.ADOPT || v == AuditVerdict.CHECK_EXIT) {
							assertThat(r).isNotNull();
							assertThat(epoch).isEqualTo(r.epoch());
							assertThat(createdAt).isEqualTo(r.createdAt());
							assertThat(r.isFinal()).isFalse();
						}
						if (v == AuditVerdict.KILL_STALE || v == AuditVerdict.KILL_DUPLICATE || v == AuditVerdict.ADOPT) {
							assertThat(running).as("only a running container is killed or adopted").isTrue();
						}
						if (v == AuditVerdict.REMOVE || v == AuditVerdict.CHECK_EXIT) {
							assertThat(running).as("only an exited container is removed or checked").isFalse();
						}
					}
				}
			}
		}
		assertThat(combinations).isEqualTo(5 * 3 * 2 * 25);
	}

}
