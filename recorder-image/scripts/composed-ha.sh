#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# COMPOSED recording, chunked and crash-safe (docs/recorder-protocol.md).
#
#  1. settings: environment, then the env file; validated (exit 78 on errors)
#  2. Xvfb on a free display and PulseAudio (unless ONLY_VIDEO), launched side by side; the
#     chunk folder meanwhile
#  3. ffmpeg as soon as they accept clients: MPEG-TS chunks, stdin = /stop, progress to the
#     run dir; then .recording.<id> (primary) and a non-empty <VIDEO_NAME>.mp4 placeholder
#  4. agent (register (primary), heartbeats with phase and progress) and uploader (follows
#     the segment list), in the background
#  5. Chromium kiosk on URL once ffmpeg captures (at most 3 s after ffmpeg's start), never
#     waited for: frames before its first paint are blank, as with OpenVidu's own recorder;
#     the content prober (screen and sound blank or shown, every 4 s) from then on too
#  6. stop on `echo 'q' > stop` or SIGTERM/SIGINT: last chunk closed, uploader drains
#     (bounded), finalize asked (bounded), exit 0 well inside OpenVidu's 30 s
#  Warm standby (HA_STANDBY=true, lib/standby.sh): before 1, the screen, the sound and Chromium
#  on a blank local page, then a wait for the controller's assignment (its variables are then
#  the environment of 1-6; Chromium is sent to URL at once instead of started after ffmpeg's
#  first frame). A stop while waiting (q, SIGTERM, SIGINT): exit 0; an assignment that does not
#  fit (resolution, epoch): exit 65.
#  Fenced by the controller (409): stop at once, exit 3. ffmpeg died: exit 1.
set -Eeuo pipefail

SCRIPT_DIR=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
# shellcheck source=lib/common.sh
source "$SCRIPT_DIR/lib/common.sh"
# shellcheck source=lib/config.sh
source "$SCRIPT_DIR/lib/config.sh"
# shellcheck source=lib/chunks.sh
source "$SCRIPT_DIR/lib/chunks.sh"
# shellcheck source=lib/api.sh
source "$SCRIPT_DIR/lib/api.sh"
# shellcheck source=lib/capture.sh
source "$SCRIPT_DIR/lib/capture.sh"
# shellcheck source=lib/progress.sh
source "$SCRIPT_DIR/lib/progress.sh"
# shellcheck source=lib/display.sh
source "$SCRIPT_DIR/lib/display.sh"
# shellcheck source=lib/uploader.sh
source "$SCRIPT_DIR/lib/uploader.sh"
# shellcheck source=lib/agent.sh
source "$SCRIPT_DIR/lib/agent.sh"
# shellcheck source=lib/content.sh
source "$SCRIPT_DIR/lib/content.sh"
# shellcheck source=lib/standby.sh
source "$SCRIPT_DIR/lib/standby.sh"

# Internal knobs (tests and tuning; not site settings).
OV2HA_CAPTURE=${OV2HA_CAPTURE:-x11}               # x11 | lavfi (host tests)
OV2HA_DRAIN_TIMEOUT=${OV2HA_DRAIN_TIMEOUT:-8}     # s the uploader may drain after ffmpeg's exit
OV2HA_STOP_TIMEOUT=${OV2HA_STOP_TIMEOUT:-24}      # s from the stop request to exit (OpenVidu allows 30)
OV2HA_BROWSER_WAIT_MS=${OV2HA_BROWSER_WAIT_MS:-0} # ms Chromium may wait for ffmpeg's first frame (0: starts with ffmpeg)

EX_FFMPEG_DIED=1
EX_FENCED=3
EX_DATAERR=65
EX_CANTCREAT=73
EX_TEMPFAIL=75
EX_CONFIG=78

STOP_REQUESTED=false
STOP_AT=0 # ms: when the stop request was seen; the stop deadline counts from it
FFMPEG_PID=''
FFMPEG_RC=''
AGENT_PID=''
UPLOADER_PID=''
CONTENT_PID=''
CONTENT_STARTED=false
CONTENT_RESTARTED_AT=0
CHROMIUM_RESTARTED_AT=0
PHASE=''

