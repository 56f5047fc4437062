package io.ov2ha.controller.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where a backup goes over several engines: {@link Placement}. */
class PlacementTest {

	/**
	 * Engines as {@code <u|d><n|->[count]} each (up or down, near or not, running recorders),
	 * space-separated, in the configured order.
	 */
	private static List<Placement.Engine> engines(String spec) {
		List<Placement.Engine> out = new ArrayList<>();
		String[] parts = spec.trim().split("\\s+");
		for (int i = 0; i < parts.length; i++) {
			String p = parts[i];
			out.add(new Placement.Engine(i, p.charAt(0) == 'u', p.charAt(1) == 'n', Integer.parseInt(p.substring(2))));
		}
		return out;
	}

	private static String order(Placement.Plan plan) {
		return String.join(",", plan.order().stream().map(e -> Integer.toString(e.index())).toList());
	}

	@ParameterizedTest(name = "{0} max={1} -> {2} {3}")
	@CsvSource(delimiter = '|', textBlock = """
			# engines        | max | order  | reason
			u-0 u-0          | 0   | 0,1    | LEAST_LOADED
			u-3 u-1 u-2      | 0   | 1,2,0  | LEAST_LOADED
			u-1 u-1 u-0      | 0   | 2,0,1  | LEAST_LOADED
			u-0 un5 u-0      | 0   | 1,0,2  | SAME_ENGINE
			u-0 dn0 u-2      | 0   | 0,2    | NEAR_ENGINE_LOST
			d-0 dn0 u-2      | 0   | 2      | NEAR_ENGINE_LOST
			d-0 dn0          | 0   |        | NEAR_ENGINE_LOST
			d-0 d-0          | 0   |        | LEAST_LOADED
			un4 u-1          | 4   | 1,0    | NEAR_ENGINE_FULL
			un4 u-4          | 4   | 0,1    | SAME_ENGINE
			un3 u-9          | 4   | 0,1    | SAME_ENGINE
			u-5 u-4 u-9      | 4   | 1,0,2  | LEAST_LOADED
			u-5 u-2 u-3      | 3   | 1,2,0  | LEAST_LOADED
			un-1 u-0         | 0   | 0,1    | SAME_ENGINE
			u--1 u-0         | 0   | 1,0    | LEAST_LOADED
			u--1 u--1        | 0   | 0,1    | LEAST_LOADED
			""")
	void placesByTheTable(String spec, int max, String order, Placement.Reason reason) {
		Placement.Plan plan = Placement.plan(engines(spec), max);
		assertThat(order(plan)).isEqualTo(order == null ? "" : order);
		assertThat(plan.reason()).isEqualTo(reason);
	}

	@Test
	void anEngineThatDoesNotAnswerIsNeverTriedWhateverElseHolds() {
		// every combination of 3 engines: up/down, near (at most one), load 0..3, max 0..2
		for (int mask = 0; mask < 8; mask++) {
			for (int nearAt = -1; nearAt < 3; nearAt++) {
				for (int loads = 0; loads < 64; loads++) {
					for (int max = 0; max <= 2; max++) {
						List<Placement.Engine> engines = new ArrayList<>();
						for (int i = 0; i < 3; i++) {
							engines.add(new Placement.Engine(i, (mask & (1 << i)) != 0, nearAt == i, (loads >> (2 * i)) & 3));
						}
						Placement.Plan plan = Placement.plan(engines, max);
						long up = engines.stream().filter(Placement.Engine::reachable).count();
						assertThat(plan.order()).allMatch(Placement.Engine::reachable).hasSize((int) up);
						if (nearAt >= 0 && engines.get(nearAt).reachable()
								&& plan.reason() == Placement.Reason.SAME_ENGINE) {
							assertThat(plan.order().get(0).index()).isEqualTo(nearAt);
						}
						if (nearAt >= 0 && !engines.get(nearAt).reachable()) {
							assertThat(plan.reason()).isEqualTo(Placement.Reason.NEAR_ENGINE_LOST);
						}
						int limit = max;
						if (max > 0 && !plan.order().isEmpty() && plan.reason() != Placement.Reason.SAME_ENGINE
								&& plan.order().stream().anyMatch(e -> e.recorders() < limit)) {
							// room first
							assertThat(plan.order().get(0).recorders()).isLessThan(max);
						}
					}
				}
			}
		}
	}

}
