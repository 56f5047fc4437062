#!/usr/bin/env bash
# Webhook intake and relay benchmark: webhook ack latency (p50/p99) and relay throughput
# (events/s), median of several runs, with GET /actuator/health as the baseline measured in the
# same run. Starts its own Redis (Debian redis-server, loopback, free port), a controller jar and
# a local receiver; rewrites the "webhook" section of BENCHMARKS.md.
#
# Usage: bench/webhook.sh [--runs N] [--events N] [--backlog N] [--no-build] [--no-write]
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

# shellcheck source=../scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
# shellcheck source=lib/bench.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/bench.sh"

ROOT=$(repo_root)
RUNS=3
EVENTS=3000
BACKLOG=3000
BUILD=1
WRITE=1
WORK=""
REDIS_PID=""
CONTROLLER_PID=""
LOAD_AT_START=""

usage() {
	sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
}

# stop_started: stops exactly the processes this script started, by their ids.
stop_started() {
	local pid
	for pid in "$CONTROLLER_PID" "$REDIS_PID"; do
		if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	CONTROLLER_PID=""
	REDIS_PID=""
	if [[ -n "$WORK" && -d "$WORK" ]]; then
		rm -rf "$WORK"
	fi
}

parse_args() {
	while (($# > 0)); do
		case "$1" in
		--runs) RUNS=$2; shift 2 ;;
		--events) EVENTS=$2; shift 2 ;;
		--backlog) BACKLOG=$2; shift 2 ;;
		--no-build) BUILD=0; shift ;;
		--no-write) WRITE=0; shift ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; die "unknown argument: $1" ;;
		esac
	done
	local n
	for n in "$RUNS" "$EVENTS" "$BACKLOG"; do
		[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--runs, --events and --backlog take a positive number, not: $n"
	done
}

require() {
	local tool
	for tool in java redis-server redis-cli curl python3; do
		command -v "$tool" >/dev/null || die "$tool is required (apt-get install redis-server curl python3 openjdk-17-jdk-headless)"
	done
}

build_jar() {
	if ((BUILD)); then
		log "building the controller jar"
		(cd "$ROOT" && ./mvnw -B -ntp -q -pl controller package -DskipTests)
	fi
	[[ -f "$ROOT/controller/target/ov2-ha-controller.jar" ]] || die "no controller jar; run without --no-build"
}

start_redis() {
	REDIS_PORT=$(free_port)
	mkdir -p "$WORK/redis"
	# the same durability as a production Redis: append-only file, fsync every second
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --appendonly yes \
		--appendfsync everysec --save "" >"$WORK/redis.log" 2>&1 &
	REDIS_PID=$!
	wait_for 20 "redis-server" redis-cli -p "$REDIS_PORT" ping
}

start_controller() {
	CONTROLLER_PORT=$(free_port)
	RECEIVER_PORT=$(free_port)
	TOKEN="bench-token-$(date +%s%N)"
	image_jvm_env
	# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
	HA_PROFILE=production HA_REDIS_URL="redis://127.0.0.1:${REDIS_PORT}" \
		HA_CONTROLLER_PORT="$CONTROLLER_PORT" HA_CONTROLLER_BIND_ADDRESS=127.0.0.1 \
		HA_DATA_DIR="$WORK/data" HA_RECORDINGS_PATH="$WORK/recordings" \
		HA_RECORDER_PASSWORD="bench-recorder-$RANDOM$RANDOM" HA_ADMIN_PASSWORD="bench-admin-$RANDOM$RANDOM" \
		HA_WEBHOOK_TOKEN="$TOKEN" HA_WEBHOOK_RELAY_URL="http://127.0.0.1:${RECEIVER_PORT}/hook" HA_FAILOVER_ENABLED=false \
		HA_WEBHOOK_RELAY_READ_TIMEOUT=120s \
		java $JAVA_OPTS -jar "$ROOT/controller/target/ov2-ha-controller.jar" >"$WORK/controller.log" 2>&1 &
	CONTROLLER_PID=$!
	if ! wait_for 120 "the controller" curl -fsS "http://127.0.0.1:${CONTROLLER_PORT}/actuator/health"; then
		tail -n 40 "$WORK/controller.log" >&2
		die "the controller did not start"
	fi
}

main() {
	parse_args "$@"
	require
	WORK=$(mktemp -d)
	trap stop_started EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	build_jar
	start_redis
	start_controller
	LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
	log "measuring: ${RUNS} runs of ${EVENTS} webhooks + ${EVENTS} health requests, relay backlog ${BACKLOG}"
	java "$ROOT/bench/WebhookBench.java" --controller "http://127.0.0.1:${CONTROLLER_PORT}" \
		--receiver-port "$RECEIVER_PORT" --token "$TOKEN" --events "$EVENTS" --backlog "$BACKLOG" \
		--runs "$RUNS" --warmup "$EVENTS" >"$WORK/table.md"
	if grep -q 'event=api.internal_error' "$WORK/controller.log"; then
		die "the controller logged internal errors during the benchmark"
	fi
	{
		printf 'Measured %s by bench/webhook.sh on %s; load average %s at the start (%s).\n\n' \
			"$(date -u +%Y-%m-%d)" "$(machine_line), $(redis-server --version | awk '{print $1, $2, $3}')" "$LOAD_AT_START" "the machine is shared: p99 moves with its load"
		printf 'Method: one controller jar (production profile, JVM settings of the image: %s, MALLOC_ARENA_MAX=%s)\n' "$JAVA_OPTS" "$MALLOC_ARENA_MAX"
		printf 'on loopback with its own\n'
		printf 'redis-server (append-only file, fsync every second) and a local receiver as HA_WEBHOOK_RELAY_URL.\n'
		printf 'Ack: %s webhooks per run posted one at a time, as OpenVidu sends them (30%% recordingStatusChanged\n' "$EVENTS"
		printf 'started/stopped/ready of new recordings, which drive the state machine; 70%% participant/webrtc\n'
		printf 'events), while the relay delivers them; latency from request to 200. Baseline: as many\n'
		printf 'GET /actuator/health (unauthenticated, pings Redis) with the same client in the same run.\n'
		printf 'Relay: the receiver holds the first delivery until %s events are stored, then releases it;\n' "$BACKLOG"
		printf 'events/s until the last one is delivered (in order, one at a time, each committed in Redis).\n'
		printf 'A warm-up of %s webhooks and health requests precedes the %s runs.\n\n' "$EVENTS" "$RUNS"
		grep -v '^MEDIANS' "$WORK/table.md"
	} >"$WORK/section.md"
	cat "$WORK/section.md"
	if ((WRITE)); then
		write_section webhook "$WORK/section.md"
		log "BENCHMARKS.md: webhook section rewritten"
	fi
}

main "$@"