# set_phase PHASE [key=value ...]: standby (a warm standby waiting for its assignment),
# starting (until ffmpeg reports its first frame),
# capturing, stopping (after q/SIGTERM, fenced or ffmpeg's exit). Only forwards: a stopping
# recorder never goes back to capturing. The agent reports the phase in every heartbeat.
set_phase() {
	local phase=$1
	shift
	[[ $phase != "$PHASE" && $PHASE != stopping ]] || return 0
	PHASE=$phase
	printf '%s\n' "$phase" >"$OV2HA_RUN_DIR/phase"
	log_info phase_changed phase="$phase" "$@"
}

# stop_file_has_q: OpenVidu wrote its `q` (read with builtins: the supervisor looks 5 times a
# second; a second descriptor on the file takes nothing from ffmpeg's stdin).
stop_file_has_q() {
	local line
	[[ -s $OV2HA_STOP_FILE ]] || return 1
	while IFS= read -r line || [[ -n $line ]]; do
		[[ $line == *q* ]] && return 0
	done <"$OV2HA_STOP_FILE"
	return 1
}

# note_stop_request SOURCE: the recorder stops. OpenVidu's 30 s run from its `q`, not from
# ffmpeg's exit (which can take seconds on a loaded host): the deadlines count from here.
note_stop_request() {
	[[ $STOP_REQUESTED == false ]] || return 0
	now_ms_to STOP_AT
	STOP_REQUESTED=true
	log_info stop_requested source="$1"
}

# request_stop: SIGTERM/SIGINT become the same graceful `q` OpenVidu sends.
request_stop() {
	note_stop_request "$1"
	printf 'q\n' >"$OV2HA_STOP_FILE" 2>/dev/null || true
	kill_child
}

prepare_run_dir() {
	local earlier_life=false
	[[ ! -e $OV2HA_RUN_DIR/started ]] || earlier_life=true
	(umask 077 && mkdir -p "$OV2HA_RUN_DIR")
	chmod 0700 "$OV2HA_RUN_DIR"
	rm -f "$OV2HA_RUN_DIR"/{fenced,ffmpeg.exited,stopping,uploader.done,phase,progress,content,first-frame}
	# The stop file, at the container's first start: created, never emptied (as OpenVidu's
	# `touch stop`): a `q` written before this script got here (a stop right after the container
	# started) stops it before it records instead of being lost (it would record until killed).
	# After a restart (docker restart) it is emptied: the `q` of the earlier life is not a stop.
	if [[ $earlier_life == true ]]; then
		: >"$OV2HA_STOP_FILE"
	else
		: >>"$OV2HA_STOP_FILE"
	fi
	: >"$OV2HA_RUN_DIR/started"
}

# detect_container_id: this container's id from the bind mounts Docker makes for
# /etc/hostname, /etc/hosts and /etc/resolv.conf (host networking hides it from hostname),
# then from the cgroup path; empty when not found.
detect_container_id() {
	local id=''
	if [[ -r /proc/self/mountinfo ]]; then
		id=$(awk '$5 == "/etc/hostname" || $5 == "/etc/hosts" || $5 == "/etc/resolv.conf" { print $4 }' \
			/proc/self/mountinfo | grep -oE '/containers/[0-9a-f]{64}/' | head -n 1 || true)
		id=${id#/containers/}
		id=${id%/}
	fi
	if [[ -z $id && -r /proc/self/cgroup ]]; then
		id=$(grep -oE '(docker[-/])[0-9a-f]{64}' /proc/self/cgroup | head -n 1 || true)
		id=${id: -64}
	fi
	[[ $id =~ ^[0-9a-f]{64}$ ]] || id=''
	printf '%s' "$id"
}

# chunks_of_epoch_exist: any chunk file or segment list of this epoch in the folder.
chunks_of_epoch_exist() {
	local f
	for f in "$(chunk_dir)"/*-e"$HA_EPOCH".ts "$(segment_list_path)"; do
		[[ -e $f ]] && return 0
	done
	return 1
}

# prepare_chunk_folder: the recording's folder and the chunk folder, before ffmpeg starts.
prepare_chunk_folder() {
	local dir entity aside
	dir=$(recording_dir)
	entity="$dir/.recording.$VIDEO_ID"
	mkdir -p "$dir"
	if chunks_of_epoch_exist; then
		if [[ $RECORDING_ROLE == primary && ! -e $entity ]]; then
			# OpenVidu reuses a recording id once its .recording.<id> file is gone: the old
			# chunks belong to an earlier recording. Keep them, out of the way.
			aside="$dir/chunks-stale-$(now_ms)"
			mv "$(chunk_dir)" "$aside"
			log_warn stale_chunks_moved to="${aside##*/}"
		else
			log_error epoch_already_used epoch="$HA_EPOCH" folder="$(chunk_dir)" \
				reason="a recorder never overwrites chunks of its own epoch"
			return "$EX_TEMPFAIL"
		fi
	fi
	mkdir -p "$(chunk_dir)"
	chunk_dir >"$OV2HA_RUN_DIR/chunk_dir"
}

