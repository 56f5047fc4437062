#!/usr/bin/env bash
# The uploader: follows this epoch's segment list (ffmpeg's "chunk complete" signal) and,
# for each complete chunk in order, uploads it to S3 (s3 mode) and reports it to the
# controller. Runs as a background subshell of composed-ha.sh.
# Requires common.sh, chunks.sh, api.sh.
#
# - Never deletes or changes a chunk file: the controller's retention does.
# - Retries with backoff forever while recording; recording goes on whatever happens here.
# - Files in OV2HA_RUN_DIR:
#     uploader.done  one "<seq> <result>" line per chunk that needs no more work
#                    (result: reported | rejected | missing); read again after a restart
#     ffmpeg.exited  created by the supervisor: the segment list is final; drain and exit
#     stopping       created by the supervisor at stop: shorter backoff
#     fenced         created on a fencing answer (409); the uploader exits 3

OV2HA_BACKOFF_MAX=${OV2HA_BACKOFF_MAX:-30}
OV2HA_UPLOAD_TIMEOUT=${OV2HA_UPLOAD_TIMEOUT:-120}
OV2HA_REPORT_TIMEOUT=${OV2HA_REPORT_TIMEOUT:-10}

declare -A UPLOADER_DONE=()
UPLOADER_QUEUE=()
UPLOADER_CONSUMED=0
# The chunk at the head of the queue: its facts, and whether its upload is confirmed.
HEAD_SEQ=''
HEAD_UPLOADED=false
HEAD_SIZE=''
HEAD_SUM=''

# s3_env: rclone reads this remote ("ha:") from the environment of the uploader process
# only, so the keys appear on no command line and in no other process.
s3_env() {
	export RCLONE_CONFIG_HA_TYPE=s3
	export RCLONE_CONFIG_HA_PROVIDER=Other
	export RCLONE_CONFIG_HA_ENDPOINT="$HA_S3_ENDPOINT"
	export RCLONE_CONFIG_HA_REGION="$HA_S3_REGION"
	export RCLONE_CONFIG_HA_ACCESS_KEY_ID="$HA_S3_ACCESS_KEY"
	export RCLONE_CONFIG_HA_SECRET_ACCESS_KEY="$HA_S3_SECRET_KEY"
	export RCLONE_CONFIG_HA_FORCE_PATH_STYLE=true
	export RCLONE_CONFIG_HA_NO_CHECK_BUCKET=true
	export RCLONE_CONFIG="$OV2HA_RUN_DIR/rclone.conf"
	[[ -e $RCLONE_CONFIG ]] || : >"$RCLONE_CONFIG"
}

# s3_upload FILE KEY: one upload attempt (rclone's own retries off: the caller backs off).
s3_upload() {
	local file=$1 key=$2 err="$OV2HA_RUN_DIR/rclone.err"
	if run_child timeout -k 5 "$OV2HA_UPLOAD_TIMEOUT" rclone copyto "$file" "ha:$HA_S3_BUCKET/$key" \
		--retries 1 --low-level-retries 2 --contimeout 5s --timeout 30s \
		--no-traverse --no-check-dest --log-level ERROR --stats 0 2>"$err"; then
		return 0
	fi
	UPLOAD_ERROR=$(grep -v '^[[:space:]]*$' "$err" | tail -n 1 | cut -c1-300)
	return 1
}

uploader_load_done() {
	local seq rest
	[[ -f $OV2HA_RUN_DIR/uploader.done ]] || return 0
	while read -r seq rest; do
		[[ $seq =~ ^[0-9]+$ ]] && UPLOADER_DONE[$seq]=${rest:-reported}
	done <"$OV2HA_RUN_DIR/uploader.done"
}

uploader_mark_done() {
	local seq=$1 result=$2
	UPLOADER_DONE[$seq]=$result
	printf '%s %s\n' "$seq" "$result" >>"$OV2HA_RUN_DIR/uploader.done"
}

# uploader_poll: appends the new complete lines of the segment list to the queue.
uploader_poll() {
	local csv total
	local -a lines=()
	csv=$(segment_list_path)
	total=$(segment_list_complete_lines "$csv")
	((total > UPLOADER_CONSUMED)) || return 0
	mapfile -t -s "$UPLOADER_CONSUMED" -n "$((total - UPLOADER_CONSUMED))" lines <"$csv"
	UPLOADER_CONSUMED=$((UPLOADER_CONSUMED + ${#lines[@]}))
	UPLOADER_QUEUE+=("${lines[@]}")
}

# uploader_report SEQ FILE DURATION: returns 0 done, 1 retry, 3 fenced.
uploader_report() {
	local seq=$1 file=$2 duration=$3 key body
	key=$(storage_key "$file")
	printf -v body '{"seq":%s,"epoch":%s,"durationSeconds":%s,"sizeBytes":%s,"checksum":"%s","storageKey":"%s"}' \
		"$seq" "$HA_EPOCH" "$duration" "$HEAD_SIZE" "$HEAD_SUM" "$key"
	api_call POST "/api/recordings/$VIDEO_ID/chunks" "$body" "$OV2HA_REPORT_TIMEOUT"
	case $API_OUTCOME in
	ok)
		log_info chunk_reported seq="$seq" status="$API_STATUS"
		uploader_mark_done "$seq" reported
		return 0
		;;
	fenced)
		fence_signal "$(api_problem_name)"
		return 3
		;;
	invalid)
		log_error chunk_report_rejected seq="$seq" status="$API_STATUS" problem="$(api_problem_name)"
		uploader_mark_done "$seq" rejected
		return 0
		;;
	*)
		log_warn chunk_report_failed seq="$seq" status="$API_STATUS" problem="$(api_problem_name)" curl_rc="$API_CURL_RC"
		return 1
		;;
	esac
}

