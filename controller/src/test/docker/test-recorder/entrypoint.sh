#!/usr/bin/env bash
# Test recorder for the controller's Docker tests and the failover benchmark. It talks to the
# controller exactly as docs/recorder-protocol.md says (register at epoch 0, heartbeats, chunk
# reports in local storage mode, exit on a fencing 409) and writes real MPEG-TS chunks
# <seq:06d>-e<epoch>.ts with a segment list, like the real recorder, but from ffmpeg's lavfi
# test source instead of a browser. It stops on `echo 'q' > stop` (WORKDIR /) or SIGTERM.
#
# Settings: the container environment, then HA_RECORDER_ENV_FILE
# (default /etc/ov2-ha-recorder/recorder.env) for anything not set. Test knobs:
#   TEST_HIDE_CONTAINER_ID=1   register with an empty containerId
#   TEST_SKIP_FINALIZE=1       on stop, exit 0 without asking for finalization (a controller
#                              that was unreachable at that moment)
#   TEST_EXIT_AFTER_CHUNKS=N:C exit with code C once N chunks are complete (e.g. 78: bad settings)
#   TEST_START_DELAY=S         stay in phase "starting" (heartbeats, no capture) for S seconds,
#                              like a real recorder whose browser starts slowly on a loaded host
#   /recordings/.test-start-delay-<VIDEO_ID>-e<EPOCH> (a file holding S): the same for that
#                              epoch only (a backup gets no TEST_ variables: OpenVidu's only)
#   TEST_LEGACY_HEARTBEAT=1    heartbeats without phase and progress (an older recorder image)
# HA_STANDBY=true: a warm standby as the real recorder's (docs/recorder-protocol.md): it makes
# /tmp/ov2ha-assignment, waits for assignment.env (KEY=<base64> lines) and ready there, takes
# those variables and goes on as a backup; TERM while waiting: exit 0.
# Heartbeats carry the phase (starting, capturing, stopping) and ffmpeg's -progress (media time,
# frames, speed), as the real recorder's do.
# Exit codes: 0 stopped, 1 ffmpeg failed, 3 fenced by the controller (409).
set -Eeuo pipefail

log() { printf '%s test-recorder %s\n' "$(date -u +%H:%M:%S.%3N)" "$*" >&2; }

FFMPEG=''
REPORTER=''

load_env_file() {
	local file=$1 line key
	[[ -r $file ]] || return 0
	while IFS= read -r line || [[ -n $line ]]; do
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		key=${line%%=*}
		[[ $key =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
		[[ -n ${!key+x} ]] || export "$key=${line#*=}"
	done <"$file"
}

configure() {
	load_env_file "${HA_RECORDER_ENV_FILE:-/etc/ov2-ha-recorder/recorder.env}"
	: "${HA_CONTROLLER_URL:?HA_CONTROLLER_URL is required}"
	: "${VIDEO_ID:?VIDEO_ID is required}"
	: "${RECORDING_JSON:?RECORDING_JSON is required}"
	EPOCH=${HA_EPOCH:-0}
	START_CHUNK=${HA_START_CHUNK:-0}
	SEG=${HA_CHUNK_DURATION:-10}
	SEG=${SEG%s}
	HB=${HA_HEARTBEAT_INTERVAL:-2}
	HB=${HB%s}
	CHUNKS=/recordings/$VIDEO_ID/chunks
	LIST=$CHUNKS/segments-e$EPOCH.csv
	STATE=$(mktemp -d)
	printf 'user = "%s:%s"\n' "${HA_RECORDER_USERNAME:-recorder}" "${HA_RECORDER_PASSWORD:-}" >"$STATE/auth"
	chmod 600 "$STATE/auth"
	echo 0 >"$STATE/reported"
	mkdir -p "$CHUNKS"
	# created, never emptied: a `q` written before this point (a stop right after the container
	# started) is a stop, as for the recorder image
	: >>/stop
}

# api METHOD PATH BODY: prints the HTTP status; a fencing answer (409) marks this recorder fenced.
api() {
	local code
	code=$(curl -s -o "$STATE/response" -w '%{http_code}' --max-time 3 -K "$STATE/auth" \
		-H 'Content-Type: application/json' -X "$1" --data "$3" "$HA_CONTROLLER_URL$2" || true)
	if [[ $code == 409 ]]; then
		touch "$STATE/fenced"
		log "event=fenced path=$2 type=$(jq -r '.type // ""' "$STATE/response" 2>/dev/null || true)"
	fi
	printf '%s' "${code:-000}"
}

container_id() {
	[[ ${TEST_HIDE_CONTAINER_ID:-0} == 1 ]] && return 0
	grep -o 'containers/[0-9a-f]\{64\}/' /proc/self/mountinfo | head -n 1 | cut -d/ -f2 || true
}

register() {
	local env body code
	env=$(jq -n 'env | with_entries(select(.key | IN("DEBUG_MODE","CONTAINER_WORKING_MODE","URL","ONLY_VIDEO",
		"RESOLUTION","FRAMERATE","VIDEO_ID","VIDEO_NAME","VIDEO_FORMAT","RECORDING_JSON")))')
	body=$(jq -n --arg id "$VIDEO_ID" --argjson rj "$RECORDING_JSON" --argjson env "$env" \
		--arg cid "$(container_id)" --arg host "$(hostname)" \
		'{recordingId:$id, epoch:0, recordingJson:$rj, env:$env, containerId:$cid, host:$host}')
	while true; do
		code=$(api POST /api/recordings "$body")
		case $code in
		200 | 201) log "event=registered recordingId=$VIDEO_ID code=$code"; return 0 ;;
		409) return 1 ;;
		*) log "event=register_retry code=$code"; sleep 1 ;;
		esac
	done
}