# write_openvidu_files: .recording.<id> (primary) and the non-empty placeholder OpenVidu
# checks for within 30 s; written just after ffmpeg started, so capture does not wait for them.
write_openvidu_files() {
	local dir entity placeholder
	dir=$(recording_dir)
	entity="$dir/.recording.$VIDEO_ID"
	placeholder="$dir/$VIDEO_NAME.$VIDEO_FORMAT"
	if [[ $RECORDING_ROLE == primary ]]; then
		if [[ -e $entity ]]; then
			log_warn recording_entity_exists file="${entity##*/}" action=kept
		else
			printf '%s\n' "$RECORDING_JSON" | atomic_write "$entity"
			log_info recording_entity_written file="${entity##*/}"
		fi
	fi
	if [[ -s $placeholder ]] && { [[ $RECORDING_ROLE == backup ]] || [[ -e $entity && $(stat -c %s "$placeholder") -gt 4096 ]]; }; then
		log_info placeholder_skipped reason=file_exists bytes="$(stat -c %s "$placeholder")"
	else
		printf 'OV2 HA Recorder: recording %s in progress; the final MP4 replaces this file.\n' "$VIDEO_ID" |
			atomic_write "$placeholder"
		log_info placeholder_written file="${placeholder##*/}"
	fi
}

start_agent() {
	agent_run &
	AGENT_PID=$!
}

start_uploader() {
	uploader_run &
	UPLOADER_PID=$!
}

# start_content: the content prober (lib/content.sh), for the real screen only, once ffmpeg
# captures (its probes are no burden on the way to the first frame). It only reads the
# display, the sound and ffmpeg's progress. Called by the supervisor.
start_content() {
	[[ $CONTENT_STARTED == false && $PHASE == capturing ]] || return 0
	CONTENT_STARTED=true
	content_enabled || return 0
	content_run &
	CONTENT_PID=$!
}

# stop_content: before the screen goes away (its probes would fail).
stop_content() {
	stop_helper "$CONTENT_PID"
	CONTENT_PID=''
}

# Screen: what ffmpeg films and hears, Xvfb and PulseAudio (unless ONLY_VIDEO), launched as
# soon as the settings are known (screen_launch) and waited for just before ffmpeg
# (screen_wait). Chromium comes after ffmpeg (start_browser): capture never waits for the page.
screen_audio() { if [[ $ONLY_VIDEO == true ]]; then printf false; else printf true; fi; }

screen_launch() {
	[[ $OV2HA_CAPTURE == x11 && $STANDBY_SCREEN == false ]] || return 0
	display_launch "$VIDEO_WIDTH" "$VIDEO_HEIGHT" "$(screen_audio)"
}

screen_wait() {
	[[ $OV2HA_CAPTURE == x11 && $STANDBY_SCREEN == false ]] || return 0
	display_wait "$VIDEO_WIDTH" "$VIDEO_HEIGHT" "$(screen_audio)"
}

