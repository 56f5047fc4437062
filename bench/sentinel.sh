#!/usr/bin/env bash
# Measures what a Redis Sentinel failover costs the controller, and rewrites the "sentinel"
# section of BENCHMARKS.md (between <!-- BEGIN sentinel --> and <!-- END sentinel -->).
#
# Debian's redis-server as a primary, a replica and three Sentinels (down-after-milliseconds
# 1000, failover-timeout 5000) on loopback; the controller jar (production profile, failover
# off) connected through the Sentinels with HA_REDIS_REPLICA_ACKS=1. A trial: kill -9 of the
# current primary, then recorder heartbeats (PUT) one after the other:
#   promoted     kill -> the first Sentinel logs the promotion (+switch-master, its own clock)
#   write pause  kill -> the first heartbeat the controller stores again
# and the recording registered before the first trial is still there. The killed server is
# started again (the Sentinels make it a replica of the new primary) before the next trial.
# Every trial runs on the quiet machine, then with a busy loop on one core ("hog" rows).
# Usage: bench/sentinel.sh [--no-write]
# Environment: TRIALS (5).
# Needs: redis-server, redis-cli, java 17, curl, jq, python3. Builds the controller jar when
# missing.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=../scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=lib/bench.sh
source "$BENCH_DIR/lib/bench.sh"

TRIALS=${TRIALS:-5}
MASTER=ov2ha-bench
WORK=''
PORT=''
CONTROLLER_PID=''
RECORDER_PASSWORD=''
ID=ses_sentinelbench$$
SENTINEL_PORTS=()
declare -A SERVER_PIDS=()
declare -A RESULTS=()

cleanup() {
	local pid
	stop_hog
	[[ -z $CONTROLLER_PID ]] || { kill "$CONTROLLER_PID" 2>/dev/null || true; wait "$CONTROLLER_PID" 2>/dev/null || true; }
	for pid in "${SERVER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[[ -z $WORK ]] || rm -rf "$WORK"
}

on_signal() {
	log "interrupted"
	exit 130
}

# server PORT [PRIMARY_PORT]: a Redis server on PORT (a replica of PRIMARY_PORT when given).
server() {
	local port=$1 primary=${2:-}
	# a folder of its own: a replica's full sync writes dump.rdb there
	mkdir -p "$WORK/redis-$port"
	local args=(--bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$WORK/redis-$port")
	[[ -z $primary ]] || args+=(--replicaof 127.0.0.1 "$primary")
	redis-server "${args[@]}" >>"$WORK/redis-$port.log" 2>&1 &
	SERVER_PIDS[$port]=$!
	wait_for 10 "redis ${port}" redis-cli -p "$port" ping
}

# sentinel PORT PRIMARY_PORT: a Sentinel watching the primary.
sentinel() {
	local port=$1 primary=$2 conf="$WORK/sentinel-$1.conf"
	printf '%s\n' "port ${port}" "bind 127.0.0.1" "dir ${WORK}" \
		"sentinel monitor ${MASTER} 127.0.0.1 ${primary} 2" \
		"sentinel down-after-milliseconds ${MASTER} 1000" \
		"sentinel failover-timeout ${MASTER} 5000" >"$conf"
	redis-server "$conf" --sentinel >>"$WORK/sentinel-$port.log" 2>&1 &
	SERVER_PIDS[$port]=$!
	SENTINEL_PORTS+=("$port")
	wait_for 10 "sentinel ${port}" redis-cli -p "$port" ping
}

# primary_port: the port a Sentinel names as the primary (empty when none answers).
primary_port() {
	{ redis-cli -p "${SENTINEL_PORTS[0]}" SENTINEL get-master-addr-by-name "$MASTER" 2>/dev/null || true; } | sed -n 2p
}

# sentinels_ready: every Sentinel knows a replica of the primary and the two other Sentinels.
sentinels_ready() {
	local port info
	for port in "${SENTINEL_PORTS[@]}"; do
		info=$(redis-cli -p "$port" SENTINEL master "$MASTER" 2>/dev/null | paste -sd' ' -)
		[[ $info =~ num-slaves\ ([0-9]+) ]] && ((BASH_REMATCH[1] >= 1)) || return 1
		[[ $info =~ num-other-sentinels\ ([0-9]+) ]] && ((BASH_REMATCH[1] >= 2)) || return 1
	done
}

replicating() {
	redis-cli -p "$1" INFO replication 2>/dev/null | grep -q 'master_link_status:up'
}

heartbeat() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 2 -u "recorder:${RECORDER_PASSWORD}" -X PUT \
		-H 'Content-Type: application/json' -d '{"epoch":0,"lastChunkSeq":null,"uploadBacklog":0,"freeDiskBytes":1000000000}' \
		"http://127.0.0.1:${PORT}/api/recordings/${ID}/heartbeat"
}

