package io.ov2ha.controller.redis;

import static io.ov2ha.controller.support.Recordings.heartbeat;
import static io.ov2ha.controller.support.Recordings.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.Api;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestControllers;
import io.ov2ha.controller.support.TestRedis;
import redis.embedded.RedisSentinel;
import redis.embedded.RedisServer;

/**
 * Redis behind Sentinel: the settings are checked before anything connects, and a controller
 * connected through three Sentinels (real Redis 7 servers: a primary, a replica, three Sentinels
 * on loopback) keeps working when its primary dies and the Sentinels promote the replica: what it
 * wrote before is there, and it writes on to the new primary.
 */
class RedisSentinelTest {

	private static final String MASTER = "ov2ha-test";

	/** How to stop each Redis process, in the order they started. */
	private final List<Runnable> processes = new ArrayList<>();

	private ConfigurableApplicationContext controller;

	@AfterEach
	void stopAll() {
		try {
			if (controller != null) {
				controller.close();
			}
		}
		finally {
			for (int i = processes.size() - 1; i >= 0; i--) {
				try {
					processes.get(i).run();
				}
				catch (RuntimeException ex) {
					// already stopped (the primary of the failover)
				}
			}
		}
	}

	@Test
	void theSentinelListIsCheckedAndBecomesSpringsSentinelSettings() {
		RedisSentinels s = RedisSentinels.parse(" sentinel-1:26379, 10.0.0.2:26380,[::1]:26381 ", "mymaster", "");
		assertThat(s.nodes()).containsExactly("sentinel-1:26379", "10.0.0.2:26380", "[::1]:26381");
		assertThat(RedisSentinels.parse("redis_sentinel_1:26379", "mymaster", "").nodes())
			.containsExactly("redis_sentinel_1:26379");
		assertThat(s.springProperties()).containsEntry("spring.data.redis.sentinel.master", "mymaster")
			.containsEntry("spring.data.redis.sentinel.nodes", "sentinel-1:26379,10.0.0.2:26380,[::1]:26381")
			.doesNotContainKey("spring.data.redis.sentinel.password");
		assertThat(RedisSentinels.parse("", "mymaster", "")).isNull();
		RedisSentinels withPassword = RedisSentinels.parse("s:26379", "m", "pa55word");
		assertThat(withPassword.springProperties()).containsEntry("spring.data.redis.sentinel.password", "pa55word");
		assertThat(withPassword.toString()).doesNotContain("pa55word");
		for (String bad : List.of("sentinel", "sentinel:", ":26379", "sentinel:0", "sentinel:65536", "s:26379,,s2:1",
				"bad host:1", "s:26379;rm")) {
			assertThatThrownBy(() -> RedisSentinels.parse(bad, "mymaster", "")).as(bad)
				.isInstanceOf(ConfigurationException.class)
				.hasMessageContaining("HA_REDIS_SENTINELS");
		}
		assertThatThrownBy(() -> RedisSentinels.parse("s:26379", "my master", "")).isInstanceOf(ConfigurationException.class)
			.hasMessageContaining("HA_REDIS_SENTINEL_MASTER");
	}

	@Test
	void theControllerFollowsTheSentinelsToThePromotedReplica() {
		int primaryPort = TestRedis.freePort();
		int replicaPort = TestRedis.freePort();
		RedisServer primary = RedisServer.builder().port(primaryPort).setting("bind 127.0.0.1")
			.setting("save \"\"").setting("appendonly no").build();
		primary.start();
		processes.add(primary::stop);
		RedisServer replica = RedisServer.builder().port(replicaPort).slaveOf("127.0.0.1", primaryPort)
			.setting("bind 127.0.0.1").setting("save \"\"").setting("appendonly no").build();
		replica.start();
		processes.add(replica::stop);
		List<String> sentinels = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			int port = TestRedis.freePort();
			RedisSentinel sentinel = RedisSentinel.builder().port(port).bind("127.0.0.1").masterName(MASTER)
				.masterPort(primaryPort).quorumSize(2).downAfterMilliseconds(1000L).failoverTimeout(5000L).build();
			sentinel.start();
			processes.add(sentinel::stop);
			sentinels.add("127.0.0.1:" + port);
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> masterPort(sentinels.get(0)) == primaryPort);
		await().atMost(Duration.ofSeconds(30)).until(() -> replicating(replicaPort));
		// every Sentinel knows the replica and the two others (learnt from the primary and each other)
		await().atMost(Duration.ofSeconds(60)).until(() -> sentinels.stream().allMatch(RedisSentinelTest::ready));

		// the URL's host is not used: the Sentinels name the server
		controller = TestControllers.run(null, "--ha.redis.url=redis://named-by-sentinels/0",
				"--ha.redis.sentinels=" + String.join(",", sentinels), "--ha.redis.sentinel-master=" + MASTER,
				"--ha.failover.enabled=true", "--ha.redis.replica-acks=1", "--ha.redis.replica-ack-timeout=500ms",
				// a command waits 1 s at most for Redis: the outage (down-after 1 s + the election) fails
				// the reconciler's lease call, as a longer one does with the default 2 s
				"--spring.data.redis.timeout=1s");
		Api recorder = Api.at(TestControllers.port(controller)).asRecorder();
		Api admin = Api.at(TestControllers.port(controller)).asAdmin();
		String before = Recordings.newId("sentinel");
		assertThat(recorder.post("/api/recordings", registration(before, 1700000005000L, 0, "aa11")).status())
			.isEqualTo(201);
		String key = RedisKeys.recording(RecordingId.of(before));
		// HA_REDIS_REPLICA_ACKS=1: the registration was on the replica before the API answered
		assertThat(exists(replicaPort, key)).isTrue();
		assertThat(unreplicated(admin)).isZero();