# start_browser: Chromium on URL, once ffmpeg captures (or OV2HA_BROWSER_WAIT_MS after ffmpeg
# started, whichever comes first). Chromium's start is a burst of processes; on a loaded host
# it would delay ffmpeg's own start by seconds. Called by the supervisor.
BROWSER_STARTED=false
FFMPEG_STARTED_AT=0
start_browser() {
	[[ $BROWSER_STARTED == false ]] || return 0
	local now
	now_ms_to now
	[[ $PHASE != starting ]] || ((now - FFMPEG_STARTED_AT >= OV2HA_BROWSER_WAIT_MS)) || return 0
	BROWSER_STARTED=true
	[[ $OV2HA_CAPTURE == x11 ]] || return 0
	display_start_chromium "$VIDEO_WIDTH" "$VIDEO_HEIGHT" "$URL"
}

# start_ffmpeg: ffmpeg's progress goes through a pipe to progress_follow, which keeps only
# the last block (progress_file). The follower ends with ffmpeg (EOF); if it died first,
# ffmpeg's progress writes fail (SIGPIPE is ignored) and the recording goes on.
start_ffmpeg() {
	capture_build_args "$OV2HA_CAPTURE" "$X_DISPLAY"
	ffmpeg "${FFMPEG_ARGS[@]}" <"$OV2HA_STOP_FILE" 3> >(progress_follow "$(progress_file)") \
		>>"$OV2HA_RUN_DIR/ffmpeg.log" 2>&1 &
	FFMPEG_PID=$!
	now_ms_to FFMPEG_STARTED_AT
	log_info ffmpeg_started pid="$FFMPEG_PID" first_seq="$HA_START_CHUNK" \
		chunk_seconds="$HA_CHUNK_DURATION" source="$OV2HA_CAPTURE" display="${X_DISPLAY:-none}"
}

# note_first_frame: starting -> capturing once ffmpeg reports its first frame. first_frame_ms
# is the wall time of that frame: when the report arrived minus the media time it covers.
note_first_frame() {
	[[ $PHASE == starting ]] || return 0
	progress_read "$(progress_file)" || return 0
	[[ $PROGRESS_FRAMES != null ]] && ((PROGRESS_FRAMES > 0)) || return 0
	local media_ms=0
	[[ $PROGRESS_MEDIA_MS != null ]] && media_ms=$PROGRESS_MEDIA_MS
	set_phase capturing frames="$PROGRESS_FRAMES" media_ms="$PROGRESS_MEDIA_MS" \
		first_frame_ms="$((PROGRESS_WALL_MS - media_ms))"
	# the content prober dates what it sees on the media timeline from it
	printf '%s\n' "$((PROGRESS_WALL_MS - media_ms))" | atomic_write "$OV2HA_RUN_DIR/first-frame" || true
}

# check_helpers: restarts the agent, uploader or Chromium if one ended on its own.
check_helpers() {
	local rc now
	if [[ -n $AGENT_PID ]] && ! kill -0 "$AGENT_PID" 2>/dev/null; then
		rc=0
		wait "$AGENT_PID" || rc=$?
		AGENT_PID=''
		if [[ ! -e $OV2HA_RUN_DIR/fenced ]]; then
			log_warn agent_restarted exit_code="$rc"
			start_agent
		fi
	fi
	if [[ -n $UPLOADER_PID ]] && ! kill -0 "$UPLOADER_PID" 2>/dev/null; then
		rc=0
		wait "$UPLOADER_PID" || rc=$?
		UPLOADER_PID=''
		if [[ ! -e $OV2HA_RUN_DIR/fenced ]]; then
			log_warn uploader_restarted exit_code="$rc"
			start_uploader
		fi
	fi
	if [[ -n $CONTENT_PID ]] && ! kill -0 "$CONTENT_PID" 2>/dev/null; then
		rc=0
		wait "$CONTENT_PID" || rc=$?
		CONTENT_PID=''
		now=$(now_ms)
		# At most one restart per 5 s: the prober is worth no restart loop.
		if [[ $STOP_REQUESTED == false ]] && ((now - CONTENT_RESTARTED_AT > 5000)); then
			CONTENT_RESTARTED_AT=$now
			log_warn content_prober_restarted exit_code="$rc"
			content_run &
			CONTENT_PID=$!
		fi
	fi
	if [[ -n $CHROMIUM_PID && $STOP_REQUESTED == false ]] && ! kill -0 "$CHROMIUM_PID" 2>/dev/null; then
		now=$(now_ms)
		if ((now - CHROMIUM_RESTARTED_AT > 5000)); then
			CHROMIUM_RESTARTED_AT=$now
			log_warn chromium_exited action=restart
			display_start_chromium "$VIDEO_WIDTH" "$VIDEO_HEIGHT" "$URL"
		fi
	fi
}

