package io.ov2ha.controller.docker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where a backup (or a warm standby) is started when recorders run on several Docker engines: a
 * pure function of the engines as last seen.
 * <ol>
 * <li>The engine of the recorder it replaces, while that engine answers and has room: only the
 * container failed, and its host still serves the recording (same recordings folder, same
 * network).</li>
 * <li>Otherwise the engines that answer and have room, the least loaded first (running backups
 * and standbys), then in their configured order.</li>
 * </ol>
 * An engine that does not answer is never tried (no retries against a lost host); a full one only
 * when no engine has room, the least loaded first: a backup on a full engine beats no backup.
 */
final class Placement {

	/** Why an engine was chosen first (for the log). */
	enum Reason {

		/** The engine of the recorder it replaces. */
		SAME_ENGINE,
		/** The engine of the recorder it replaces does not answer. */
		NEAR_ENGINE_LOST,
		/** The engine of the recorder it replaces is full. */
		NEAR_ENGINE_FULL,
		/** No recorder to be near (a standby, or the predecessor's engine is unknown). */
		LEAST_LOADED

	}

	/**
	 * One engine as last seen.
	 *
	 * @param index its place in the configured order
	 * @param reachable whether it answered its last check
	 * @param near whether the recorder to replace runs there
	 * @param recorders running backups and standbys on it (-1: not counted)
	 */
	record Engine(int index, boolean reachable, boolean near, int recorders) {
	}

	/**
	 * @param order the engines to try, in order (empty: none answers)
	 * @param reason why the first one comes first
	 */
	record Plan(List<Engine> order, Reason reason) {
	}

	private Placement() {
	}

	/**
	 * @param engines every engine
	 * @param maxRecorders backups and standbys at most on one engine (0: no limit)
	 */
	static Plan plan(List<Engine> engines, int maxRecorders) {
		Engine near = engines.stream().filter(Engine::near).findFirst().orElse(null);
		List<Engine> reachable = new ArrayList<>(engines.stream().filter(Engine::reachable).toList());
		reachable.sort(Comparator.comparing((Engine e) -> full(e, maxRecorders))
			// an engine whose recorders could not be counted comes after those that could
			.thenComparingInt(e -> e.recorders() < 0 ? Integer.MAX_VALUE : e.recorders())
			.thenComparingInt(Engine::index));
		Reason reason = Reason.LEAST_LOADED;
		if (near != null) {
			if (!near.reachable()) {
				reason = Reason.NEAR_ENGINE_LOST;
			}
			else if (full(near, maxRecorders) && reachable.stream().anyMatch(e -> !full(e, maxRecorders))) {
				reason = Reason.NEAR_ENGINE_FULL;
			}
			else {
				reason = Reason.SAME_ENGINE;
				reachable.remove(near);
				reachable.add(0, near);
			}
		}
		return new Plan(List.copyOf(reachable), reason);
	}

	private static boolean full(Engine e, int maxRecorders) {
		return maxRecorders > 0 && e.recorders() >= maxRecorders;
	}

}
