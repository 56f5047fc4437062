package io.ov2ha.controller.recording;

/**
 * Who tells the customer a recording's final status, so that it is told once: OpenVidu (its own
 * {@code recordingStatusChanged} ready or failed is relayed) or the controller (it emits its own,
 * and OpenVidu's is not relayed). The controller owns it when a backup recorded
 * ({@code failoverCount > 0}), when it set the outcome itself and said so in the recording's
 * {@link #FIELD} (it ended the recording, or finalized it while OpenVidu's own recorder no longer
 * waited for the result: {@link #controllerAnnouncesFinalized}), and while it is still FINALIZING
 * it (OpenVidu's recorder gave up waiting for its result).
 *
 * <p>
 * The webhook intake's atomic check of OpenVidu's final event applies the same rule in Lua
 * ({@code recstatus.controller_announces} in {@code redis/lib/recstatus.lua}); LuaRecStatusTest
 * checks that both agree on a table of the hash's values (absent, numbers, the flag, every status).
 */
public final class FinalEventOwner {

	/** The recording hash's field: {@link #CONTROLLER} when the controller announces the outcome it set. */
	public static final String FIELD = "controllerAnnounces";

	/** {@link #FIELD}'s value when the controller announces the outcome. */
	public static final String CONTROLLER = "1";

	private FinalEventOwner() {
	}

	/** Whether the controller announces the final status (OpenVidu's final event is then not relayed). */
	public static boolean controllerAnnounces(int failoverCount, String field, RecordingStatus status) {
		return failoverCount > 0 || CONTROLLER.equals(field) || status == RecordingStatus.FINALIZING;
	}

	/**
	 * {@link #controllerAnnounces(int, String, RecordingStatus)} on the hash's values as read (null:
	 * absent; a count that is not a number counts as none).
	 */
	public static boolean controllerAnnounces(String failoverCount, String field, String status) {
		int count;
		try {
			count = failoverCount == null ? 0 : Integer.parseInt(failoverCount);
		}
		catch (NumberFormatException ex) {
			count = 0;
		}
		return controllerAnnounces(count, field,
				RecordingStatus.FINALIZING.name().equals(status) ? RecordingStatus.FINALIZING : null);
	}

	/**
	 * A final the controller's finalization sealed: OpenVidu announces it only when its own
	 * recorder recorded it (epoch 0) and still waits for this result, since OpenVidu then seals and
	 * announces it itself.
	 */
	public static boolean controllerAnnouncesFinalized(long epoch, boolean openViduRecorderWaits) {
		return epoch > 0 || !openViduRecorderWaits;
	}

	/** {@link #FIELD}'s value for an outcome the controller set. */
	public static String field(boolean controllerAnnounces) {
		return controllerAnnounces ? CONTROLLER : "0";
	}

}