# supervise: returns when ffmpeg has exited or the recorder was fenced.
supervise() {
	local now since
	while :; do
		[[ -e $OV2HA_RUN_DIR/fenced ]] && return 0
		if ! kill -0 "$FFMPEG_PID" 2>/dev/null; then
			FFMPEG_RC=0
			wait "$FFMPEG_PID" || FFMPEG_RC=$?
			return 0
		fi
		if [[ $STOP_REQUESTED == false ]] && stop_file_has_q; then
			note_stop_request stop_file
		fi
		note_first_frame
		[[ $STOP_REQUESTED == true ]] || start_browser
		[[ $STOP_REQUESTED == true ]] || start_content
		if [[ $STOP_REQUESTED == true ]]; then
			set_phase stopping
			now_ms_to now
			# ffmpeg closes its chunk within a fraction of a second after q; if it does not,
			# SIGINT (also graceful), then SIGKILL (the flushed partial chunk stays decodable).
			# Counted from the stop, or from ffmpeg's start for a stop that came before it.
			since=$STOP_AT
			if ((FFMPEG_STARTED_AT > since)); then since=$FFMPEG_STARTED_AT; fi
			if ((now - since > 8000)); then
				log_warn ffmpeg_kill signal=KILL
				kill -KILL "$FFMPEG_PID" 2>/dev/null || true
			elif ((now - since > 4000)); then
				log_warn ffmpeg_kill signal=INT
				kill -INT "$FFMPEG_PID" 2>/dev/null || true
			fi
		fi
		check_helpers
		pause 0.2
	done
}

# stop_helper PID: TERM, wait at most 3 s, then KILL.
stop_helper() {
	local pid=$1 i
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 30; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# drain_uploader DEADLINE_MS: waits for the uploader to finish the last chunks.
drain_uploader() {
	local deadline=$1 rc=0 backlog
	touch "$OV2HA_RUN_DIR/stopping"
	while [[ -n $UPLOADER_PID ]] && kill -0 "$UPLOADER_PID" 2>/dev/null && (($(now_ms) < deadline)); do
		[[ -e $OV2HA_RUN_DIR/fenced ]] && break
		pause 0.1
	done
	if [[ -n $UPLOADER_PID ]] && kill -0 "$UPLOADER_PID" 2>/dev/null; then
		stop_helper "$UPLOADER_PID"
		UPLOADER_PID=''
		backlog=$(($(segment_list_complete_lines "$(segment_list_path)") - $(lines_in "$OV2HA_RUN_DIR/uploader.done")))
		log_warn uploader_drain_timeout backlog="$backlog" note="chunks stay on disk; the controller takes them from there"
		return 0
	fi
	if [[ -n $UPLOADER_PID ]]; then
		wait "$UPLOADER_PID" || rc=$?
		UPLOADER_PID=''
	fi
	log_info uploader_finished exit_code="$rc"
}

# finalize DEADLINE_MS: asks the controller to join the chunks, bounded by the deadline:
# the controller is asked to answer (202 if not done) 2 s before curl gives up.
finalize() {
	local deadline=$1 max_s wait_s
	max_s=$(((deadline - $(now_ms)) / 1000))
	((max_s < 3)) && max_s=3
	wait_s=$((max_s - 2))
	((wait_s > 25)) && wait_s=25
	log_info finalize_requested wait_s="$wait_s" max_time_s="$max_s"
	api_call POST "/api/recordings/$VIDEO_ID/finalize?waitSeconds=$wait_s" "{\"epoch\":$HA_EPOCH}" "$max_s"
	case $API_OUTCOME in
	ok)
		if [[ $API_STATUS == 202 ]]; then
			log_info finalize_pending status="$API_STATUS" note="the controller goes on after this recorder exits"
		else
			log_info finalize_done status="$API_STATUS"
		fi
		;;
	fenced)
		if [[ $API_TYPE == "${PROBLEM_PREFIX}recording-final" ]]; then
			log_info finalize_done status="$API_STATUS" problem=recording-final
		else
			log_error finalize_refused status="$API_STATUS" problem="$(api_problem_name)"
			return "$EX_FENCED"
		fi
		;;
	*) log_warn finalize_failed status="$API_STATUS" problem="$(api_problem_name)" curl_rc="$API_CURL_RC" \
		note="the controller finalizes later" ;;
	esac
	return 0
}

