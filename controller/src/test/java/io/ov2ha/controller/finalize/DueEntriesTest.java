package io.ov2ha.controller.finalize;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.redis.RedisKeys;
import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.redis.TestLeases;
import io.ov2ha.controller.storage.ChunkStorageException;
import io.ov2ha.controller.support.TestRedis;

/** The leased passes over a due-entries index on a real Redis, with a fixed clock. */
class DueEntriesTest {

	private static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");

	private final StringRedisTemplate redis = TestRedis.template();

	private final String index = "ov2ha:test:due:" + System.nanoTime();

	private DueEntries entries(Clock clock, RedisLease lease) {
		return new DueEntries(redis, lease, clock,
				new DueEntries.Settings(index, "due-test-" + System.nanoTime(), Duration.ofMinutes(1), 10,
						Duration.ofMinutes(10)));
	}

	private final RedisLease lease = TestLeases.ofNewController(redis);

	@Test
	void doneEntriesAreDroppedARefusalWaitsAndAnOutageEndsThePass() {
		DueEntries due = entries(Clock.fixed(NOW, ZoneOffset.UTC), lease);
		RecordingId a = RecordingId.of("ses_dueA");
		RecordingId b = RecordingId.of("ses_dueB");
		RecordingId c = RecordingId.of("ses_dueC");
		due.add(a, 1, true);
		due.add(b, 2, true);
		due.add(c, 3, true);
		List<String> failures = new ArrayList<>();

		int done = due.pass((id, createdAt) -> {
			if (id.equals(b)) {
				throw new ChunkStorageException(ChunkStorageException.Kind.FAILED, "403", null);
			}
			return 1;
		}, (id, createdAt, ex, nextPass) -> failures.add(id.value() + ":" + nextPass));

		assertThat(done).isEqualTo(2);
		assertThat(due.pending("ses_dueA:1")).isFalse();
		assertThat(due.pending("ses_dueC:3")).isFalse();
		assertThat(failures).containsExactly("ses_dueB:false");
		// refused: due again 10 min later, not in the next pass
		assertThat(redis.opsForZSet().score(index, "ses_dueB:2"))
			.isEqualTo((double) NOW.plus(Duration.ofMinutes(10)).toEpochMilli());
		assertThat(due.pass((id, createdAt) -> 1, (id, createdAt, ex, nextPass) -> failures.add("again"))).isZero();

		// S3 unreachable: the entry stays due and the pass ends (the others wait too)
		due.add(a, 1, true);
		due.add(c, 3, true);
		List<String> tried = new ArrayList<>();
		assertThat(due.pass((id, createdAt) -> {
			tried.add(id.value());
			throw new ChunkStorageException(ChunkStorageException.Kind.UNAVAILABLE, "down", null);
		}, (id, createdAt, ex, nextPass) -> failures.add(id.value() + ":" + nextPass))).isZero();
		assertThat(tried).hasSize(1);
		assertThat(due.pending("ses_dueA:1")).isTrue();
		assertThat(due.pending("ses_dueC:3")).isTrue();
		assertThat(due.count()).isEqualTo(3);
	}

	@Test
	void anUnexpectedFailureIsTriedAgainLaterAndHoldsUpNoOtherEntry() {
		DueEntries due = entries(Clock.fixed(NOW, ZoneOffset.UTC), lease);
		redis.opsForZSet().add(index, "ses_dueX:1", 1);
		redis.opsForZSet().add(index, "ses_dueY:2", 2);
		List<String> failures = new ArrayList<>();

		int done = due.pass((id, createdAt) -> {
			if (id.value().equals("ses_dueX")) {
				throw new IllegalStateException("bug");
			}
			return 1;
		}, (id, createdAt, ex, nextPass) -> failures.add(id.value() + ":" + nextPass));

		assertThat(done).isEqualTo(1);
		assertThat(failures).containsExactly("ses_dueX:false");
		assertThat(redis.opsForZSet().score(index, "ses_dueX:1"))
			.isEqualTo((double) NOW.plus(Duration.ofMinutes(10)).toEpochMilli());
		assertThat(due.pending("ses_dueY:2")).isFalse();
	}

	@Test
	void anEntryThatTimesOutGoesBehindTheOthers() {
		DueEntries due = entries(Clock.fixed(NOW, ZoneOffset.UTC), lease);
		redis.opsForZSet().add(index, "ses_dueS:1", 1);
		redis.opsForZSet().add(index, "ses_dueT:2", 2);
		List<String> tried = new ArrayList<>();
		DueEntries.Work slowFirst = (id, createdAt) -> {
			tried.add(id.value());
			if (id.value().equals("ses_dueS")) {
				throw new ChunkStorageException(ChunkStorageException.Kind.UNAVAILABLE, "timeout", null);
			}
			return 1;
		};

		assertThat(due.pass(slowFirst, (id, createdAt, ex, nextPass) -> {
		})).isZero();
		assertThat(due.pass(slowFirst, (id, createdAt, ex, nextPass) -> {
		})).isEqualTo(1);
		assertThat(tried).containsExactly("ses_dueS", "ses_dueT", "ses_dueS");
	}

	@Test
	void onlyTheLeaseHolderWorksAndAnEarlierDueTimeIsKept() {
		Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
		DueEntries due = entries(clock, lease);
		due.add(RecordingId.of("ses_dueL"), 1, true);
		redis.opsForZSet().add(index, "ses_dueL:1", 5);
		due.add(RecordingId.of("ses_dueL"), 1, true);
		assertThat(redis.opsForZSet().score(index, "ses_dueL:1")).isEqualTo(5.0);
		due.add(RecordingId.of("ses_dueL"), 1, false);
		assertThat(redis.opsForZSet().score(index, "ses_dueL:1")).isEqualTo((double) NOW.toEpochMilli());

		RedisLease other = TestLeases.ofNewController(redis);
		String leaseName = "due-held-" + System.nanoTime();
		DueEntries mine = new DueEntries(redis, lease, clock,
				new DueEntries.Settings(index, leaseName, Duration.ofMinutes(1), 10, Duration.ofMinutes(10)));
		assertThat(other.tryAcquire(RedisKeys.lease(leaseName), Duration.ofMinutes(1))).isTrue();
		assertThat(mine.pass((id, createdAt) -> 1, (id, createdAt, ex, nextPass) -> {
		})).as("another controller holds the lease").isZero();
		assertThat(mine.pending("ses_dueL:1")).isTrue();
		other.release(RedisKeys.lease(leaseName));
		assertThat(mine.pass((id, createdAt) -> 1, (id, createdAt, ex, nextPass) -> {
		})).isEqualTo(1);
	}

}
