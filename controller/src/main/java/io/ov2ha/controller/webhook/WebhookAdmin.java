package io.ov2ha.controller.webhook;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Service;

import io.ov2ha.controller.redis.RedisLease;
import io.ov2ha.controller.support.EpochMillis;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ProblemType;

/** The admin view of the webhook queue, and dead letter retries. */
@Service
class WebhookAdmin {

	private static final Log LOG = LogFactory.getLog(WebhookAdmin.class);

	static final int DEAD_LETTERS_SHOWN = 50;

	private final WebhookQueue queue;

	private final RelayTarget target;

	private final RelayWorker relay;

	private final RedisLease lease;

	private final WebhookProperties properties;

	private final Clock clock;

	WebhookAdmin(WebhookQueue queue, RelayTarget target, RelayWorker relay, RedisLease lease,
			WebhookProperties properties, Clock clock) {
		this.queue = queue;
		this.target = target;
		this.relay = relay;
		this.lease = lease;
		this.properties = properties;
		this.clock = clock;
	}

	WebhookViews.Status status() {
		Map<String, String> s = queue.state();
		long received = n(s, "enqueued");
		long processed = n(s, "processed");
		String position = s.getOrDefault("position", "0-0");
		long depth = Math.max(0, received - processed);
		Instant oldest = null;
		if (depth > 0) {
			List<WebhookQueue.Entry> next = queue.after(position, 1);
			oldest = next.isEmpty() ? null : Instant.ofEpochMilli(next.get(0).receivedAt());
		}
		String leader = lease.holder(WebhookQueue.leaseKey());
		var relayView = new WebhookViews.Relay(target.enabled(), target.enabled() ? target.display() : null,
				target.headers().stream().map(RelayTarget.Header::name).toList(),
				properties.relay().forwardAuthorization(), leader, relay.leader() && queue.owner().equals(leader));
		var counters = new WebhookViews.Counters(received, n(s, "duplicates"), n(s, "delivered"), n(s, "notRelayed"),
				n(s, "suppressed"), n(s, "failedAttempts"), n(s, "deadLettered"), n(s, "retried"));
		WebhookViews.LastError lastError = s.get("lastErrorAt") == null ? null
				: new WebhookViews.LastError(instant(s.get("lastErrorAt")), s.get("lastErrorEventId"), s.get("lastError"));
		WebhookViews.Head head = s.get("headId") == null ? null
				: new WebhookViews.Head(s.get("headEventId"), (int) n(s, "headAttempts"),
						instant(s.get("headFirstAttemptAt")), instant(s.get("headNextAttemptAt")));
		var dead = new WebhookViews.DeadLetters(queue.deadLetterCount(),
				queue.deadLetters(DEAD_LETTERS_SHOWN).stream().map(WebhookViews.DeadLetter::of).toList());
		return new WebhookViews.Status(relayView,
				new WebhookViews.Queue(depth, position, oldest, queue.streamLength()), counters, lastError, head, dead);
	}

	WebhookViews.Requeued retry(String id) {
		if (id == null || !id.matches("[A-Za-z0-9_~:.-]{1,200}")) {
			throw new ApiException(ProblemType.INVALID_REQUEST,
					"A dead letter id is an event id: a stream entry id like 1700000005000-0 or <recordingId>:<createdAt>:<status>.");
		}
		if (!target.enabled()) {
			throw new ApiException(ProblemType.WEBHOOK_RELAY_DISABLED,
					"HA_WEBHOOK_RELAY_URL is not set: a retried event would not be delivered. Set it and restart first.");
		}
		WebhookQueue.DeadLetter dead = queue.deadLetter(id).orElseThrow(() -> notFound(id));
		String entryId = queue.retry(dead, clock.millis()).orElseThrow(() -> notFound(id));
		LOG.info("event=webhook.dead_letter_retried eventId=" + id + " entryId=" + entryId);
		relay.wake();
		return new WebhookViews.Requeued(id, entryId);
	}

	private static ApiException notFound(String id) {
		return new ApiException(ProblemType.WEBHOOK_DEAD_LETTER_NOT_FOUND, "No dead letter " + id + " is kept.");
	}

	private static long n(Map<String, String> s, String key) {
		return EpochMillis.longOr(s.get(key), 0);
	}

	private static Instant instant(String ms) {
		return EpochMillis.instantOrNull(ms);
	}

}
