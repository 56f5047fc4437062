#!/usr/bin/env bash
# A stand-in for OpenVidu 2.32 CE's recording side, for the end-to-end tests. It drives the
# recorder container and sends webhooks exactly as shared/research/openvidu2-recording-facts.md
# describes (sections 1, 2, 3, 5, 6): container name, env and its order, /recordings bind,
# host network, shm size; the 30 s wait for a non-empty <name>.mp4; "stopped" sent before the
# container is touched; stop by `bash -c "echo 'q' > stop"` in the container's WORKDIR; a 30 s
# wait for exit; <id>.info decides ready/failed; an exec on a dead container fails the stop
# (no final webhook, container left behind), as in OpenVidu. Its REST API, as far as the
# controller asks it (GET session, GET recording, Basic auth, 404s), runs with ov_rest_start
# (scripts/lib/openvidu-rest.py); ov_restart plays an OpenVidu restart (sessions are in memory:
# all gone; startup cleanup of stranded containers), with or without its stopped webhooks, in
# two halves for a host crash: ov_crash (or ov_down) and, later, ov_boot.
#
# Source it after scripts/lib/common.sh. ov_docker_run is the one "docker run as OpenVidu does"
# of the project (the container tests use it too); for the full stand-in call ov_init, then
# ov_start_recording/ov_stop_recording. State per recording lives in files under $OV_STATE/<id>/.

OV_RECORDINGS=""
OV_IMAGE=""
OV_WEBHOOK_URL=""
OV_WEBHOOK_TOKEN=""
OV_LAYOUT_BASE=""
OV_SECRET=""
OV_STATE=""
OV_PUBLIC_URL="https://openvidu.example.test"
OV_RESOLUTION=${OV_RESOLUTION:-640x360}
OV_FRAMERATE=${OV_FRAMERATE:-15}
OV_LABEL=${OV_LABEL:-ov2ha.test=e2e}
OV_REST_PORT=""

# ov_init RECORDINGS_PATH IMAGE WEBHOOK_URL WEBHOOK_TOKEN LAYOUT_BASE_URL SECRET STATE_DIR
ov_init() {
	OV_RECORDINGS=$1 OV_IMAGE=$2 OV_WEBHOOK_URL=$3 OV_WEBHOOK_TOKEN=$4 OV_LAYOUT_BASE=$5 OV_SECRET=$6
	OV_STATE=$7
	mkdir -p "$OV_STATE" "$OV_RECORDINGS"
}

# ov_container_name ID: OpenVidu's name for the recorder container.
ov_container_name() {
	printf 'recording_%s' "${1//\~/_}"
}

