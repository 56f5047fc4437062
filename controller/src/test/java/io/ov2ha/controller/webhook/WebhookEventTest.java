package io.ov2ha.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.support.Api;

class WebhookEventTest {

	@Test
	void readsRecordingStatusChangedAsOpenViduSendsIt() {
		WebhookEvent e = WebhookEvent.of(Api.JSON.readTree(Webhooks.recording("ses_A~1", 1700000005000L, "ready",
				"recordingStoppedByServer", 1700000020000L)));

		assertThat(e).isEqualTo(new WebhookEvent.RecordingStatusChanged("ses_A", "ses_A_1700000000000", 1700000020000L,
				1700000005000L, 14.52, "recordingStoppedByServer", "ses_A~1", "ses_A~1", "COMPOSED", "1280x720", 25,
				"BEST_FIT", null, true, true, 1973428L, "ready"));
	}

	@Test
	void readsTheOtherEvents() {
		assertThat(WebhookEvent.of(Api.JSON.readTree(Webhooks.sessionDestroyed("ses_B", "lastParticipantLeft", 5))))
			.isEqualTo(new WebhookEvent.SessionDestroyed("ses_B", "ses_B_1700000000000", 5L, 1700000000000L, 60L,
					"lastParticipantLeft"));
		assertThat(WebhookEvent.of(Api.JSON.readTree(Webhooks.participantJoined("ses_C", 7))))
			.isInstanceOf(WebhookEvent.ParticipantJoined.class)
			.extracting(ev -> ((WebhookEvent.ParticipantJoined) ev).connectionId())
			.isEqualTo("con_7");
		assertThat(WebhookEvent.of(Api.JSON.readTree("{\"event\":\"webrtcConnectionDestroyed\",\"sessionId\":\"s\","
				+ "\"connection\":\"INBOUND\",\"receivingFrom\":\"con_1\",\"videoFramerate\":30,\"startTime\":1,"
				+ "\"duration\":2,\"reason\":\"unsubscribe\"}")))
			.isInstanceOf(WebhookEvent.WebrtcConnectionDestroyed.class)
			.extracting(ev -> ((WebhookEvent.WebrtcConnectionDestroyed) ev).reason())
			.isEqualTo("unsubscribe");
		assertThat(WebhookEvent.of(Api.JSON.readTree("{\"event\":\"mediaNodeStatusChanged\"}")))
			.isEqualTo(new WebhookEvent.Other("mediaNodeStatusChanged", null, null, null));
		assertThat(WebhookEvent.of(Api.JSON.readTree("{}"))).isEqualTo(new WebhookEvent.Other("", null, null, null));
	}

	@Test
	void wrongTypesReadAsNull() {
		WebhookEvent e = WebhookEvent.of(Api.JSON.readTree("{\"event\":\"recordingStatusChanged\",\"id\":5,"
				+ "\"startTime\":\"1700\",\"size\":1e400,\"frameRate\":99999999999,\"hasVideo\":\"yes\",\"duration\":[1]}"));

		WebhookEvent.RecordingStatusChanged r = (WebhookEvent.RecordingStatusChanged) e;
		assertThat(r.id()).isNull();
		assertThat(r.startTime()).isNull();
		assertThat(r.size()).isNull();
		assertThat(r.frameRate()).isNull();
		assertThat(r.hasVideo()).isNull();
		assertThat(r.duration()).isNull();
		assertThat(RecordingStateMachine.affectsState(e)).isFalse();
	}

	@Test
	void aRecordingEventWithoutAStatusChangesNoState() {
		WebhookEvent e = WebhookEvent.of(Api.JSON.readTree(
				"{\"event\":\"recordingStatusChanged\",\"id\":\"ses_A\",\"startTime\":1700000005000}"));

		assertThat(RecordingStateMachine.affectsState(e)).isFalse();
		assertThat(RecordingStateMachine.isOpenViduFinal(e)).isFalse();
	}

}
