#!/usr/bin/env bash
# Measures failover with the controller and the test recorder image, and rewrites the
# "Failover" section of BENCHMARKS.md (between <!-- BEGIN failover --> and <!-- END failover -->).
#
#   kill      docker kill -s KILL of the recording's recorder -> detection (history detectedAt),
#             -> backup container started (backupStartedAt), -> backup capturing (its first
#             chunk file exists), -> backup's first complete chunk reported (firstChunkAt)
#   hang      SIGSTOP of every process of the recorder -> the same four times
#   stall     SIGSTOP of ffmpeg alone (the recorder's heartbeats go on, showing no progress)
#   baseline  the same image started directly with docker run -> capturing, -> first complete
#             chunk (the floor of the last two kill columns)
#
# Every kind runs twice in one run: on the quiet machine, then with a busy loop on one core
# (a loaded host). Settings as shipped (heartbeat 1 s x 5, stall timeout 2 s, reconcile 500 ms)
# except 2 s chunks.
# Usage: bench/failover.sh [--no-write]
# Environment: TRIALS (5), CHUNK_SECONDS (2).
# Needs: root or docker access, docker, redis-server, java 17, curl, jq, python3. Builds the
# controller jar and the test recorder image when missing (no registry: the base image comes
# from scripts/build-base-image.sh). Removes the containers and the site image it created;
# keeps ov2ha-test-recorder:bench as a build cache (layers shared with the tests' image).
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=../scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=lib/bench.sh
source "$BENCH_DIR/lib/bench.sh"

TRIALS=${TRIALS:-5}
CHUNK_SECONDS=${CHUNK_SECONDS:-2}
RUN=bench$$
WORK=''
REDIS_PID=''
CONTROLLER_PID=''
PORT=''
SITE=''
ADMIN_PASSWORD=''
RECORDER_PASSWORD=''
IDS=()
declare -A RESULTS=()

# seconds MS: milliseconds as seconds with 2 decimals.
seconds() {
	awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'
}

cleanup() {
	local id c
	stop_hog
	for id in "${IDS[@]}"; do
		for c in $(docker ps -aq --filter "label=io.ov2ha.recording-id=${id}" --filter label=io.ov2ha.managed=true); do
			docker rm -f "$c" >/dev/null 2>&1 || true
		done
	done
	for c in $(docker ps -aq --filter "label=ov2ha.bench=${RUN}"); do
		docker rm -f "$c" >/dev/null 2>&1 || true
	done
	[[ -z $CONTROLLER_PID ]] || { kill "$CONTROLLER_PID" 2>/dev/null || true; wait "$CONTROLLER_PID" 2>/dev/null || true; }
	[[ -z $REDIS_PID ]] || { kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; }
	[[ -z $SITE ]] || docker rmi "$SITE" >/dev/null 2>&1 || true
	[[ -z $WORK ]] || rm -rf "$WORK"
}

on_signal() {
	log "interrupted"
	exit 130
}

# api METHOD PATH: the admin API's answer body.
api() {
	curl -sS --max-time 10 -u "admin:${ADMIN_PASSWORD}" -H "X-Requested-By: ov2-ha-recorder" -X "$1" "http://127.0.0.1:${PORT}$2"
}

build_images() {
	local image
	image=ov2ha-test-recorder:bench
	if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
		"$ROOT/scripts/build-base-image.sh"
	fi
	log "building ${image} (cached when unchanged)"
	docker build -q --network host -t "$image" "$ROOT/controller/src/test/docker/test-recorder" >/dev/null
	mkdir -p "$WORK/site"
	printf '%s\n' "HA_CONTROLLER_URL=http://127.0.0.1:${PORT}" "HA_RECORDER_USERNAME=recorder" \
		"HA_RECORDER_PASSWORD=${RECORDER_PASSWORD}" "HA_RECORDING_STORAGE=local" \
		"HA_CHUNK_DURATION=${CHUNK_SECONDS}" "HA_HEARTBEAT_INTERVAL=1" >"$WORK/site/recorder.env"
	printf '%s\n' "FROM ${image}" "COPY recorder.env /etc/ov2-ha-recorder/recorder.env" \
		"LABEL ov2ha.bench=${RUN}" >"$WORK/site/Dockerfile"
	SITE=ov2ha-bench-site:${RUN}
	docker build -q --network host -t "$SITE" "$WORK/site" >/dev/null
	rm -f "$WORK/site/recorder.env"
}

