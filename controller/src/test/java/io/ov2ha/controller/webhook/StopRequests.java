package io.ov2ha.controller.webhook;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import io.ov2ha.controller.recording.RecordingStopRequested;

/** Test listener (picked up by every test controller): the stop hooks published, in order. */
@Component
class StopRequests {

	static final List<RecordingStopRequested> SEEN = new CopyOnWriteArrayList<>();

	@EventListener
	void on(RecordingStopRequested event) {
		SEEN.add(event);
	}

}
