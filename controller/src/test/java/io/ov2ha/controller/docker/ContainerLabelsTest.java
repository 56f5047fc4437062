package io.ov2ha.controller.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventActor;

import io.ov2ha.controller.kernel.RecordingId;

class ContainerLabelsTest {

	@Test
	void aBackupNameNeverEqualsNorPrefixesOpenVidusName() {
		for (String id : new String[] { "ses_A", "ses_A~1", "room1", "recording_x" }) {
			RecordingId rid = RecordingId.of(id);
			String name = ContainerLabels.backupName(rid, 1);
			assertThat(name).doesNotStartWith("recording_").isNotEqualTo(rid.openViduContainerName());
			assertThat(rid.openViduContainerName()).doesNotStartWith(name);
		}
		assertThat(ContainerLabels.backupName(RecordingId.of("ses_A~1"), 3)).isEqualTo("ov2ha-backup-ses_A_1-e3");
	}

	@Test
	void labelsNameTheRecordingEpochRoleAndController() {
		assertThat(ContainerLabels.backup(RecordingId.of("ses_A~1"), 1700000005000L, 2, "ctl-1"))
			.containsExactlyInAnyOrderEntriesOf(Map.of("io.ov2ha.managed", "true", "io.ov2ha.role", "backup",
					"io.ov2ha.recording-id", "ses_A~1", "io.ov2ha.recording-created-at", "1700000005000",
					"io.ov2ha.epoch", "2", "io.ov2ha.controller", "ctl-1"));
	}

	@Test
	void onlyCompleteIdsCountAsExact() {
		assertThat(ContainerLabels.isExactId("a".repeat(64))).isTrue();
		assertThat(ContainerLabels.isExactId("a".repeat(12))).isFalse();
		assertThat(ContainerLabels.isExactId("recording_ses_A")).isFalse();
		assertThat(ContainerLabels.isExactId("A".repeat(64))).isFalse();
		assertThat(ContainerLabels.isExactId(null)).isFalse();
	}

	@Test
	void dockerEventsMapToRecorderEventsWithOurLabelsOnly() {
		Event die = new Event().withAction("die")
			.withId("b".repeat(64))
			.withEventActor(new EventActor().withAttributes(Map.of("exitCode", "137", "name", "recording_ses_A",
					"image", "img:1", "io.ov2ha.recording-id", "ses_A", "org.opencontainers.image.title", "x")));
		RuntimeEvent e = DockerEvents.map(die, 1_700_000_000_123_456_789L);
		assertThat(e.kind()).isEqualTo(RuntimeEvent.Kind.DIED);
		assertThat(e.exitCode()).isEqualTo(137L);
		assertThat(e.name()).isEqualTo("recording_ses_A");
		assertThat(e.labels()).containsOnlyKeys("io.ov2ha.recording-id");
		assertThat(e.at().toEpochMilli()).isEqualTo(1_700_000_000_123L);
		assertThat(DockerEvents.map(new Event().withAction("health_status: unhealthy").withId("c"), 1).kind())
			.isEqualTo(RuntimeEvent.Kind.UNHEALTHY);
		assertThat(DockerEvents.map(new Event().withAction("health_status: healthy").withId("c"), 1).kind())
			.isEqualTo(RuntimeEvent.Kind.HEALTHY);
		assertThat(DockerEvents.map(new Event().withAction("start").withId("c"), 1)).isNull();
	}

	@Test
	void sinceCarriesNanoseconds() {
		assertThat(DockerEvents.sinceArgument(1_700_000_000_000_000_005L)).isEqualTo("1700000000.000000005");
	}

}