# ov_state ID KEY [VALUE]: read or write one state value of a recording.
ov_state() {
	local file="$OV_STATE/$1/$2"
	if (($# == 3)); then
		mkdir -p "$OV_STATE/$1"
		printf '%s' "$3" >"$file"
	else
		cat "$file" 2>/dev/null || true
	fi
}

# ov_resolution ID: the resolution the recording was started with (OV_RESOLUTION then; OpenVidu
# keeps it with the recording), or OV_RESOLUTION for one the stand-in did not start.
ov_resolution() {
	local res
	res=$(ov_state "$1" resolution)
	printf '%s' "${res:-$OV_RESOLUTION}"
}

# ov_recording_json ID STATUS SIZE DURATION URL_JSON [RESOLUTION FRAMERATE HAS_AUDIO HAS_VIDEO]:
# Recording.toJson(true), field order as Gson writes it (facts section 6).
ov_recording_json() {
	local id=$1 status=$2 size=$3 duration=$4 url=$5
	local resolution=${6:-$(ov_resolution "$id")} framerate=${7:-$OV_FRAMERATE} audio=${8:-true} video=${9:-true}
	jq -cn --arg id "$id" --arg name "$(ov_state "$id" name)" --arg res "$resolution" \
		--argjson fr "$framerate" --arg sid "$(ov_state "$id" session)" \
		--arg usid "$(ov_state "$id" session)_$(ov_state "$id" session_start)" \
		--argjson created "$(ov_state "$id" created_at)" --argjson size "$size" \
		--argjson duration "$duration" --argjson url "$url" --argjson audio "$audio" \
		--argjson video "$video" --arg status "$status" \
		'{id:$id, object:"recording", name:$name, outputMode:"COMPOSED", resolution:$res,
		  frameRate:$fr, recordingLayout:"BEST_FIT", sessionId:$sid, uniqueSessionId:$usid,
		  createdAt:$created, size:$size, duration:($duration|tonumber), url:$url,
		  hasAudio:$audio, hasVideo:$video, status:$status}' |
		sed -E 's/"duration":([0-9]+)([,}])/"duration":\1.0\2/'
}

# ov_event ID STATUS TIMESTAMP SIZE DURATION [REASON] [RESOLUTION FRAMERATE HAS_AUDIO HAS_VIDEO]:
# the recordingStatusChanged webhook body (facts section 5, field order).
ov_event() {
	local id=$1 status=$2 ts=$3 size=$4 duration=$5 reason=${6:-}
	local resolution=${7:-$(ov_resolution "$id")} framerate=${8:-$OV_FRAMERATE} audio=${9:-true} video=${10:-true}
	jq -cn --arg sid "$(ov_state "$id" session)" \
		--arg usid "$(ov_state "$id" session)_$(ov_state "$id" session_start)" \
		--argjson ts "$ts" --argjson start "$(ov_state "$id" created_at)" --argjson duration "$duration" \
		--arg reason "$reason" --arg id "$id" --arg name "$(ov_state "$id" name)" --arg res "$resolution" \
		--argjson fr "$framerate" --argjson audio "$audio" --argjson video "$video" --argjson size "$size" \
		--arg status "$status" \
		'{sessionId:$sid, uniqueSessionId:$usid, timestamp:$ts, startTime:$start,
		  duration:($duration|tonumber)} + (if $reason == "" then {} else {reason:$reason} end) +
		 {id:$id, name:$name, outputMode:"COMPOSED", resolution:$res, frameRate:$fr,
		  recordingLayout:"BEST_FIT", hasAudio:$audio, hasVideo:$video, size:$size,
		  status:$status, event:"recordingStatusChanged"}' |
		sed -E 's/"duration":([0-9]+)([,}])/"duration":\1.0\2/'
}

# ov_send_webhook JSON: one POST like OpenVidu's HttpWebhookSender: only 200 is success; I/O
# errors are retried up to 5 attempts in all, other statuses are logged and dropped.
ov_send_webhook() {
	local body=$1 code
	for _ in 1 2 3 4 5; do
		code=$(curl -sS -o /dev/null -w '%{http_code}' --connect-timeout 10 --max-time 10 \
			-H 'Content-Type: application/json' -H "Authorization: Bearer ${OV_WEBHOOK_TOKEN}" \
			--data-binary "$body" "$OV_WEBHOOK_URL" 2>/dev/null) || code=000
		if [[ "$code" == 200 ]]; then
			return 0
		fi
		if [[ "$code" != 000 ]]; then
			log "openvidu: webhook answered ${code}; no further action will be taken"
			return 1
		fi
	done
	log "openvidu: webhook unreachable after 5 attempts"
	return 1
}

# ov_write_entity_file ID JSON: OpenVidu writes .recording.<id> from its in-memory object.
ov_write_entity_file() {
	printf '%s' "$2" >"$OV_RECORDINGS/$1/.recording.$1"
}

