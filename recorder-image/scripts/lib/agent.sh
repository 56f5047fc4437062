#!/usr/bin/env bash
# The agent: registers the recording (primary only) and sends heartbeats to the controller.
# Runs as a background subshell of composed-ha.sh. Requires common.sh, chunks.sh, api.sh.
#
# - A recorder that cannot register keeps recording; the agent retries with backoff.
# - A 404 recording-not-found on a heartbeat makes the primary register again.
# - A fencing answer (409 stale-epoch, container-conflict, recording-final) writes the
#   "fenced" file and exits 3; the supervisor then stops recording at once.

OV2HA_REGISTER_TIMEOUT=${OV2HA_REGISTER_TIMEOUT:-5}
OV2HA_REGISTER_BACKOFF_MAX=${OV2HA_REGISTER_BACKOFF_MAX:-10}

# agent_register_body: the register request. OpenVidu's variables are read from the
# environment by jq (not passed as arguments): URL holds OpenVidu's secret.
agent_register_body() {
	jq -cn --arg containerId "${CONTAINER_ID:-}" --arg host "${HOST_NAME:-}" '{
		recordingId: env.VIDEO_ID,
		epoch: 0,
		recordingJson: (env.RECORDING_JSON | fromjson),
		env: ({URL: env.URL, ONLY_VIDEO: env.ONLY_VIDEO, RESOLUTION: env.RESOLUTION,
			FRAMERATE: env.FRAMERATE, VIDEO_ID: env.VIDEO_ID, VIDEO_NAME: env.VIDEO_NAME,
			VIDEO_FORMAT: env.VIDEO_FORMAT, RECORDING_JSON: env.RECORDING_JSON,
			DEBUG_MODE: env.DEBUG_MODE, CONTAINER_WORKING_MODE: env.CONTAINER_WORKING_MODE}
			| with_entries(select(.value != null))),
		containerId: $containerId,
		host: $host
	}'
}

# agent_heartbeat_body: epoch, highest complete chunk, upload backlog, free disk.
agent_heartbeat_body() {
	local last complete done_count backlog free
	last=$(last_complete_seq)
	complete=$(segment_list_complete_lines "$(segment_list_path)")
	done_count=$(lines_in "$OV2HA_RUN_DIR/uploader.done")
	backlog=$((complete - done_count))
	((backlog < 0)) && backlog=0
	free=$(free_disk_bytes "$(recording_dir)")
	[[ $free =~ ^[0-9]+$ ]] || free=null
	printf '{"epoch":%s,"lastChunkSeq":%s,"uploadBacklog":%s,"freeDiskBytes":%s}' \
		"$HA_EPOCH" "${last:-null}" "$backlog" "$free"
}

# agent_run: the agent's main loop. Exits 3 when fenced, 143 on TERM.
agent_run() {
	local registered=false attempt=0 next_register=0 reachable=unknown tick elapsed_ms wait_ms body
	log_component agent
	trap 'kill_child; exit 143' TERM
	trap '' INT
	[[ $RECORDING_ROLE == backup ]] && registered=true
	log_info agent_started role="$RECORDING_ROLE" heartbeat_seconds="$HA_HEARTBEAT_INTERVAL"
	while :; do
		tick=$(now_ms)
		if [[ $registered == false ]] && ((tick >= next_register)); then
			api_call POST /api/recordings "$(agent_register_body)" "$OV2HA_REGISTER_TIMEOUT"
			case $API_OUTCOME in
			ok)
				registered=true
				attempt=0
				log_info registered status="$API_STATUS" container_id="${CONTAINER_ID:-none}"
				;;
			fenced)
				fence_signal "$(api_problem_name)"
				exit 3
				;;
			*)
				attempt=$((attempt + 1))
				next_register=$((tick + $(backoff_delay "$attempt" "$OV2HA_REGISTER_BACKOFF_MAX") * 1000))
				log_warn register_failed status="$API_STATUS" problem="$(api_problem_name)" \
					curl_rc="$API_CURL_RC" attempt="$attempt"
				;;
			esac
		fi
		if [[ $registered == true ]]; then
			body=$(agent_heartbeat_body)
			api_call PUT "/api/recordings/$VIDEO_ID/heartbeat" "$body" "$HA_HEARTBEAT_INTERVAL"
			case $API_OUTCOME in
			ok)
				if [[ $reachable != true ]]; then
					log_info controller_reachable status="$API_STATUS"
					reachable=true
				fi
				log_debug heartbeat_sent body="$body" status="$API_STATUS"
				;;
			fenced)
				fence_signal "$(api_problem_name)"
				exit 3
				;;
			not_found)
				log_warn heartbeat_recording_unknown role="$RECORDING_ROLE"
				if [[ $RECORDING_ROLE == primary ]]; then
					registered=false
					next_register=0
					attempt=0
				fi
				;;
			*)
				if [[ $reachable != false ]]; then
					log_warn controller_unreachable status="$API_STATUS" problem="$(api_problem_name)" curl_rc="$API_CURL_RC"
					reachable=false
				fi
				log_debug heartbeat_failed status="$API_STATUS" curl_rc="$API_CURL_RC"
				;;
			esac
		fi
		elapsed_ms=$(($(now_ms) - tick))
		wait_ms=$((HA_HEARTBEAT_INTERVAL * 1000 - elapsed_ms))
		((wait_ms < 100)) && wait_ms=100
		if [[ $registered == false ]]; then
			# Not registered yet: wake up for the next register attempt, at most a tick away.
			local until_register=$((next_register - $(now_ms)))
			((until_register < wait_ms)) && wait_ms=$((until_register < 100 ? 100 : until_register))
		fi
		pause "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
	done
}