start_stack() {
	local redis_port jar=$ROOT/controller/target/ov2-ha-controller.jar
	if [[ ! -f $jar ]]; then
		log "building the controller jar"
		(cd "$ROOT" && ./mvnw -B -ntp -q -pl controller -DskipTests package)
	fi
	redis_port=$(free_port)
	redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
	REDIS_PID=$!
	wait_for 10 redis redis-cli -p "$redis_port" ping
	mkdir -p "$WORK/recordings" "$WORK/data"
	image_jvm_env
	# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
	HA_PROFILE=production HA_CONTROLLER_PORT=$PORT HA_CONTROLLER_BIND_ADDRESS=127.0.0.1 \
		HA_REDIS_URL=redis://127.0.0.1:${redis_port} HA_DATA_DIR=$WORK/data \
		HA_RECORDINGS_PATH=$WORK/recordings HA_RECORDER_PASSWORD=$RECORDER_PASSWORD \
		HA_ADMIN_PASSWORD=$ADMIN_PASSWORD HA_RECORDER_IMAGE=$SITE HA_CHUNK_DURATION=${CHUNK_SECONDS}s \
		HA_WEBHOOK_TOKEN="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')" \
		HA_RECORDER_URL_HOSTS=ov.example.com \
		HA_RECORDING_STORAGE=local java $JAVA_OPTS -jar "$jar" >"$WORK/controller.log" 2>&1 &
	CONTROLLER_PID=$!
	wait_for 120 "controller health" curl -sf -u "admin:${ADMIN_PASSWORD}" \
		"http://127.0.0.1:${PORT}/actuator/health/failover"
	# the controller judges nothing during one heartbeat timeout after its start
	sleep 5
}

# start_primary ID: a recorder started as OpenVidu starts it; prints its container id.
start_primary() {
	local id=$1 created rj
	created=$(now_ms)
	rj=$(jq -cn --arg id "$id" --argjson c "$created" '{id:$id, object:"recording", name:$id,
		outputMode:"COMPOSED", resolution:"320x180", frameRate:10, recordingLayout:"BEST_FIT", sessionId:$id,
		createdAt:$c, size:0, duration:0.0, url:null, hasAudio:true, hasVideo:true, status:"started"}')
	docker run -d --name "recording_${id}" --network host --shm-size 64m -v "$WORK/recordings:/recordings" \
		--label "ov2ha.bench=${RUN}" -e DEBUG_MODE=false -e CONTAINER_WORKING_MODE=COMPOSED \
		-e "URL=https://OPENVIDUAPP:bench@ov.example.com/dashboard/#/layout-best-fit/${id}/bench/443/false" \
		-e ONLY_VIDEO=false -e RESOLUTION=320x180 -e FRAMERATE=10 -e "VIDEO_ID=${id}" -e "VIDEO_NAME=${id}" \
		-e VIDEO_FORMAT=mp4 -e "RECORDING_JSON=${rj}" "$SITE"
}

last_seq() {
	api GET "/api/recordings/$1" | jq -r '.chunks.lastSeq // -1'
}

# has_chunks ID: true once the recording has 2 complete chunks.
has_chunks() {
	(($(last_seq "$1") >= 1))
}

# await_failover ID: waits for the backup's first chunk; prints "detected started first" (ms).
await_failover() {
	local id=$1 entry deadline=$((SECONDS + 60))
	while ((SECONDS < deadline)); do
		entry=$(api GET "/api/recordings/${id}/failovers" | jq -c '.failovers[0] // empty')
		if [[ -n $entry ]] && [[ $(jq -r '.firstChunkAt // empty' <<<"$entry") != "" ]]; then
			jq -r '[.detectedAt, .backupStartedAt, .firstChunkAt, .startChunk, .toEpoch, .reason] | @tsv' <<<"$entry"
			return 0
		fi
		sleep 0.2
	done
	die "no failover of ${id} within 60 s; see ${WORK}/controller.log"
}

# capture_time FILE DEADLINE_S: the time (ms) the file first exists, polled every 20 ms.
capture_time() {
	local file=$1 deadline=$((SECONDS + $2))
	while ((SECONDS < deadline)); do
		[[ -e $file ]] && { now_ms; return 0; }
		sleep 0.02
	done
	echo 0
}

# iso_ms ISO_TIME: milliseconds since the epoch.
iso_ms() {
	date -u -d "$1" +%s%3N
}

