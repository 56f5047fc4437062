package io.ov2ha.controller.webhook;

import java.util.Locale;

/** The {@code status} of OpenVidu's {@code recordingStatusChanged} event. */
public enum OpenViduRecordingStatus {

	STARTED, STOPPED, READY, FAILED;

	/** As OpenVidu writes it: {@code started}, {@code stopped}, {@code ready}, {@code failed}. */
	public String wire() {
		return name().toLowerCase(Locale.ROOT);
	}

}