# ov_docker_run IMAGE RECORDINGS_DIR ID NAME URL RECORDING_JSON RESOLUTION FRAMERATE [ARGS...]:
# the recorder container exactly as ComposedRecordingService creates it (facts section 1): name
# recording_<id with ~ as _>, host network, 512 MiB shm, <dir>/ bound at /recordings, and
# OpenVidu's environment in its order; ARGS are extra `docker run` options (e.g. a label).
# Prints the container id.
ov_docker_run() {
	local image=$1 dir=$2 id=$3 name=$4 url=$5 json=$6 resolution=$7 framerate=$8
	shift 8
	docker run -d --pull never --name "$(ov_container_name "$id")" --network host \
		--shm-size 536870912 -v "${dir%/}/:/recordings" "$@" \
		-e DEBUG_MODE=false -e CONTAINER_WORKING_MODE=COMPOSED -e "URL=${url}" -e ONLY_VIDEO=false \
		-e "RESOLUTION=${resolution}" -e "FRAMERATE=${framerate}" -e "VIDEO_ID=${id}" \
		-e "VIDEO_NAME=${name}" -e VIDEO_FORMAT=mp4 -e "RECORDING_JSON=${json}" "$image"
}

# ov_start_recording ID [NAME] [SESSION]: what RecordingManager.startRecording does for a
# COMPOSED recording with video. Returns 0 when the recording started (webhook "started" sent).
ov_start_recording() {
	local id=$1 name=${2:-$1} session=${3:-${1%%\~*}}
	local created_at container rid
	created_at=$(now_ms)
	ov_state "$id" name "$name"
	ov_state "$id" session "$session"
	[[ -n "$(ov_state "$id" session_start)" ]] || ov_state "$id" session_start "$((created_at - 1000))"
	ov_state "$id" created_at "$created_at"
	ov_state "$id" resolution "$OV_RESOLUTION"
	# the session exists in OpenVidu's memory (a participant created it before the recording)
	[[ -s "$OV_STATE/sessions/$session" ]] || { mkdir -p "$OV_STATE/sessions" &&
		printf '%s' "$(ov_state "$id" session_start)" >"$OV_STATE/sessions/$session"; }
	local recording_json url
	recording_json=$(ov_recording_json "$id" started 0 0 null)
	url="${OV_LAYOUT_BASE%/}/dashboard/#/layout-best-fit/${session}/${OV_SECRET}/443/false"
	url=${url/:\/\//://OPENVIDUAPP:${OV_SECRET}@}
	container=$(ov_docker_run "$OV_IMAGE" "$OV_RECORDINGS" "$id" "$name" "$url" "$recording_json" \
		"$OV_RESOLUTION" "$OV_FRAMERATE" --label "$OV_LABEL") || { log "openvidu: container start failed"; return 1; }
	ov_state "$id" container "$container"
	ov_state "$id" running_at "$(now_ms)"
	# waitForVideoFileNotEmpty: every 100 ms, up to 30 s
	local deadline=$((SECONDS + 30)) mp4="$OV_RECORDINGS/$id/$name.mp4"
	until [[ -s "$mp4" ]]; do
		if ((SECONDS >= deadline)); then
			log "openvidu: ${name}.mp4 not there after 30 s: start failed"
			ov_send_webhook "$(ov_event "$id" failed "$(now_ms)" 0 0)" || true
			docker rm -f "$container" >/dev/null 2>&1 || true
			ov_state "$id" status failed
			return 1
		fi
		sleep 0.1
	done
	ov_state "$id" status started
	rid=$id
	ov_send_webhook "$(ov_event "$rid" started "$created_at" 0 0)" || true
	return 0
}

# ov_stop_recording ID REASON: what RecordingManager.stopRecording + the composed stop do.
# Sets state "stop_result" to ready, failed, or exec-failed (OpenVidu's uncaught exception).
ov_stop_recording() {
	local id=$1 reason=${2:-recordingStoppedByServer} container name
	container=$(ov_state "$id" container)
	name=$(ov_state "$id" name)
	ov_state "$id" status stopped
	ov_write_entity_file "$id" "$(ov_recording_json "$id" stopped 0 0 null)"
	ov_send_webhook "$(ov_event "$id" stopped "$(now_ms)" 0 0 "$reason")" || true
	if ! docker exec -d "$container" bash -c "echo 'q' > stop" >/dev/null 2>&1; then
		# docker-java's ConflictException/NotFoundException is not caught by OpenVidu: the stop
		# fails, no final webhook is sent and the container is not removed.
		log "openvidu: exec on ${container:0:12} failed: recording stop failed (as OpenVidu)"
		ov_state "$id" stop_result exec-failed
		return 0
	fi
	if ! timeout 30 docker wait "$container" >/dev/null 2>&1; then
		log "openvidu: container did not exit within 30 s: failRecordingCompletion"
		docker rm -f "$container" >/dev/null 2>&1 || true
		ov_write_entity_file "$id" "$(ov_recording_json "$id" failed 0 0 null)"
		ov_state "$id" stop_result failed
		return 0
	fi
	docker rm "$container" >/dev/null 2>&1 || true
	local info="$OV_RECORDINGS/$id/$id.info" ts
	ts=$(now_ms)
	if [[ -s "$info" ]] && jq -e '.streams | map(select(.codec_type == "video")) | length > 0' "$info" >/dev/null 2>&1; then
		local size duration res fr audio
		size=$(jq -r '.format.size | tonumber' "$info")
		duration=$(jq -r '.format.duration | tonumber' "$info")
		res=$(jq -r '.streams[] | select(.codec_type == "video") | "\(.width)x\(.height)"' "$info" | head -n1)
		fr=$(jq -r '.streams[] | select(.codec_type == "video") | .r_frame_rate | split("/") | ((.[0]|tonumber) / (.[1]|tonumber) | floor)' "$info" | head -n1)
		audio=$(jq -r '[.streams[] | select(.codec_type == "audio")] | length > 0' "$info")
		rm -f "$info" # OpenVidu deletes the .info after reading it
		ov_write_entity_file "$id" "$(ov_recording_json "$id" ready "$size" "$duration" \
			"\"${OV_PUBLIC_URL}/openvidu/recordings/${id}/${name}.mp4\"" "$res" "$fr" "$audio" true)"
		ov_send_webhook "$(ov_event "$id" ready "$ts" "$size" "$duration" "$reason" "$res" "$fr" "$audio" true)" || true
		ov_state "$id" stop_result ready
	else
		ov_write_entity_file "$id" "$(ov_recording_json "$id" failed 0 0 null)"
		ov_send_webhook "$(ov_event "$id" failed "$ts" 0 0 "$reason")" || true
		ov_state "$id" stop_result failed
	fi
}