# on_fenced: stop recording at once, upload and report nothing more, delete nothing.
on_fenced() {
	log_error recording_stopped reason=fenced problem="$(head -n 1 "$OV2HA_RUN_DIR/fenced" 2>/dev/null)"
	set_phase stopping
	if [[ -n $FFMPEG_PID ]] && kill -0 "$FFMPEG_PID" 2>/dev/null; then
		printf 'q\n' >"$OV2HA_STOP_FILE" 2>/dev/null || true
		local i
		for ((i = 0; i < 20; i++)); do
			kill -0 "$FFMPEG_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$FFMPEG_PID" 2>/dev/null || true
		wait "$FFMPEG_PID" 2>/dev/null || true
	fi
	stop_content
	stop_helper "$UPLOADER_PID"
	stop_helper "$AGENT_PID"
	display_stop
	exit "$EX_FENCED"
}

# finish: after ffmpeg's exit; graceful stop (exit 0) or ffmpeg died (exit 1).
finish() {
	local exited_at stop_deadline chunks rc=0
	now_ms_to exited_at
	[[ -e $OV2HA_RUN_DIR/fenced ]] && on_fenced
	touch "$OV2HA_RUN_DIR/ffmpeg.exited"
	set_phase stopping
	# ffmpeg may have read the q before the supervisor saw it: the stop is noted now.
	stop_file_has_q && note_stop_request stop_file
	chunks=$(segment_list_complete_lines "$(segment_list_path)")
	if [[ $STOP_REQUESTED == true ]]; then
		log_info ffmpeg_exited exit_code="$FFMPEG_RC" chunks="$chunks" last_seq="$(last_complete_seq)"
	else
		log_error ffmpeg_died exit_code="$FFMPEG_RC" chunks="$chunks" \
			last_log="$(grep -v '^[[:space:]]*$' "$OV2HA_RUN_DIR/ffmpeg.log" 2>/dev/null | tail -n 1 | cut -c1-300)"
	fi
	stop_content
	display_stop
	# The drain counts from ffmpeg's exit, when the last chunk is closed.
	drain_uploader "$((exited_at + OV2HA_DRAIN_TIMEOUT * 1000))"
	[[ -e $OV2HA_RUN_DIR/fenced ]] && on_fenced
	stop_helper "$AGENT_PID"
	AGENT_PID=''
	[[ -e $OV2HA_RUN_DIR/fenced ]] && on_fenced
	if [[ $STOP_REQUESTED != true ]]; then
		log_error recorder_exit exit_code="$EX_FFMPEG_DIED" reason=ffmpeg_died
		exit "$EX_FFMPEG_DIED"
	fi
	write_stop_marker || log_warn stop_marker_failed
	# The stop's budget counts from the stop request: OpenVidu's 30 s run from its q.
	stop_deadline=$((STOP_AT + OV2HA_STOP_TIMEOUT * 1000))
	finalize "$stop_deadline" || rc=$?
	if [[ -s $(recording_dir)/$VIDEO_ID.info ]]; then
		log_info info_file_present file="$VIDEO_ID.info"
	fi
	log_info recorder_exit exit_code="$rc" stop_ms="$(($(now_ms) - STOP_AT))"
	exit "$rc"
}