# trial KIND N [LOAD]: one failover trial; records detection/start/capture/first chunk in
# RESULTS under KIND (KIND-hog with LOAD=hog).
trial() {
	local kind=$1 n=$2 load=${3:-quiet} id c t0 detected started first start_chunk epoch reason capture_file captured result key
	key=$kind
	[[ $load == hog ]] && key=$kind-hog
	id=${RUN}${kind}${load:0:1}${n}
	IDS+=("$id")
	c=$(start_primary "$id")
	wait_for 60 "2 chunks of ${id}" has_chunks "$id"
	captured=$(watch_capture "$id")
	t0=$(now_ms)
	if [[ $kind == kill ]]; then
		docker kill -s KILL "$c" >/dev/null
	elif [[ $kind == stall ]]; then
		docker exec "$c" pkill -STOP -x ffmpeg
	else
		# every process but PID 1, then PID 1 from outside: Docker still reports it running
		docker exec "$c" bash -c 'kill -STOP -1' || true
		docker kill -s STOP "$c" >/dev/null
	fi
	result=$(await_failover "$id")
	read -r detected started first start_chunk epoch reason <<<"$result"
	capture_file=$WORK/recordings/${id}/chunks/$(printf '%06d-e%d.ts' "$start_chunk" "$epoch")
	[[ -e $capture_file ]] || die "no backup chunk ${capture_file}"
	captured=$(wait_capture_result "$captured")
	RESULTS[$key.detect]+=" $(($(iso_ms "$detected") - t0))"
	RESULTS[$key.start]+=" $(($(iso_ms "$started") - t0))"
	RESULTS[$key.capture]+=" $((captured - t0))"
	RESULTS[$key.first]+=" $(($(iso_ms "$first") - t0))"
	RESULTS[$key.reason]+=" ${reason}"
	log "trial ${key} ${n}: reason=${reason} detect=$(($(iso_ms "$detected") - t0)) start=$(($(iso_ms "$started") - t0)) capture=$((captured - t0)) first=$(($(iso_ms "$first") - t0)) ms"
	api POST "/api/recordings/${id}/stop" >/dev/null
	sleep 1
	api DELETE "/api/recordings/${id}?force=true" >/dev/null || true
	docker rm -f "$c" >/dev/null 2>&1 || true
	for c in $(docker ps -aq --filter "label=io.ov2ha.recording-id=${id}" --filter label=io.ov2ha.managed=true); do
		docker rm -f "$c" >/dev/null 2>&1 || true
	done
}

# watch_capture ID: in the background, records when a chunk of epoch 1 first exists; prints its result file.
watch_capture() {
	local id=$1 out
	out=$(mktemp "$WORK/capture.XXXXXX")
	(
		deadline=$((SECONDS + 60))
		while ((SECONDS < deadline)); do
			if compgen -G "$WORK/recordings/${id}/chunks/*-e1.ts" >/dev/null; then
				now_ms >"$out.done"
				exit 0
			fi
			sleep 0.02
		done
	) >/dev/null 2>&1 &
	printf '%s' "$out"
}

wait_capture_result() {
	local out=$1 deadline=$((SECONDS + 60))
	while [[ ! -s $out.done ]] && ((SECONDS < deadline)); do sleep 0.05; done
	cat "$out.done"
}

# baseline N: docker run of the recorder image -> capturing, -> first complete chunk (no controller involved).
baseline() {
	local n=$1 id c t0 captured first deadline
	id=${RUN}base${n}
	IDS+=("$id")
	t0=$(now_ms)
	c=$(docker run -d --network host -v "$WORK/recordings:/recordings" --label "ov2ha.bench=${RUN}" \
		-e "VIDEO_ID=${id}" -e "RECORDING_JSON={\"id\":\"${id}\",\"createdAt\":1}" -e HA_EPOCH=1 \
		-e HA_START_CHUNK=0 -e HA_CONTROLLER_URL=http://127.0.0.1:9 -e "HA_CHUNK_DURATION=${CHUNK_SECONDS}" \
		"$SITE")
	captured=$(capture_time "$WORK/recordings/${id}/chunks/000000-e1.ts" 30)
	first=0
	deadline=$((SECONDS + 30))
	while ((SECONDS < deadline)); do
		if [[ -s $WORK/recordings/${id}/chunks/segments-e1.csv ]]; then
			first=$(now_ms)
			break
		fi
		sleep 0.02
	done
	docker rm -f "$c" >/dev/null
	RESULTS[base.capture]+=" $((captured - t0))"
	RESULTS[base.first]+=" $((first - t0))"
}