# ov_clean_stranded_containers ID...: what OpenVidu does at every start (RecordingManager
# initializeRecordingManager -> LocalDockerManager.cleanStrandedContainers, facts addendum 2):
# one listing of every container, then force-remove every one, in any state, whose image *as
# Docker lists it* starts with the recording image's repo (OPENVIDU_RECORDING_IMAGE without its
# tag). On this shared test machine the rule is applied to the containers of the given
# recordings only (OpenVidu's own recorder of each and the controller's backups of it). Prints
# the ids it removed.
ov_clean_stranded_containers() {
	local repo=${OV_IMAGE%:*} cid image name label id
	local -A names=() ids=()
	(($# > 0)) || return 0
	for id in "$@"; do
		names[$(ov_container_name "$id")]=1
		ids[$id]=1
	done
	while IFS=$'\t' read -r cid image name label; do
		[[ -n ${names[$name]:-} || (-n $label && -n ${ids[$label]:-}) ]] || continue
		[[ $image == "$repo"* ]] || continue
		docker rm -f "$cid" >/dev/null 2>&1 || true
		printf '%s\n' "$cid"
	done < <(docker ps -a --no-trunc --format '{{.ID}}	{{.Image}}	{{.Names}}	{{.Label "io.ov2ha.recording-id"}}')
}

# ov_rest_start [PORT]: OpenVidu's REST API (scripts/lib/openvidu-rest.py) on 127.0.0.1:PORT (a
# free one by default; kept across ov_restart). The controller's HA_OPENVIDU_API_URL is then
# http://127.0.0.1:$OV_REST_PORT and HA_OPENVIDU_SECRET the stand-in's secret.
ov_rest_start() {
	OV_REST_PORT=${1:-${OV_REST_PORT:-$(free_port)}}
	OV_REST_SECRET=$OV_SECRET python3 "$(dirname "${BASH_SOURCE[0]}")/openvidu-rest.py" "$OV_REST_PORT" \
		"$OV_STATE" "$OV_RECORDINGS" &
	printf '%s' "$!" >"$OV_STATE/rest.pid"
	local deadline=$((SECONDS + 10))
	until curl -s -o /dev/null "http://127.0.0.1:$OV_REST_PORT/"; do
		((SECONDS < deadline)) || { log "openvidu: REST API did not start"; return 1; }
		sleep 0.1
	done
}

# ov_rest_stop: OpenVidu's REST API goes away (connection refused), as when the server is down.
ov_rest_stop() {
	local pid
	pid=$(cat "$OV_STATE/rest.pid" 2>/dev/null || true)
	if [[ -n $pid ]]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		rm -f "$OV_STATE/rest.pid"
	fi
}

# ov_close_session SESSION: the session ends (last participant left, autostop 0): its started
# recordings are stopped with reason lastParticipantLeft, then OpenVidu forgets the session.
ov_close_session() {
	local session=$1 dir id
	for dir in "$OV_STATE"/*/; do
		id=$(basename "$dir")
		[[ $id != sessions && $(ov_state "$id" session) == "$session" && $(ov_state "$id" status) == started ]] || continue
		ov_stop_recording "$id" lastParticipantLeft
	done
	rm -f "$OV_STATE/sessions/$session"
}

# ov_restart [--no-webhooks]: OpenVidu restarts (facts addendum 5): ov_down, then ov_boot.
ov_restart() {
	ov_down "$@"
	ov_boot
}

# ov_down [--no-webhooks]: OpenVidu stops. Its REST API goes away. By default its @PreDestroy
# closes every session: each started recording is stopped with reason openviduServerStopped
# (stopped webhook first). With --no-webhooks it was killed (crash, SIGKILL): nothing is sent,
# .recording.<id> stays as it was. Either way its memory is gone: no session exists afterwards.
ov_down() {
	local webhooks=true dir id
	[[ ${1:-} == --no-webhooks ]] && webhooks=false
	ov_rest_stop
	for dir in "$OV_STATE"/*/; do
		[[ -d $dir ]] || continue
		id=$(basename "$dir")
		[[ $id != sessions && $(ov_state "$id" status) == started ]] || continue
		if [[ $webhooks == true ]]; then
			ov_stop_recording "$id" openviduServerStopped
		else
			ov_state "$id" status lost
		fi
	done
	rm -rf "$OV_STATE/sessions"
}

# ov_crash: OpenVidu dies with its host (ov_down --no-webhooks).
ov_crash() {
	ov_down --no-webhooks
}

# ov_boot: OpenVidu starts: its startup cleanup (ov_startup_cleanup), then its REST API answers
# (knowing no session).
ov_boot() {
	ov_startup_cleanup
	ov_rest_start "$OV_REST_PORT"
}

# ov_startup_cleanup: cleanStrandedContainers removes every container whose image starts with the
# recording image's repo (ov_clean_stranded_containers). Alone, for a test that orders what
# happens before OpenVidu's REST API answers again (ov_rest_start).
ov_startup_cleanup() {
	local dir recordings=()
	for dir in "$OV_STATE"/*/; do
		[[ -d $dir ]] || continue
		dir=${dir%/}
		[[ ${dir##*/} != sessions ]] || continue
		recordings+=("${dir##*/}")
	done
	ov_clean_stranded_containers "${recordings[@]}" >/dev/null
}
