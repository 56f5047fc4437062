package io.ov2ha.controller.reconcile;

/**
 * What the full reconciliation ({@link BackupAudit}) does with one backup container found by
 * label: a pure decision on the container's labels and state against its recording as registered.
 */
enum AuditVerdict {

	/** Its recording is not in this registry, or its labels are incomplete: nothing (a warning if it runs). */
	UNKNOWN,
	/** It no longer holds its recording's epoch (or the recording ended, or is another one) and runs: killed. */
	KILL_STALE,
	/** An exited backup of a recording that ended or was replaced by another of the same id: removed. */
	REMOVE,
	/** Of a later epoch than the registry's: its calls are refused and it exits by itself (a warning). */
	AHEAD,
	/** The current epoch's backup, running, whose start was never recorded: adopted. */
	ADOPT,
	/** A second backup of the current epoch, running: killed. */
	KILL_DUPLICATE,
	/** The current epoch's recorder, listed as not running: inspected, and if exited reconciled as a death. */
	CHECK_EXIT,
	/** Nothing to do. */
	NONE;

	/**
	 * The recording as registered.
	 *
	 * @param containerId its recorder's container id, empty while a backup is claimed and not recorded
	 */
	record Registered(long createdAt, long epoch, boolean isFinal, String containerId) {
	}

	/**
	 * @param epoch the container's epoch label (null: missing or not a number)
	 * @param createdAt its recording-created-at label (null: missing or not a number)
	 * @param registered its recording as registered, null when not found
	 */
	static AuditVerdict of(String containerId, Long epoch, Long createdAt, boolean running, Registered registered) {
		if (registered == null || epoch == null || createdAt == null) {
			return UNKNOWN;
		}
		boolean sameRecording = createdAt == registered.createdAt();
		if (!sameRecording || registered.isFinal() || epoch < registered.epoch()) {
			// a recorder that no longer holds its recording's epoch must never write
			if (running) {
				return KILL_STALE;
			}
			return !sameRecording || registered.isFinal() ? REMOVE : NONE;
		}
		if (epoch > registered.epoch()) {
			return AHEAD;
		}
		if (registered.containerId().isEmpty()) {
			// started by an attempt whose controller died before recording it
			return running ? ADOPT : NONE;
		}
		if (!registered.containerId().equals(containerId)) {
			return running ? KILL_DUPLICATE : NONE;
		}
		return running ? NONE : CHECK_EXIT;
	}

}