start_stack() {
	local jar=$ROOT/controller/target/ov2-ha-controller.jar primary replica i nodes=''
	if [[ ! -f $jar ]]; then
		log "building the controller jar"
		(cd "$ROOT" && ./mvnw -B -ntp -q -pl controller -DskipTests package)
	fi
	primary=$(free_port)
	replica=$(free_port)
	server "$primary"
	server "$replica" "$primary"
	wait_for 30 "replica linked" replicating "$replica"
	for i in 1 2 3; do
		sentinel "$(free_port)" "$primary"
		nodes+="${nodes:+,}127.0.0.1:${SENTINEL_PORTS[-1]}"
	done
	wait_for 60 "the Sentinels know the replica and each other" sentinels_ready
	mkdir -p "$WORK/recordings" "$WORK/data"
	image_jvm_env
	# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
	HA_PROFILE=production HA_CONTROLLER_PORT=$PORT HA_CONTROLLER_BIND_ADDRESS=127.0.0.1 \
		HA_REDIS_URL=redis://named-by-sentinels/0 HA_REDIS_SENTINELS=$nodes HA_REDIS_SENTINEL_MASTER=$MASTER \
		HA_REDIS_REPLICA_ACKS=1 HA_FAILOVER_ENABLED=false HA_DATA_DIR=$WORK/data \
		HA_RECORDINGS_PATH=$WORK/recordings HA_RECORDER_PASSWORD=$RECORDER_PASSWORD \
		HA_ADMIN_PASSWORD="$(bench_password)" HA_WEBHOOK_TOKEN="$(bench_password)" HA_RECORDER_URL_HOSTS=ov.example.com \
		HA_RECORDING_STORAGE=local java $JAVA_OPTS -jar "$jar" >"$WORK/controller.log" 2>&1 &
	CONTROLLER_PID=$!
	wait_for 120 "controller" curl -sf "http://127.0.0.1:${PORT}/actuator/health/liveness"
	register
}

