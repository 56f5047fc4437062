#!/usr/bin/env bash
# Heartbeat API benchmark: drives PUT /api/recordings/{id}/heartbeat for 1,000 registered
# recordings with wrk against the controller jar and a Debian redis-server on this machine,
# and writes req/s, p50/p99 latency and the controller's RSS into BENCHMARKS.md (section
# "heartbeat"). Baseline in the same invocation: GET /actuator/health/liveness (no Redis, no
# authentication) with the same connections and duration. The main figures use 16 connections
# (wrk is a closed loop: more connections only queue on the 2 cores); a 64-connection run shows
# the saturation.
#
# Usage: bench/heartbeat.sh   (RUNS=3 DURATION=20 CONNECTIONS=16 SATURATION_CONNECTIONS=64 IDS=1000 THREADS=2)
#        JAVA_OPTS="..." bench/heartbeat.sh   (default: the compose stack's HA_JAVA_OPTS;
#        MALLOC_ARENA_MAX defaults to 2, as in the controller image)
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail
# shellcheck source=../scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
# shellcheck source=lib/bench.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/bench.sh"

RUNS=${RUNS:-3}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-16}
SATURATION_CONNECTIONS=${SATURATION_CONNECTIONS:-64}
THREADS=${THREADS:-2}
IDS=${IDS:-1000}
image_jvm_env
ROOT=$(repo_root)
JAR="$ROOT/controller/target/ov2-ha-controller.jar"
WORK=""
REDIS_PID=""
CONTROLLER_PID=""

cleanup() {
	local rc=$?
	stop_pid "$CONTROLLER_PID"
	stop_pid "$REDIS_PID"
	[[ -n "$WORK" ]] && rm -rf "$WORK"
	exit "$rc"
}

start_services() {
	WORK=$(mktemp -d /tmp/ov2ha-bench-hb.XXXXXX)
	local redis_port
	redis_port=$(free_port)
	redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
		>"$WORK/redis.log" 2>&1 &
	REDIS_PID=$!
	wait_for 10 "redis" redis-cli -p "$redis_port" ping
	PORT=$(free_port)
	PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
	# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
	HA_PROFILE=production HA_CONTROLLER_PORT=$PORT HA_CONTROLLER_BIND_ADDRESS=127.0.0.1 \
		HA_REDIS_URL="redis://127.0.0.1:${redis_port}" HA_DATA_DIR="$WORK/data" \
		HA_RECORDER_USERNAME=recorder HA_RECORDER_PASSWORD="$PASSWORD" \
		HA_ADMIN_USERNAME=admin HA_ADMIN_PASSWORD="${PASSWORD}-admin" HA_WEBHOOK_TOKEN="${PASSWORD}-token" \
		HA_FAILOVER_ENABLED=false \
		java $JAVA_OPTS -jar "$JAR" >"$WORK/controller.log" 2>&1 &
	CONTROLLER_PID=$!
	wait_for 90 "controller" curl -fsS "http://127.0.0.1:${PORT}/actuator/health/liveness" ||
		{ tail -n 30 "$WORK/controller.log" >&2; die "controller did not start"; }
	AUTH=$(printf 'recorder:%s' "$PASSWORD" | base64 -w0)
}

register_recordings() {
	PORT=$PORT AUTH=$AUTH IDS=$IDS python3 - <<'PY'
import http.client, json, os
conn = http.client.HTTPConnection("127.0.0.1", int(os.environ["PORT"]))
headers = {"Authorization": "Basic " + os.environ["AUTH"], "Content-Type": "application/json"}
for i in range(int(os.environ["IDS"])):
    rid = "ses_bench%d" % i
    body = {"recordingId": rid, "epoch": 0, "containerId": "%064x" % (i + 1), "host": "bench",
            "recordingJson": {"id": rid, "name": rid, "sessionId": rid, "createdAt": 1700000000000 + i},
            "env": {"VIDEO_ID": rid, "RESOLUTION": "1280x720"}}
    conn.request("POST", "/api/recordings", json.dumps(body), headers)
    r = conn.getresponse(); r.read()
    if r.status not in (200, 201):
        raise SystemExit("registration failed: %d" % r.status)
PY
}

