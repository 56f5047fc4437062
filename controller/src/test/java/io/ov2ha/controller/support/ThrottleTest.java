package io.ov2ha.controller.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The one "at most once per period and key": due, marked, due again a period later, forgotten. */
class ThrottleTest {

	private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

	private final Throttle<String> throttle = new Throttle<>(Duration.ofSeconds(10));

	@Test
	void aKeyNeverMarkedIsDue() {
		assertThat(throttle.due("a", T)).isTrue();
	}

	@Test
	void aMarkedKeyIsDueAgainExactlyOnePeriodLater() {
		throttle.mark("a", T);
		assertThat(throttle.due("a", T)).isFalse();
		assertThat(throttle.due("a", T.plusMillis(9_999))).isFalse();
		assertThat(throttle.due("a", T.plusSeconds(10))).isTrue();
		assertThat(throttle.due("b", T)).as("keys are independent").isTrue();
	}

	@Test
	void anotherPeriodCanBeAskedFor() {
		throttle.mark("a", T);
		assertThat(throttle.due("a", T.plusSeconds(2), Duration.ofSeconds(2))).isTrue();
		assertThat(throttle.due("a", T.plusSeconds(1), Duration.ofSeconds(2))).isFalse();
	}

	@Test
	void tryMarkIsTrueOncePerPeriod() {
		assertThat(throttle.tryMark("a", T)).isTrue();
		assertThat(throttle.tryMark("a", T.plusSeconds(5))).isFalse();
		assertThat(throttle.due("a", T.plusSeconds(10))).as("a refused try does not move the mark").isTrue();
		assertThat(throttle.tryMark("a", T.plusSeconds(10))).isTrue();
		assertThat(throttle.tryMark("a", T.plusSeconds(19))).isFalse();
	}

	@Test
	void tryMarkFromManyThreadsLetsOneThrough() throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(8);
		try {
			CountDownLatch go = new CountDownLatch(1);
			List<Future<Boolean>> tries = new ArrayList<>();
			for (int i = 0; i < 64; i++) {
				tries.add(pool.submit(() -> {
					go.await();
					return throttle.tryMark("a", T);
				}));
			}
			go.countDown();
			int through = 0;
			for (Future<Boolean> f : tries) {
				through += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
			}
			assertThat(through).isEqualTo(1);
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void forgottenKeysAreDueAtOnce() {
		throttle.mark("old", T);
		throttle.mark("new", T.plusSeconds(60));
		throttle.forgetOlderThan(T.plusSeconds(30));
		assertThat(throttle.size()).isEqualTo(1);
		assertThat(throttle.due("old", T.plusSeconds(61))).isTrue();
		assertThat(throttle.due("new", T.plusSeconds(61))).isFalse();
		throttle.forget("new");
		assertThat(throttle.due("new", T.plusSeconds(61))).isTrue();
	}

	@Test
	void aNegativePeriodIsRefused() {
		assertThatThrownBy(() -> new Throttle<String>(Duration.ofSeconds(-1)))
			.isInstanceOf(IllegalArgumentException.class);
	}

}