# Startup was interrupted by a stop (before ffmpeg ran): nothing recorded, finalize anyway.
stop_before_recording() {
	note_stop_request stop_file
	log_info stop_before_recording
	write_openvidu_files
	FFMPEG_RC=none
	touch "$OV2HA_RUN_DIR/ffmpeg.exited"
	set_phase stopping
	display_stop
	stop_helper "$AGENT_PID"
	AGENT_PID=''
	[[ -e $OV2HA_RUN_DIR/fenced ]] && on_fenced
	local rc=0
	write_stop_marker || log_warn stop_marker_failed
	finalize "$((STOP_AT + OV2HA_STOP_TIMEOUT * 1000))" || rc=$?
	log_info recorder_exit exit_code="$rc" reason=stopped_before_recording
	exit "$rc"
}

# standby: HA_STANDBY=true (lib/standby.sh). Returns once assigned, with the assignment's
# variables in the environment; exits on a stop request (0) or when it cannot serve (1, 65).
standby() {
	local rc=0
	if ! standby_prepare "$SCRIPT_DIR/standby.html"; then
		log_error recorder_exit exit_code="$EX_FFMPEG_DIED" reason=standby_screen_failed
		display_stop
		exit "$EX_FFMPEG_DIED"
	fi
	set_phase standby
	if ! standby_wait; then
		log_info recorder_exit exit_code=0 reason=standby_stopped
		display_stop
		exit 0
	fi
	standby_load_assignment || rc=$?
	if ((rc != 0)); then
		log_error recorder_exit exit_code="$EX_DATAERR" reason=standby_assignment_refused
		display_stop
		exit "$EX_DATAERR"
	fi
	# the page loads while the settings are checked and ffmpeg starts (the old recorder is gone);
	# a URL that is not http(s) never reaches the browser (config_load then refuses it)
	if [[ ${URL:-} =~ ^https?://[^[:space:]]+$ ]]; then
		BROWSER_STARTED=true
		standby_navigate "$URL"
	fi
}

on_error() {
	log_error script_error line="$1" command="$2"
}

main() {
	umask 022
	export TZ=UTC
	log_component main
	trap 'on_error "$LINENO" "$BASH_COMMAND"' ERR
	trap 'request_stop TERM' TERM
	trap 'request_stop INT' INT
	trap '' HUP PIPE
	prepare_run_dir
	# Only events reach the container log: the shell's own messages (a background job
	# "Killed", a failed redirection) go to a file; log() writes to the saved stderr.
	exec 9>&2 2>>"$OV2HA_RUN_DIR/stderr.log"
	LOG_FD=9
	log_info recorder_starting mode=COMPOSED pid="$$" standby="${HA_STANDBY:-false}"
	if standby_enabled; then
		standby
	fi
	config_load || exit "$EX_CONFIG"
	export URL ONLY_VIDEO RESOLUTION FRAMERATE VIDEO_ID VIDEO_NAME VIDEO_FORMAT RECORDING_JSON \
		DEBUG_MODE CONTAINER_WORKING_MODE
	config_protect_secrets
	config_summary
	api_init
	set_phase starting
	# The critical path to the first frame: screen, chunk folder, ffmpeg. Everything else
	# (OpenVidu's files, agent, uploader, Chromium) comes after ffmpeg was started.
	screen_launch
	local rc=0
	prepare_chunk_folder || rc=$?
	if ((rc != 0)); then
		display_stop
		exit "$rc"
	fi
	if ! screen_wait; then
		log_error recorder_exit exit_code="$EX_FFMPEG_DIED" reason=screen_failed
		write_openvidu_files
		display_stop
		exit "$EX_FFMPEG_DIED"
	fi
	if [[ $STOP_REQUESTED == true ]] || stop_file_has_q; then
		stop_before_recording
	fi
	start_ffmpeg
	write_openvidu_files
	CONTAINER_ID=$(detect_container_id)
	HOST_NAME=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
	start_agent
	start_uploader
	supervise
	finish
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	if [[ ! -d ${OV2HA_RECORDINGS_DIR} ]]; then
		mkdir -p "$OV2HA_RECORDINGS_DIR" 2>/dev/null || {
			log_error recordings_folder_missing path="$OV2HA_RECORDINGS_DIR"
			exit "$EX_CANTCREAT"
		}
	fi
	main "$@"
fi