		// the controller judges by now (its start's grace is over): a later judgingFrom is Redis's return
		Instant judging = Instant.parse(admin.get("/api/failover/status").json().path("reconciler").path("judgingFrom")
			.asString());
		await().atMost(Duration.ofSeconds(30)).until(() -> Instant.now().isAfter(judging));
		long stoppedAt = System.nanoTime();
		long stoppedAtMs = System.currentTimeMillis();
		primary.stop();
		await().atMost(Duration.ofSeconds(60)).until(() -> masterPort(sentinels.get(0)) == replicaPort);
		long promotedAt = System.nanoTime();

		// the controller finds the new primary: what it wrote is there, and it writes on
		await().atMost(Duration.ofSeconds(60))
			.until(() -> recorder.put("/api/recordings/" + before + "/heartbeat", heartbeat(0, null)).status() == 200);
		// measured, not asserted (down-after-milliseconds 1000 here)
		System.out.println("event=test.sentinel_failover promotedAfterMs=" + (promotedAt - stoppedAt) / 1_000_000
				+ " writesAgainAfterMs=" + (System.nanoTime() - stoppedAt) / 1_000_000);
		assertThat(admin.get("/api/recordings/" + before).json().path("status").asString()).isEqualTo("RECORDING");
		// no heartbeat could be stored while no primary answered: the failure detection starts over
		// (judging from one heartbeat timeout after Redis is back, as after a start), so the silence
		// of the recorders is not taken for their failure
		Instant lost = Instant.ofEpochMilli(stoppedAtMs);
		await().atMost(Duration.ofSeconds(30))
			.until(() -> Instant.parse(admin.get("/api/failover/status").json().path("reconciler").path("judgingFrom")
				.asString()).isAfter(lost));
		String after = Recordings.newId("sentinel");
		assertThat(recorder.post("/api/recordings", registration(after, 1700000006000L, 0, "bb22")).status())
			.isEqualTo(201);
		assertThat(exists(replicaPort, RedisKeys.recording(RecordingId.of(after)))).isTrue();
	}

	@Test
	void aWriteNoReplicaConfirmsIsCountedAndStandsAndLaterWritesDoNotWait() {
		int port = TestRedis.freePort();
		RedisServer alone = RedisServer.builder().port(port).setting("bind 127.0.0.1").setting("save \"\"")
			.setting("appendonly no").build();
		alone.start();
		processes.add(alone::stop);
		controller = TestControllers.run(null, "--ha.redis.url=redis://127.0.0.1:" + port + "/0",
				"--ha.redis.replica-acks=1", "--ha.redis.replica-ack-timeout=300ms", "--ha.failover.enabled=false");
		Api recorder = Api.at(TestControllers.port(controller)).asRecorder();
		Api admin = Api.at(TestControllers.port(controller)).asAdmin();

		String first = Recordings.newId("noreplica");
		assertThat(recorder.post("/api/recordings", registration(first, 1700000005000L, 0, "aa11")).status()).isEqualTo(201);
		assertThat(exists(port, RedisKeys.recording(RecordingId.of(first)))).isTrue();
		double missed = unreplicated(admin);
		assertThat(missed).isGreaterThanOrEqualTo(1);
		// the writes that follow stand too, and do not each wait for the missing replica (a
		// background write may have begun a quiet time that ends meanwhile: one more miss at most)
		for (int i = 0; i < 5; i++) {
			assertThat(recorder.put("/api/recordings/" + first + "/heartbeat", heartbeat(0, null)).status()).isEqualTo(200);
		}
		assertThat(unreplicated(admin)).isLessThanOrEqualTo(missed + 1);
	}

	private static double unreplicated(Api admin) {
		for (String line : admin.get("/actuator/prometheus").body().split("\n")) {
			if (line.startsWith("ov2ha_redis_unreplicated_writes_total")) {
				return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
			}
		}
		return -1;
	}

	private static int masterPort(String sentinel) {
		RedisClient client = RedisClient.create(RedisURI.create("redis://" + sentinel));
		try (var connection = client.connectSentinel()) {
			var address = connection.sync().getMasterAddrByName(MASTER);
			return address instanceof InetSocketAddress inet ? inet.getPort() : -1;
		}
		catch (RuntimeException ex) {
			return -1;
		}
		finally {
			client.shutdown();
		}
	}

	private static boolean ready(String sentinel) {
		RedisClient client = RedisClient.create(RedisURI.create("redis://" + sentinel));
		try (var connection = client.connectSentinel()) {
			var master = connection.sync().master(MASTER);
			return Integer.parseInt(master.getOrDefault("num-slaves", "0")) >= 1
					&& Integer.parseInt(master.getOrDefault("num-other-sentinels", "0")) >= 2;
		}
		catch (RuntimeException ex) {
			return false;
		}
		finally {
			client.shutdown();
		}
	}

	private static boolean replicating(int port) {
		RedisClient client = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + port));
		try (var connection = client.connect()) {
			return connection.sync().info("replication").contains("master_link_status:up");
		}
		finally {
			client.shutdown();
		}
	}

	private static boolean exists(int port, String key) {
		RedisClient client = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + port));
		try (var connection = client.connect()) {
			return connection.sync().exists(key) == 1;
		}
		finally {
			client.shutdown();
		}
	}

}
