#!/usr/bin/env bash
# The agent: registers the recording (primary only) and sends heartbeats to the controller.
# Runs as a background subshell of composed-ha.sh. Requires common.sh, chunks.sh, api.sh,
# progress.sh, content.sh (whose prober writes the content file it reads).
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

# agent_heartbeat_body [FREE_DISK_BYTES]: sets HEARTBEAT_BODY: epoch, phase, ffmpeg's
# progress (media time, frames, speed, and how long ago that report arrived), highest complete chunk, upload backlog, free disk
# (measured when not given), and what the screen shows (the content prober's file: state, how
# long blank, media time of the last shown probe; "pending" while the prober is enabled and has
# not written the file yet, or its last probe is stale and the page was never shown twice; null
# otherwise without a conclusive probe).
# docs/recorder-protocol.md describes the fields. Runs in the
# agent's own shell (not in $(...)): it follows the segment list and uploader.done as they
# grow, so a heartbeat reads only what is new and starts no process.
AGENT_SEGMENT_LIST='' AGENT_PROGRESS='' AGENT_CHUNKS=0 AGENT_LAST_SEQ=null AGENT_DONE=0
HEARTBEAT_BODY=''
agent_heartbeat_body() {
	local free=${1:-} phase=starting line backlog age=null now
	local content=null blank_ms=null shown_media=null c_state='' c_since='' c_media='' c_last='' c_stale
	[[ -n $AGENT_SEGMENT_LIST ]] || AGENT_SEGMENT_LIST=$(segment_list_path)
	[[ -n $AGENT_PROGRESS ]] || AGENT_PROGRESS=$(progress_file)
	if [[ -f $OV2HA_RUN_DIR/phase ]]; then
		read -r phase <"$OV2HA_RUN_DIR/phase" || true
	fi
	case $phase in
	starting | capturing | stopping) ;;
	*) phase=starting ;;
	esac
	progress_read "$AGENT_PROGRESS" || true
	if ((PROGRESS_WALL_MS > 0)); then
		now_ms_to now
		age=$((now - PROGRESS_WALL_MS))
		((age >= 0)) || age=0
	fi
	follow_new_lines segment_list "$AGENT_SEGMENT_LIST"
	for line in "${FOLLOWED[@]}"; do
		AGENT_CHUNKS=$((AGENT_CHUNKS + 1))
		if parse_segment_line "$line"; then AGENT_LAST_SEQ=$SEG_SEQ; fi
	done
	follow_new_lines uploader_done "$OV2HA_RUN_DIR/uploader.done"
	AGENT_DONE=$((AGENT_DONE + ${#FOLLOWED[@]}))
	backlog=$((AGENT_CHUNKS - AGENT_DONE))
	((backlog < 0)) && backlog=0
	[[ -n $free ]] || free=$(free_disk_bytes "$(recording_dir)")
	[[ $free =~ ^[0-9]+$ ]] || free=null
	# what the screen shows: only what probes proved (blank from its first to its last blank
	# probe), and nothing when the last conclusive probe is older than three intervals; a page
	# never shown twice is still to show (pending): its start goes on while the probes starve
	if [[ -f $OV2HA_RUN_DIR/content ]]; then
		read -r c_state c_since c_media c_last _ <"$OV2HA_RUN_DIR/content" || true
		[[ -n ${now:-} ]] || now_ms_to now
		c_stale=${OV2HA_CONTENT_INTERVAL:-4}
		[[ $c_stale =~ ^[0-9]{1,6}$ ]] || c_stale=4
		c_stale=$((3 * 10#$c_stale * 1000 + 5000))
		if [[ $c_state =~ ^(shown|blank)$ && $c_since =~ ^[0-9]{1,18}$ && $c_media =~ ^(-|[0-9]{1,18})$ &&
			$c_last =~ ^[0-9]{1,18}$ ]] && ((now - 10#$c_last <= c_stale)); then
			content="\"$c_state\""
			blank_ms=0
			if [[ $c_state == blank ]]; then
				blank_ms=$((10#$c_last - 10#$c_since))
				((blank_ms >= 0)) || blank_ms=0
			fi
			[[ $c_media == - ]] || shown_media=$((10#$c_media))
		fi
	fi
	# no conclusive probe yet (no file), or stale ones of a page never shown twice: while the prober
	# runs, the page is still to show (the controller judges a media stall then as the start it is)
	if [[ $content == null && (! -f $OV2HA_RUN_DIR/content || $c_media == -) ]] && content_enabled; then
		content='"pending"'
	fi
	printf -v HEARTBEAT_BODY '{"epoch":%s,"phase":"%s","mediaTimeMs":%s,"frames":%s,"speed":%s,"progressAgeMs":%s,"lastChunkSeq":%s,"uploadBacklog":%s,"freeDiskBytes":%s,"content":%s,"blankMs":%s,"shownMediaMs":%s}' \
		"$HA_EPOCH" "$phase" "$PROGRESS_MEDIA_MS" "$PROGRESS_FRAMES" "$PROGRESS_SPEED" "$age" \
		"$AGENT_LAST_SEQ" "$backlog" "$free" "$content" "$blank_ms" "$shown_media"
}

# agent_run: the agent's main loop. Exits 3 when fenced, 143 on TERM.
agent_run() {
	local registered=false attempt=0 next_register=0 reachable=unknown tick now elapsed_ms wait_ms wait_s body
	local free='' free_at=0
	log_component agent
	trap 'kill_child; exit 143' TERM
	trap '' INT
	[[ $RECORDING_ROLE == backup ]] && registered=true
	log_info agent_started role="$RECORDING_ROLE" heartbeat_seconds="$HA_HEARTBEAT_INTERVAL"
	while :; do
		now_ms_to tick
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
			# Free disk changes slowly: measured every 10 s, not on every heartbeat.
			if ((tick - free_at >= 10000)); then
				free=$(free_disk_bytes "$(recording_dir)")
				free_at=$tick
			fi
			agent_heartbeat_body "$free"
			body=$HEARTBEAT_BODY
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
		now_ms_to now
		elapsed_ms=$((now - tick))
		wait_ms=$((HA_HEARTBEAT_INTERVAL * 1000 - elapsed_ms))
		((wait_ms < 100)) && wait_ms=100
		if [[ $registered == false ]]; then
			# Not registered yet: wake up for the next register attempt, at most a tick away.
			local until_register=$((next_register - now))
			((until_register < wait_ms)) && wait_ms=$((until_register < 100 ? 100 : until_register))
		fi
		printf -v wait_s '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000))
		pause "$wait_s"
	done
}