last_complete_seq() {
	local last
	last=$(tail -n 1 "$LIST" 2>/dev/null | cut -d, -f1)
	[[ $last =~ ^([0-9]+)-e ]] && printf '%d' "$((10#${BASH_REMATCH[1]}))" || printf 'null'
}

complete_chunks() {
	if [[ -f $LIST ]]; then
		wc -l <"$LIST"
	else
		printf '0'
	fi
}

# progress_fields: ',"phase":…,"mediaTimeMs":…,"frames":…,"speed":…' from the last lines of
# ffmpeg's -progress file (empty for a legacy heartbeat).
progress_fields() {
	[[ ${TEST_LEGACY_HEARTBEAT:-0} == 1 ]] && return 0
	local phase=starting
	grep -q q /stop 2>/dev/null && phase=stopping
	tail -n 24 "$STATE/progress" 2>/dev/null | awk -F= -v phase="$phase" '
		$1 == "frame" { f = $2 } $1 == "out_time_us" { t = $2 } $1 == "speed" { s = $2 }
		END {
			sub(/x$/, "", s)
			if (f !~ /^[0-9]+$/ || f == 0) { f = "null"; t = "null" }
			else if (t ~ /^[0-9]+$/) { t = int(t / 1000) } else { t = "null" }
			if (s !~ /^[0-9.]+$/) { s = "null" }
			if (phase == "starting" && f != "null") { phase = "capturing" }
			printf ",\"phase\":\"%s\",\"mediaTimeMs\":%s,\"frames\":%s,\"speed\":%s", phase, t, f, s
		}'
}

# heartbeats: one every HB seconds, measured from the start of the previous one (the time a
# heartbeat takes on a loaded host does not stretch the period).
heartbeats() {
	local lines reported body t0 wait_ms
	set +e
	while [[ ! -e $STATE/fenced ]]; do
		t0=$(date +%s%3N)
		lines=0
		[[ -f $LIST ]] && lines=$(wc -l <"$LIST")
		reported=$(cat "$STATE/reported" 2>/dev/null || true)
		body=$(printf '{"epoch":%s,"lastChunkSeq":%s,"uploadBacklog":%s,"freeDiskBytes":%s%s}' "$EPOCH" \
			"$(last_complete_seq)" "$((lines - ${reported:-0}))" \
			"$(df -B1 --output=avail /recordings | tail -n 1 | tr -d ' ')" "$(progress_fields)")
		api PUT "/api/recordings/$VIDEO_ID/heartbeat" "$body" >/dev/null
		wait_ms=$((HB * 1000 - ($(date +%s%3N) - t0)))
		((wait_ms < 100)) && wait_ms=100
		sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
	done
}