row() {
	local label=$1 kind=$2 col values out
	out="| ${label} |"
	for col in detect start capture first; do
		# shellcheck disable=SC2206
		values=(${RESULTS[$kind.$col]:-})
		if ((${#values[@]} == 0)); then
			out+=" - |"
		else
			out+=" $(seconds "$(median "${values[@]}")") s ($(range "${values[@]}") ms) |"
		fi
	done
	printf '%s\n' "$out"
}

# write_figures [--no-write]: the failover section (printed instead of written with --no-write).
write_figures() {
	local file=$WORK/section.md
	{
		echo "Script: \`bench/failover.sh\`, ${TRIALS} trials per kind, run $(date -u +%Y-%m-%d)."
		echo "Machine: $(machine_line), Docker $(docker version -f '{{.Server.Version}}')."
		echo
		echo "Method: one controller (production profile, the image's JVM settings, Redis, default failover settings: heartbeat 1 s x 5,"
		echo "stall timeout 2 s, reconcile every 500 ms) and the test recorder image (bash + ffmpeg lavfi, phase and"
		echo "progress in its heartbeats, ${CHUNK_SECONDS} s MPEG-TS chunks, local storage) started as OpenVidu starts its recorder."
		echo "Each trial waits for 2 chunks, then kills the recorder (\`docker kill -s KILL\`), hangs it (SIGSTOP to every"
		echo "process; Docker still reports it running) or stalls its ffmpeg alone (SIGSTOP to ffmpeg; the heartbeats go on)."
		echo "Every kind runs on the quiet machine, then again with a busy loop on one of the 2 cores (\"hog\" rows)."
		echo "Times are from the kill/hang/stall: detection and"
		echo "backup start from the failover history, capturing = the backup's first chunk file exists"
		echo "(polled every 20 ms), first chunk = the backup's first complete chunk reported to the"
		echo "controller. Baseline: the same image started with \`docker run\` directly, no controller."
		echo
		echo "| Failure | detected | backup container started | backup capturing | backup's first complete chunk |"
		echo "|---|---|---|---|---|"
		row "kill -9, quiet (median, range)" kill
		row "kill -9, hog (median, range)" kill-hog
		row "hang, SIGSTOP, quiet (median, range)" hang
		row "hang, SIGSTOP, hog (median, range)" hang-hog
		row "ffmpeg stall, quiet (median, range)" stall
		row "ffmpeg stall, hog (median, range)" stall-hog
		row "baseline: docker run (median, range)" base
		echo
		echo "Reasons seen: kill:${RESULTS[kill.reason]:-}; hang:${RESULTS[hang.reason]:-}; stall:${RESULTS[stall.reason]:-};"
		echo "with the hog: kill:${RESULTS[kill-hog.reason]:-}; hang:${RESULTS[hang-hog.reason]:-}; stall:${RESULTS[stall-hog.reason]:-}."
		echo
		echo "Targets: death detected <= 1 s, backup capturing <= 3 s after death, stall detected <= 3 s."
		echo "A death is seen through Docker's die event; a hang through the silence of its heartbeats"
		echo "(1 s x 5 = 5 s after the last one, which precedes the hang by up to 1 s); a stall through"
		echo "heartbeats that show no media progress for 2 s (plus up to one heartbeat: a heartbeat must"
		echo "prove it). The first complete chunk follows capturing by about one chunk duration"
		echo "(${CHUNK_SECONDS} s here, 10 s by default)."
	} >"$file"
	publish_section failover "$file" "$@"
}

main() {
	trap cleanup EXIT
	trap on_signal INT TERM
	WORK=$(mktemp -d /tmp/ov2ha-bench-failover.XXXXXX)
	PORT=$(free_port)
	ADMIN_PASSWORD=$(bench_password)
	RECORDER_PASSWORD=$(bench_password)
	build_images
	start_stack
	local n
	for ((n = 1; n <= TRIALS; n++)); do baseline "$n"; done
	local load
	for load in quiet hog; do
		[[ $load != hog ]] || start_hog
		for ((n = 1; n <= TRIALS; n++)); do trial kill "$n" "$load"; done
		for ((n = 1; n <= TRIALS; n++)); do trial hang "$n" "$load"; done
		for ((n = 1; n <= TRIALS; n++)); do trial stall "$n" "$load"; done
	done
	stop_hog
	write_figures "${1:-}"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