register() {
	local created body answer
	created=$(now_ms)
	body=$(jq -cn --arg id "$ID" --argjson c "$created" '{recordingId:$id, epoch:0, containerId:"bbbb", host:"bench",
		recordingJson:{id:$id, object:"recording", name:$id, outputMode:"COMPOSED", resolution:"320x180",
			frameRate:10, recordingLayout:"BEST_FIT", sessionId:$id, uniqueSessionId:"\($id)_\($c)", createdAt:$c,
			size:0, duration:0.0, url:null, hasAudio:true, hasVideo:true, status:"started"},
		env:{DEBUG_MODE:"false", CONTAINER_WORKING_MODE:"COMPOSED",
			URL:"https://OPENVIDUAPP:bench@ov.example.com/dashboard/#/layout-best-fit/\($id)/bench/443/false",
			ONLY_VIDEO:"false", RESOLUTION:"320x180", FRAMERATE:"10", VIDEO_ID:$id, VIDEO_NAME:$id,
			VIDEO_FORMAT:"mp4", RECORDING_JSON:"{\"id\":\"\($id)\"}"}}')
	answer=$(curl -s -w '\n%{http_code}' -u "recorder:${RECORDER_PASSWORD}" -H 'Content-Type: application/json' \
		-d "$body" "http://127.0.0.1:${PORT}/api/recordings")
	[[ ${answer##*$'\n'} == 201 ]] || die "cannot register ${ID}: ${answer}"
}

# switches: how many times the first Sentinel has logged a promotion (+switch-master).
switches() {
	grep -c '+switch-master' "$WORK/sentinel-${SENTINEL_PORTS[0]}.log" || true
}

# promotion_logged COUNT: the first Sentinel has logged more promotions than COUNT.
promotion_logged() {
	(($(switches) > $1))
}

# switched_at: when the first Sentinel logged its last promotion, ms since the epoch (its log
# line: "<pid>:X 04 Dec 2026 08:00:00.123 # +switch-master ...", local time).
switched_at() {
	local line
	line=$(grep '+switch-master' "$WORK/sentinel-${SENTINEL_PORTS[0]}.log" | tail -n 1)
	date -d "$(awk '{ print $2, $3, $4, $5 }' <<<"$line")" +%s%3N
}

# trial N LOAD: one Sentinel failover; RESULTS[LOAD:promoted|pause] gain one value (ms).
trial() {
	local n=$1 load=$2 old t0 before written='' promoted
	old=$(primary_port)
	[[ -n $old ]] || die "no Sentinel names a primary"
	[[ $(heartbeat) == 200 ]] || die "the controller does not store heartbeats before trial ${n}"
	before=$(switches)
	t0=$(now_ms)
	kill -KILL "${SERVER_PIDS[$old]}"
	wait "${SERVER_PIDS[$old]}" 2>/dev/null || true
	# heartbeats one after the other: one Redis cannot take answers after the controller's
	# command timeout (2 s) at most, one queued while Lettuce reconnects as soon as it is stored
	while [[ -z $written ]]; do
		(($(now_ms) - t0 < 120000)) || die "trial ${n}: the controller stores no heartbeat 120 s after the kill"
		[[ $(heartbeat) != 200 ]] || written=$(($(now_ms) - t0))
	done
	wait_for 30 "the Sentinel's promotion" promotion_logged "$before"
	promoted=$(($(switched_at) - t0))
	RESULTS[$load:promoted]+=" $promoted"
	RESULTS[$load:pause]+=" $written"
	log "trial ${n} (${load}): promoted after ${promoted} ms, heartbeats stored again after ${written} ms"
	# a heartbeat of a recording the new primary does not have is 404
	[[ $(heartbeat) == 200 ]] || die "trial ${n}: the recording registered before the failovers is gone"
	# the killed server comes back; the Sentinels make it a replica of the new primary
	server "$old"
	wait_for 60 "the old primary as a replica" replicating "$old"
}

row() {
	local load=$1 what=$2 values
	read -r -a values <<<"${RESULTS[$load:$what]}"
	printf '%s ms (range %s, n=%s)' "$(median "${values[@]}")" "$(range "${values[@]}")" "${#values[@]}"
}

report() {
	local file="$WORK/section.md"
	{
		echo "Script: \`bench/sentinel.sh\` (run $(date -u +%Y-%m-%d), ${TRIALS} trials per load)."
		echo "Machine: $(machine_line), $(redis-server --version | cut -d' ' -f1-3)."
		echo
		echo "Method: a primary, a replica and three Sentinels (Debian's redis-server; down-after-milliseconds"
		echo "1000, failover-timeout 5000, quorum 2) on loopback; the controller jar (production profile,"
		echo "failover off, \`HA_REDIS_REPLICA_ACKS=1\`) connected through the Sentinels. A trial: \`kill -9\` of"
		echo "the primary, then recorder heartbeats one after the other until one is stored (promoted: the"
		echo "time of the first Sentinel's +switch-master log line); the killed server rejoins as a replica"
		echo "before the next trial. Every trial checks that the recording"
		echo "registered before the first failover is still there. \"hog\": a busy loop on one of the 2 cores."
		echo
		echo '| Figure (median, range, n) | quiet | hog |'
		echo '|---|---|---|'
		echo "| kill -> the Sentinels promote the replica | $(row quiet promoted) | $(row hog promoted) |"
		echo "| kill -> the controller stores heartbeats again (write pause) | $(row quiet pause) | $(row hog pause) |"
	} >"$file"
	publish_section sentinel "$file" "$@"
}

main() {
	trap cleanup EXIT
	trap on_signal INT TERM
	WORK=$(mktemp -d /tmp/ov2ha-bench-sentinel.XXXXXX)
	PORT=$(free_port)
	RECORDER_PASSWORD=$(bench_password)
	start_stack
	local load n
	for load in quiet hog; do
		[[ $load != hog ]] || start_hog
		for ((n = 1; n <= TRIALS; n++)); do trial "$n" "$load"; done
	done
	stop_hog
	report "$@"
}

main "$@"