# report_chunks: reports every complete chunk of the segment list not reported yet.
report_chunks() {
	local reported n=0 file start end seq duration body code
	reported=$(cat "$STATE/reported" 2>/dev/null || true)
	reported=${reported:-0}
	[[ -f $LIST ]] || return 0
	while IFS=, read -r file start end; do
		n=$((n + 1))
		((n <= reported)) && continue
		[[ $file =~ ^([0-9]+)-e ]] || continue
		seq=$((10#${BASH_REMATCH[1]}))
		duration=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')
		body=$(printf '{"seq":%d,"epoch":%s,"durationSeconds":%s,"sizeBytes":%d,"checksum":"sha256:%s","storageKey":"%s"}' \
			"$seq" "$EPOCH" "$duration" "$(stat -c %s "$CHUNKS/$file")" \
			"$(sha256sum "$CHUNKS/$file" | cut -d' ' -f1)" "$VIDEO_ID/chunks/$file")
		code=$(api POST "/api/recordings/$VIDEO_ID/chunks" "$body")
		[[ $code == 200 || $code == 201 ]] || return 0
		echo "$n" >"$STATE/reported.tmp"
		mv "$STATE/reported.tmp" "$STATE/reported"
	done <"$LIST"
}

reporter() {
	set +e
	while [[ ! -e $STATE/fenced ]]; do
		report_chunks
		sleep 0.2
	done
}

# stop_ffmpeg: SIGINT, as OpenVidu's q ends ffmpeg; again every second, since one that came while
# ffmpeg was starting may be lost; SIGKILL after 5 s. Nothing when it never started.
stop_ffmpeg() {
	local i
	[[ -n $FFMPEG ]] || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$FFMPEG" 2>/dev/null || break
		((i % 10 != 0)) || kill -INT "$FFMPEG" 2>/dev/null || true
		sleep 0.1
	done
	kill -KILL "$FFMPEG" 2>/dev/null || true
	wait "$FFMPEG" || true
}

record() {
	ffmpeg -hide_banner -loglevel error -nostdin -progress "$STATE/progress" -stats_period 0.5 -re \
		-f lavfi -i "testsrc=size=320x180:rate=10" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
		-c:v libx264 -preset ultrafast -tune zerolatency -pix_fmt yuv420p \
		-g "$((10 * SEG))" -keyint_min "$((10 * SEG))" -sc_threshold 0 \
		-force_key_frames "expr:gte(t,n_forced*$SEG)" -c:a aac -b:a 64k \
		-f segment -segment_time "$SEG" -segment_format mpegts -segment_format_options flush_packets=1 \
		-reset_timestamps 1 -segment_start_number "$START_CHUNK" \
		-segment_list "$LIST" -segment_list_type csv "$CHUNKS/%06d-e$EPOCH.ts" &
	FFMPEG=$!
}

# standby: waits for the controller's assignment, then exports its variables.
standby() {
	local dir=/tmp/ov2ha-assignment line key
	trap 'log "event=exit reason=standby_stopped"; exit 0' TERM INT
	mkdir -m 0700 "$dir"
	log "event=standby_ready"
	until [[ -e $dir/ready ]]; do sleep 0.05; done
	while IFS= read -r line; do
		key=${line%%=*}
		case $key in
		URL | ONLY_VIDEO | RESOLUTION | FRAMERATE | VIDEO_ID | VIDEO_NAME | VIDEO_FORMAT | RECORDING_JSON | \
			DEBUG_MODE | CONTAINER_WORKING_MODE | HA_EPOCH | HA_START_CHUNK)
			export "$key=$(base64 -d <<<"${line#*=}")"
			;;
		esac
	done <"$dir/assignment.env"
	# only assignment.env: the engine may still be setting ready's owner, mode and times
	rm -f "$dir/assignment.env"
	log "event=standby_assigned recordingId=$VIDEO_ID epoch=$HA_EPOCH"
	trap - TERM INT
}

main() {
	[[ ${HA_STANDBY:-false} != true ]] || standby
	configure
	log "event=started recordingId=$VIDEO_ID epoch=$EPOCH startChunk=$START_CHUNK chunkSeconds=$SEG"
	if [[ $EPOCH == 0 ]] && ! register; then
		log "event=exit reason=fenced"
		exit 3
	fi
	trap 'echo q >/stop' TERM INT
	heartbeats &
	HEARTBEATS=$!
	local delay=${TEST_START_DELAY:-} delay_file=/recordings/.test-start-delay-$VIDEO_ID-e$EPOCH
	[[ -r $delay_file ]] && delay=$(<"$delay_file")
	if [[ -n $delay ]]; then
		log "event=slow_start seconds=$delay"
		sleep "$delay"
	fi
	local reason=ffmpeg_exited
	if grep -q q /stop 2>/dev/null; then
		# stopped before it recorded (a stop right after the container started), as the real
		# recorder does: no capture
		log "event=stop_before_recording"
		reason=stopped
	else
		record
		reporter &
		REPORTER=$!
		while kill -0 "$FFMPEG" 2>/dev/null; do
			if [[ -e $STATE/fenced ]]; then
				reason=fenced
				break
			fi
			if grep -q q /stop 2>/dev/null; then
				reason=stopped
				break
			fi
			if [[ -n ${TEST_EXIT_AFTER_CHUNKS:-} ]] && (($(complete_chunks) >= ${TEST_EXIT_AFTER_CHUNKS%%:*})); then
				kill -KILL "$FFMPEG" 2>/dev/null || true
				log "event=exit reason=test code=${TEST_EXIT_AFTER_CHUNKS##*:}"
				exit "${TEST_EXIT_AFTER_CHUNKS##*:}"
			fi
			sleep 0.2
		done
	fi
	kill "$REPORTER" "$HEARTBEATS" 2>/dev/null || true
	case $reason in
	fenced)
		kill -KILL "$FFMPEG" 2>/dev/null || true
		log "event=exit reason=fenced"
		exit 3
		;;
	stopped)
		stop_ffmpeg
		report_chunks
		printf '{"epoch":%s}\n' "$EPOCH" >"$CHUNKS/stopped-e$EPOCH"
		if [[ ${TEST_SKIP_FINALIZE:-0} != 1 ]]; then
			api POST "/api/recordings/$VIDEO_ID/finalize" "{\"epoch\":$EPOCH}" >/dev/null
		fi
		log "event=exit reason=stopped lastChunk=$(last_complete_seq)"
		exit 0
		;;
	*)
		log "event=exit reason=ffmpeg_failed"
		exit 1
		;;
	esac
}

main "$@"
