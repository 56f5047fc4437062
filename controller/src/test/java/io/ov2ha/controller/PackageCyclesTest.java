package io.ov2ha.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The controller's packages depend on each other without a cycle, and the kernel (shared value
 * types) on none of them. A package depends on another when one of its sources names a class of
 * it (an import, or a qualified name). Reads the sources (the module's directory is the working
 * directory).
 */
class PackageCyclesTest {

	private static final Path SOURCES = Path.of("src/main/java/io/ov2ha/controller");

	private static final Pattern NAMED = Pattern.compile("io\\.ov2ha\\.controller\\.([a-z]+)\\.(?:[A-Z]|[a-z]+\\.|\\*)");

	/** Package -> the packages its sources name. */
	static Map<String, Set<String>> dependencies() throws IOException {
		Map<String, Set<String>> deps = new TreeMap<>();
		try (Stream<Path> files = Files.walk(SOURCES)) {
			for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
				Path relative = SOURCES.relativize(file);
				if (relative.getNameCount() < 2) {
					continue;
				}
				String pkg = relative.getName(0).toString();
				Set<String> named = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
				Matcher m = NAMED.matcher(Files.readString(file));
				while (m.find()) {
					if (!m.group(1).equals(pkg)) {
						named.add(m.group(1));
					}
				}
			}
		}
		return deps;
	}

	/** The cycles: strongly connected components of more than one package (Tarjan). */
	static List<Set<String>> cycles(Map<String, Set<String>> deps) {
		return new Tarjan(deps).components().stream().filter(c -> c.size() > 1).toList();
	}

	@Test
	void noPackageCycle() throws IOException {
		Map<String, Set<String>> deps = dependencies();
		assertThat(deps).containsKeys("kernel", "recording", "failover", "reconcile", "redis", "storage", "web");
		assertThat(cycles(deps)).as("package cycles, in %s", deps).isEmpty();
	}

	@Test
	void theKernelDependsOnNoOtherPackage() throws IOException {
		assertThat(dependencies().get("kernel")).isEmpty();
	}

	@Test
	void theReconcilerActsThroughFailoverWhichNeverNamesIt() throws IOException {
		Map<String, Set<String>> deps = dependencies();
		assertThat(deps.get("reconcile")).contains("failover");
		assertThat(deps.get("failover")).doesNotContain("reconcile");
	}

	@Test
	void aCycleIsFound() {
		Map<String, Set<String>> deps = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
		assertThat(cycles(deps)).containsExactly(Set.of("a", "b", "c"));
		assertThat(cycles(Map.of("a", Set.of("b"), "b", Set.of()))).isEmpty();
	}

	private static final class Tarjan {

		private final Map<String, Set<String>> deps;

		private final Map<String, Integer> index = new TreeMap<>();

		private final Map<String, Integer> low = new TreeMap<>();

		private final List<String> stack = new ArrayList<>();

		private final List<Set<String>> components = new ArrayList<>();

		Tarjan(Map<String, Set<String>> deps) {
			this.deps = deps;
		}

		List<Set<String>> components() {
			for (String v : new TreeSet<>(deps.keySet())) {
				if (!index.containsKey(v)) {
					visit(v);
				}
			}
			return components;
		}

		private void visit(String v) {
			index.put(v, index.size());
			low.put(v, index.get(v));
			stack.add(v);
			for (String w : deps.getOrDefault(v, Set.of())) {
				if (!index.containsKey(w)) {
					visit(w);
					low.put(v, Math.min(low.get(v), low.get(w)));
				}
				else if (stack.contains(w)) {
					low.put(v, Math.min(low.get(v), index.get(w)));
				}
			}
			if (low.get(v).equals(index.get(v))) {
				Set<String> component = new TreeSet<>();
				String w;
				do {
					w = stack.remove(stack.size() - 1);
					component.add(w);
				}
				while (!w.equals(v));
				components.add(component);
			}
		}

	}

}
