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
OV2HA_UPLOADER_POLL=${OV2HA_UPLOADER_POLL:-0.1} # s between looks at the segment list

declare -A UPLOADER_DONE=()
UPLOADER_QUEUE=()
# The chunk at the head of the queue: its facts, and whether its upload is confirmed.
HEAD_SEQ=''
HEAD_UPLOADED=false
HEAD_SIZE=''
HEAD_SUM=''

# s3_init: the S3 keys in a private curl config file (mode 600, in the run dir), so they
# appear on no command line and in no environment.
s3_init() {
	S3_CURL_CONFIG="$OV2HA_RUN_DIR/s3.curl.conf"
	write_curl_credentials "$S3_CURL_CONFIG" "$HA_S3_ACCESS_KEY" "$HA_S3_SECRET_KEY"
}

# uri_encode_path PATH: percent-encodes every byte but A-Z a-z 0-9 - . _ ~ and /, as S3's
# canonical URI does (keys are ASCII: see the settings' validation).
uri_encode_path() {
	local in=$1 out='' c i
	for ((i = 0; i < ${#in}; i++)); do
		c=${in:i:1}
		case $c in
		[A-Za-z0-9._~/-]) out+=$c ;;
		*) printf -v c '%%%02X' "'$c" && out+=$c ;;
		esac
	done
	printf '%s' "$out"
}

# s3_upload FILE KEY SHA256_HEX: one PUT of FILE to KEY (path-style, AWS SigV4 signed by curl:
# one small process per chunk, where an rclone start cost seconds on a loaded host). S3
# checks the body against the SHA-256 in the signed x-amz-content-sha256 header.
s3_upload() {
	local file=$1 key=$2 sum=$3 out="$OV2HA_RUN_DIR/s3.out" status='' rc=0 code
	: >"$out"
	run_child curl -sS -K "$S3_CURL_CONFIG" --aws-sigv4 "aws:amz:$HA_S3_REGION:s3" \
		-H "x-amz-content-sha256: $sum" -H 'Expect:' \
		--connect-timeout 5 --max-time "$OV2HA_UPLOAD_TIMEOUT" --speed-limit 1 --speed-time 30 \
		-T "$file" -o "$out" -w '%{http_code}' \
		"$HA_S3_ENDPOINT/$HA_S3_BUCKET/$(uri_encode_path "$key")" >"$out.status" 2>"$out.err" || rc=$?
	read -r status <"$out.status" || true
	[[ $status =~ ^[0-9]{3}$ ]] || status=000
	if ((rc == 0)) && [[ $status == 2?? ]]; then
		return 0
	fi
	# S3's error code only (its error document can echo the access key id).
	code=$(sed -n 's:.*<Code>\([A-Za-z0-9]*\)</Code>.*:\1:p' "$out" 2>/dev/null | head -n 1)
	UPLOAD_ERROR="status=$status curl_rc=$rc${code:+ code=$code} $(grep -v '^[[:space:]]*$' "$out.err" | tail -n 1 | cut -c1-200)"
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

# uploader_poll: appends the segment list's new complete lines to the queue (follow_new_lines:
# one read, no process, so the uploader looks every OV2HA_UPLOADER_POLL seconds and picks up
# a complete chunk at once).
UPLOADER_LIST=''
UPLOADER_CHUNK_DIR=''
uploader_poll() {
	[[ -n $UPLOADER_LIST ]] || UPLOADER_LIST=$(segment_list_path)
	follow_new_lines segment_list "$UPLOADER_LIST"
	UPLOADER_QUEUE+=("${FOLLOWED[@]}")
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
	local line=$1 path key started now
	if ! parse_segment_line "$line"; then
		log_warn segment_line_ignored line="${line:0:120}"
		return 0
	fi
	if [[ $SEG_EPOCH != "$HA_EPOCH" ]]; then
		log_warn segment_line_ignored reason=other_epoch file="$SEG_FILE"
		return 0
	fi
	[[ -z ${UPLOADER_DONE[$SEG_SEQ]:-} ]] || return 0
	[[ -n $UPLOADER_CHUNK_DIR ]] || UPLOADER_CHUNK_DIR=$(chunk_dir)
	path="$UPLOADER_CHUNK_DIR/$SEG_FILE"
	if [[ $HEAD_SEQ != "$SEG_SEQ" ]]; then
		if [[ ! -f $path ]]; then
			log_error chunk_missing seq="$SEG_SEQ" file="$SEG_FILE"
			uploader_mark_done "$SEG_SEQ" missing
			return 0
		fi
		HEAD_SEQ=$SEG_SEQ
		HEAD_UPLOADED=false
		HEAD_SIZE=$(stat -c %s -- "$path")
		HEAD_SUM=$(sha256sum -- "$path")
		HEAD_SUM="sha256:${HEAD_SUM%% *}"
	fi
	if [[ $HA_RECORDING_STORAGE == s3 && $HEAD_UPLOADED == false ]]; then
		key=$(storage_key "$SEG_FILE")
		now_ms_to started
		if ! s3_upload "$path" "$key" "${HEAD_SUM#sha256:}"; then
			log_warn chunk_upload_failed seq="$SEG_SEQ" key="$key" error="${UPLOAD_ERROR:-unknown}"
			return 1
		fi
		HEAD_UPLOADED=true
		now_ms_to now
		log_info chunk_uploaded seq="$SEG_SEQ" key="$key" bytes="$HEAD_SIZE" ms="$((now - started))"
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
	[[ $HA_RECORDING_STORAGE == s3 ]] && s3_init
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
			pause "$OV2HA_UPLOADER_POLL"
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
