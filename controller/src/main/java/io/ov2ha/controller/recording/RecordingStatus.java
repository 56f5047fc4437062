package io.ov2ha.controller.recording;

/**
 * Life of a recording. The rank only grows: no event, duplicate or late, moves a recording
 * back to a lower rank (a READY recording stays READY).
 */
public enum RecordingStatus {

	/** A recorder is recording (registered, or OpenVidu said {@code started}). */
	RECORDING(1),
	/** OpenVidu (or an admin) asked to stop; the recorder is closing its last chunk. */
	STOPPING(2),
	/** The controller is joining the chunks into the final MP4. */
	FINALIZING(3),
	/** Final: the MP4 is in OpenVidu's folder and verified. */
	READY(4),
	/** Final: the recording could not be completed; chunks are kept. */
	FAILED(4),
	/** Final: no recorder and no OpenVidu activity for too long; chunks are kept. */
	ABANDONED(4);

	private final int rank;

	RecordingStatus(int rank) {
		this.rank = rank;
	}

	public int rank() {
		return rank;
	}

	public boolean isFinal() {
		return rank == 4;
	}

}