# run_wrk SCRIPT PATH: one wrk run; prints the RESULT line.
run_wrk() {
	BENCH_IDS=$IDS BENCH_PREFIX=ses_bench BENCH_AUTH=$AUTH \
		wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s -s "$ROOT/bench/$1" \
		"http://127.0.0.1:${PORT}$2" | grep '^RESULT'
}

field() {
	sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"
}

main() {
	command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
	command -v redis-server >/dev/null || die "redis-server is missing (apt-get install redis-server)"
	if [[ ! -f "$JAR" || "${BUILD:-0}" == 1 ]]; then
		log "building the controller jar"
		(cd "$ROOT" && ./mvnw -q -B -ntp -pl controller -DskipTests package)
	fi
	trap cleanup EXIT
	start_services
	register_recordings
	log "registered ${IDS} recordings; warming up"
	DURATION=30 run_wrk heartbeat.lua /api/recordings >/dev/null
	local hb_rps=() hb_p50=() hb_p99=() base_rps=() base_p50=() base_p99=() sat_rps=() sat_p50=() sat_p99=() errors=0 run line
	for ((run = 1; run <= RUNS; run++)); do
		line=$(run_wrk baseline.lua /actuator/health/liveness)
		base_rps+=("$(field rps "$line")") base_p50+=("$(field p50_ms "$line")") base_p99+=("$(field p99_ms "$line")")
		line=$(run_wrk heartbeat.lua /api/recordings)
		log "run ${run}: heartbeat ${line#RESULT }"
		hb_rps+=("$(field rps "$line")") hb_p50+=("$(field p50_ms "$line")") hb_p99+=("$(field p99_ms "$line")")
		errors=$((errors + $(field errors_status "$line") + $(field errors_other "$line")))
		line=$(CONNECTIONS=$SATURATION_CONNECTIONS run_wrk heartbeat.lua /api/recordings)
		sat_rps+=("$(field rps "$line")") sat_p50+=("$(field p50_ms "$line")") sat_p99+=("$(field p99_ms "$line")")
		errors=$((errors + $(field errors_status "$line") + $(field errors_other "$line")))
	done
	local rss hwm
	rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/${CONTROLLER_PID}/status")
	hwm=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/${CONTROLLER_PID}/status")
	local m_rps m_p50 m_p99 b_rps b_p50 b_p99 out
	m_rps=$(median "${hb_rps[@]}") m_p50=$(median "${hb_p50[@]}") m_p99=$(median "${hb_p99[@]}")
	b_rps=$(median "${base_rps[@]}") b_p50=$(median "${base_p50[@]}") b_p99=$(median "${base_p99[@]}")
	out="$WORK/section.md"
	cat >"$out" <<MD
Script: \`bench/heartbeat.sh\` (run $(date -u +%Y-%m-%d)). Machine: $(machine_line).

Method: controller jar (\`${JAVA_OPTS}\`, \`MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX}\` as in the image, production profile, HTTP Basic on every request,
failover detection off: this measures the API) and
Debian redis-server on loopback; ${IDS} recordings registered; wrk (${THREADS} threads,
${CONNECTIONS} connections, ${DURATION} s per run, after a 30 s warm-up) sends
\`PUT /api/recordings/{id}/heartbeat\` round-robin over the ${IDS} ids. Each run also measures
the baseline \`GET /actuator/health/liveness\` (no Redis, no authentication) with the same
settings. wrk runs on the same 2 cores. Medians of ${RUNS} runs.

| | requests/s | p50 ms | p99 ms |
|---|---:|---:|---:|
| heartbeat (authenticated, one Redis Lua call) | ${m_rps} | ${m_p50} | ${m_p99} |
| baseline: liveness (no auth, no Redis) | ${b_rps} | ${b_p50} | ${b_p99} |
| ratio heartbeat / baseline | $(awk -v a="$m_rps" -v b="$b_rps" 'BEGIN {printf "%.2f", a/b}') | | |
| saturation: heartbeat with ${SATURATION_CONNECTIONS} connections | $(median "${sat_rps[@]}") | $(median "${sat_p50[@]}") | $(median "${sat_p99[@]}") |

Per-run heartbeat requests/s: ${hb_rps[*]}. Non-2xx or socket errors: ${errors}.
Controller RSS after the runs: ${rss} MiB (peak ${hwm} MiB).
Targets: ≥ 3,000 heartbeats/s, p99 ≤ 25 ms, RSS ≤ 400 MB.
MD
	write_section heartbeat "$out"
	cat "$out"
}

main "$@"