# uploader_process LINE: returns 0 when the chunk needs no more work, 1 to retry later,
# 3 when fenced.
uploader_process() {
	local line=$1 path key started
	if ! parse_segment_line "$line"; then
		log_warn segment_line_ignored line="${line:0:120}"
		return 0
	fi
	if [[ $SEG_EPOCH != "$HA_EPOCH" ]]; then
		log_warn segment_line_ignored reason=other_epoch file="$SEG_FILE"
		return 0
	fi
	[[ -z ${UPLOADER_DONE[$SEG_SEQ]:-} ]] || return 0
	path="$(chunk_dir)/$SEG_FILE"
	if [[ $HEAD_SEQ != "$SEG_SEQ" ]]; then
		if [[ ! -f $path ]]; then
			log_error chunk_missing seq="$SEG_SEQ" file="$SEG_FILE"
			uploader_mark_done "$SEG_SEQ" missing
			return 0
		fi
		HEAD_SEQ=$SEG_SEQ
		HEAD_UPLOADED=false
		HEAD_SIZE=$(file_size "$path")
		HEAD_SUM=$(file_sha256 "$path")
	fi
	if [[ $HA_RECORDING_STORAGE == s3 && $HEAD_UPLOADED == false ]]; then
		key=$(storage_key "$SEG_FILE")
		started=$(now_ms)
		if ! s3_upload "$path" "$key"; then
			log_warn chunk_upload_failed seq="$SEG_SEQ" key="$key" error="${UPLOAD_ERROR:-unknown}"
			return 1
		fi
		HEAD_UPLOADED=true
		log_info chunk_uploaded seq="$SEG_SEQ" key="$key" bytes="$HEAD_SIZE" ms="$(($(now_ms) - started))"
	fi
	uploader_report "$SEG_SEQ" "$SEG_FILE" "$SEG_DURATION"
}

uploader_backlog() {
	local n=0 line
	for line in "${UPLOADER_QUEUE[@]}"; do
		if parse_segment_line "$line" && [[ -z ${UPLOADER_DONE[$SEG_SEQ]:-} ]]; then
			n=$((n + 1))
		fi
	done
	printf '%s' "$n"
}

# uploader_run: the uploader's main loop. Exits 0 once drained after ffmpeg's exit,
# 3 when fenced, 143 on TERM.
uploader_run() {
	local attempt=0 rc delay cap
	log_component uploader
	trap 'kill_child; log_info uploader_stopped backlog="$(uploader_backlog)"; exit 143' TERM
	trap '' INT
	[[ $HA_RECORDING_STORAGE == s3 ]] && s3_env
	uploader_load_done
	log_info uploader_started storage="$HA_RECORDING_STORAGE" segment_list="$(segment_list_path)"
	while :; do
		[[ -e $OV2HA_RUN_DIR/fenced ]] && exit 3
		uploader_poll
		if ((${#UPLOADER_QUEUE[@]} == 0)); then
			if [[ -e $OV2HA_RUN_DIR/ffmpeg.exited ]]; then
				uploader_poll
				if ((${#UPLOADER_QUEUE[@]} == 0)); then
					log_info uploader_drained
					exit 0
				fi
				continue
			fi
			pause 0.3
			continue
		fi
		rc=0
		uploader_process "${UPLOADER_QUEUE[0]}" || rc=$?
		case $rc in
		0)
			UPLOADER_QUEUE=("${UPLOADER_QUEUE[@]:1}")
			attempt=0
			;;
		3) exit 3 ;;
		*)
			attempt=$((attempt + 1))
			cap=$OV2HA_BACKOFF_MAX
			[[ -e $OV2HA_RUN_DIR/stopping ]] && cap=1
			delay=$(backoff_delay "$attempt" "$cap")
			log_debug uploader_retry_scheduled attempt="$attempt" delay_s="$delay" backlog="$(uploader_backlog)"
			pause "$delay"
			;;
		esac
	done
}
