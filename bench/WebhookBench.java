import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;

/**
 * Load driver of bench/webhook.sh (single-file Java program, JDK 17, no dependencies).
 *
 * <p>
 * Plays OpenVidu against a running controller and the customer's endpoint behind it: a local
 * receiver on --receiver-port that the controller's HA_WEBHOOK_RELAY_URL points to. Per run:
 * (1) webhook ack latency: --events webhooks posted one at a time (OpenVidu sends one at a time),
 * a mix of recordingStatusChanged (started/stopped/ready of new recordings, which drive the state
 * machine) and participant/webrtc events, while the relay delivers them; (2) baseline: as many
 * GET /actuator/health, same client; (3) relay throughput: the receiver holds the first delivery
 * until --backlog events are stored, then releases it; events/s until all are delivered.
 * Prints a Markdown table (runs and medians) on stdout.
 */
public class WebhookBench {

	static final HttpClient CLIENT = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	static final Set<String> RECEIVED = ConcurrentHashMap.newKeySet();

	static final AtomicLong LAST_RECEIVED_NANOS = new AtomicLong();

	static volatile CountDownLatch hold = new CountDownLatch(0);

	static String controller;

	static String token;

	static long sequence = System.currentTimeMillis();

	public static void main(String[] args) throws Exception {
		Map<String, String> a = new LinkedHashMap<>();
		for (int i = 0; i + 1 < args.length; i += 2) {
			a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
		}
		controller = a.getOrDefault("controller", "http://127.0.0.1:15443");
		token = a.get("token");
		int receiverPort = Integer.parseInt(a.get("receiver-port"));
		int events = Integer.parseInt(a.getOrDefault("events", "3000"));
		int backlog = Integer.parseInt(a.getOrDefault("backlog", "3000"));
		int runs = Integer.parseInt(a.getOrDefault("runs", "3"));
		int warmup = Integer.parseInt(a.getOrDefault("warmup", "3000"));

		HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), receiverPort), 128);
		receiver.createContext("/", exchange -> {
			try (InputStream in = exchange.getRequestBody()) {
				in.readAllBytes();
				hold.await();
				String id = exchange.getRequestHeaders().getFirst("X-OV2HA-Event-Id");
				if (id != null) {
					RECEIVED.add(id);
				}
				LAST_RECEIVED_NANOS.set(System.nanoTime());
				exchange.sendResponseHeaders(200, -1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				exchange.close();
			}
		});
		receiver.setExecutor(Executors.newFixedThreadPool(4));
		receiver.start();

		System.err.println("warmup: " + warmup + " webhooks and health requests");
		long[] ignored = new long[warmup];
		long[] ignoredRec = new long[warmup];
		ack(warmup, ignored, ignoredRec);
		health(warmup);
		drain(Duration.ofMinutes(2));

		List<double[]> results = new ArrayList<>();
		for (int run = 1; run <= runs; run++) {
			long[] all = new long[events];
			long[] rec = new long[events];
			int recCount = ack(events, all, rec);
			long[] h = health(events);
			drain(Duration.ofMinutes(2));
			double throughput = relayThroughput(backlog);
			double[] r = { ms(pct(all, events, 50)), ms(pct(all, events, 99)), ms(pct(rec, recCount, 99)),
					ms(pct(h, events, 50)), ms(pct(h, events, 99)), throughput };
			System.err.printf("run %d: ack p50 %.2f ms p99 %.2f ms (recordingStatusChanged p99 %.2f ms); health p50 %.2f ms p99 %.2f ms; relay %.0f events/s%n",
					run, r[0], r[1], r[2], r[3], r[4], r[5]);
			results.add(r);
		}
		receiver.stop(0);
		print(results, events, backlog);
		System.exit(0);
	}

	/** Posts n webhooks one at a time; fills latencies (ns) of all, and of recordingStatusChanged only; returns how many of those. */
	static int ack(int n, long[] all, long[] recording) throws Exception {
		int r = 0;
		String recId = null;
		for (int i = 0; i < n; i++) {
			long seq = ++sequence;
			String body;
			boolean isRecording = i % 10 < 3;
			if (isRecording) {
				int step = i % 10;
				if (step == 0) {
					recId = "ses_bench" + seq;
				}
				body = recording(recId, step == 0 ? "started" : step == 1 ? "stopped" : "ready", seq);
			}
			else if (i % 2 == 0) {
				body = "{\"sessionId\":\"ses_bench\",\"uniqueSessionId\":\"ses_bench_1700000000000\",\"timestamp\":" + seq
						+ ",\"participantId\":\"con_" + seq + "\",\"connectionId\":\"con_" + seq
						+ "\",\"location\":\"unknown\",\"ip\":\"10.0.0.1\",\"platform\":\"Chrome 120\",\"clientData\":\"\","
						+ "\"serverData\":\"\",\"event\":\"participantJoined\"}";
			}
			else {
				body = "{\"sessionId\":\"ses_bench\",\"uniqueSessionId\":\"ses_bench_1700000000000\",\"timestamp\":" + seq
						+ ",\"streamId\":\"str_" + seq + "\",\"participantId\":\"con_" + seq + "\",\"connectionId\":\"con_" + seq
						+ "\",\"connection\":\"OUTBOUND\",\"videoSource\":\"CAMERA\",\"videoFramerate\":30,"
						+ "\"videoDimensions\":\"{\\\"width\\\":640,\\\"height\\\":480}\",\"audioEnabled\":true,"
						+ "\"videoEnabled\":true,\"event\":\"webrtcConnectionCreated\"}";
			}
			HttpRequest request = HttpRequest.newBuilder(URI.create(controller + "/openvidu/webhook"))
				.timeout(Duration.ofSeconds(30))
				.header("Content-Type", "application/json")
				.header("Authorization", "Bearer " + token)
				.POST(HttpRequest.BodyPublishers.ofString(body))
				.build();
			long t0 = System.nanoTime();
			HttpResponse<Void> response = CLIENT.send(request, HttpResponse.BodyHandlers.discarding());
			long t = System.nanoTime() - t0;
			if (response.statusCode() != 200) {
				throw new IllegalStateException("webhook answered " + response.statusCode());
			}
			all[i] = t;
			if (isRecording) {
				recording[r++] = t;
			}
		}
		return r;
	}

	static String recording(String id, String status, long ts) {
		boolean end = status.equals("ready");
		return "{\"sessionId\":\"" + id + "\",\"uniqueSessionId\":\"" + id + "_1700000000000\",\"timestamp\":" + ts
				+ ",\"startTime\":1700000005000,\"duration\":" + (end ? "14.52" : "0.0")
				+ (status.equals("started") ? "" : ",\"reason\":\"recordingStoppedByServer\"") + ",\"id\":\"" + id
				+ "\",\"name\":\"" + id + "\",\"outputMode\":\"COMPOSED\",\"resolution\":\"1280x720\",\"frameRate\":25,"
				+ "\"recordingLayout\":\"BEST_FIT\",\"hasAudio\":true,\"hasVideo\":true,\"size\":" + (end ? 1973428 : 0)
				+ ",\"status\":\"" + status + "\",\"event\":\"recordingStatusChanged\"}";
	}

	static long[] health(int n) throws Exception {
		long[] out = new long[n];
		HttpRequest request = HttpRequest.newBuilder(URI.create(controller + "/actuator/health"))
			.timeout(Duration.ofSeconds(30))
			.GET()
			.build();
		for (int i = 0; i < n; i++) {
			long t0 = System.nanoTime();
			HttpResponse<Void> response = CLIENT.send(request, HttpResponse.BodyHandlers.discarding());
			out[i] = System.nanoTime() - t0;
			if (response.statusCode() != 200) {
				throw new IllegalStateException("health answered " + response.statusCode());
			}
		}
		return out;
	}

	/** Waits until the receiver got every event stored so far (queue depth 0 is not visible here: count stays still). */
	static void drain(Duration max) throws Exception {
		long deadline = System.nanoTime() + max.toNanos();
		int last = -1;
		long stableSince = System.nanoTime();
		while (System.nanoTime() < deadline) {
			int now = RECEIVED.size();
			if (now != last) {
				last = now;
				stableSince = System.nanoTime();
			}
			else if (System.nanoTime() - stableSince > 500_000_000L) {
				return;
			}
			Thread.sleep(20);
		}
		throw new IllegalStateException("the relay did not drain within " + max);
	}

	/** The receiver holds the relay's first delivery while a backlog is stored; then events/s until all arrive. */
	static double relayThroughput(int backlog) throws Exception {
		hold = new CountDownLatch(1);
		int before = RECEIVED.size();
		long[] ignored = new long[backlog];
		ack(backlog, ignored, new long[backlog]);
		long release = System.nanoTime();
		hold.countDown();
		long deadline = release + Duration.ofMinutes(5).toNanos();
		while (RECEIVED.size() < before + backlog) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("relay did not deliver the backlog: " + (RECEIVED.size() - before));
			}
			Thread.sleep(5);
		}
		double seconds = (LAST_RECEIVED_NANOS.get() - release) / 1e9;
		return backlog / seconds;
	}

	static long pct(long[] values, int n, int p) {
		long[] v = Arrays.copyOf(values, n);
		Arrays.sort(v);
		int index = (int) Math.ceil(p / 100.0 * n) - 1;
		return v[Math.max(0, Math.min(n - 1, index))];
	}

	static double ms(long nanos) {
		return nanos / 1e6;
	}

	static double median(List<double[]> results, int column) {
		double[] v = results.stream().mapToDouble(r -> r[column]).sorted().toArray();
		return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
	}

	static void print(List<double[]> results, int events, int backlog) {
		String[] names = { "Webhook ack p50 (ms)", "Webhook ack p99 (ms)", "Webhook ack p99, recordingStatusChanged only (ms)",
				"Baseline GET /actuator/health p50 (ms)", "Baseline GET /actuator/health p99 (ms)",
				"Relay throughput (events/s)" };
		StringBuilder header = new StringBuilder("| Metric |");
		StringBuilder rule = new StringBuilder("|---|");
		for (int i = 1; i <= results.size(); i++) {
			header.append(" Run ").append(i).append(" |");
			rule.append("---:|");
		}
		header.append(" **Median** |");
		rule.append("---:|");
		System.out.println(header);
		System.out.println(rule);
		for (int c = 0; c < names.length; c++) {
			StringBuilder row = new StringBuilder("| " + names[c] + " |");
			for (double[] r : results) {
				row.append(' ').append(format(c, r[c])).append(" |");
			}
			row.append(" **").append(format(c, median(results, c))).append("** |");
			System.out.println(row);
		}
		System.out.println();
		System.out.printf("Ack p99 / baseline p99: %.1fx. Targets: ack p99 <= 15 ms (%s), relay >= 500 events/s (%s).%n",
				median(results, 1) / median(results, 4), median(results, 1) <= 15 ? "met" : "NOT met",
				median(results, 5) >= 500 ? "met" : "NOT met");
		System.out.println("MEDIANS ack_p50_ms=" + format(0, median(results, 0)) + " ack_p99_ms=" + format(1, median(results, 1))
				+ " health_p99_ms=" + format(4, median(results, 4)) + " relay_events_per_s=" + format(5, median(results, 5)));
	}

	static String format(int column, double value) {
		return column == 5 ? String.format("%.0f", value) : String.format("%.2f", value);
	}

}
