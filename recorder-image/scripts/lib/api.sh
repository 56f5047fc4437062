#!/usr/bin/env bash
# shellcheck disable=SC2034 # variables set here are read by the scripts that source this file
# Controller HTTP calls (docs/recorder-protocol.md). Requires common.sh.
# Credentials go to curl through a private config file, never on a command line.

PROBLEM_PREFIX=urn:ov2-ha-recorder:problem:

# api_init: writes the curl config with the recorder credentials into the private run dir.
api_init() {
	CURL_CONFIG="$OV2HA_RUN_DIR/curl.conf"
	write_curl_credentials "$CURL_CONFIG" "$HA_RECORDER_USERNAME" "$HA_RECORDER_PASSWORD"
}

# api_call METHOD PATH BODY MAX_TIME
# Sets API_STATUS (HTTP status, 000 when no answer), API_TYPE (problem type or empty),
# API_BODY and API_OUTCOME, one of:
#   ok        2xx
#   fenced    409 stale-epoch | container-conflict | recording-final: stop at once
#   not_found 404 recording-not-found: (primary) register again, keep recording
#   invalid   400, or 409 chunk-conflict | too-many-chunks: log, do not retry the same body
#   retry     anything else (timeouts, 5xx, 401, ...): retry with backoff
api_call() {
	local method=$1 path=$2 body=$3 max_time=$4 base rc=0
	# Request, answer and status go through files in the private run dir: the body may
	# hold OpenVidu's secret (register), and run_child keeps the call interruptible.
	base="$OV2HA_RUN_DIR/api.$BASHPID"
	printf '%s' "$body" >"$base.req"
	: >"$base.out"
	run_child curl -sS -o "$base.out" -w '%{http_code}' -K "$CURL_CONFIG" \
		--connect-timeout 2 --max-time "$max_time" -X "$method" \
		-H 'Content-Type: application/json' -H 'Accept: application/json, application/problem+json' \
		--data-binary "@$base.req" "$HA_CONTROLLER_URL$path" >"$base.status" 2>/dev/null || rc=$?
	# Builtins where they do (heartbeats run every second): read, not $(<file) or head.
	API_STATUS='' API_BODY='' API_TYPE=''
	read -r API_STATUS <"$base.status" || true
	[[ $API_STATUS =~ ^[0-9]{3}$ ]] || API_STATUS=000
	API_CURL_RC=$rc
	IFS= read -r -d '' -N 4096 API_BODY <"$base.out" || true
	# Emptied, not removed (no process): the register request holds OpenVidu's secret.
	: >"$base.req"
	: >"$base.out"
	: >"$base.status"
	# Only an error answer carries a problem type worth a jq.
	if [[ $API_STATUS != 2?? ]]; then
		API_TYPE=$(jq -r 'if type == "object" then (.type // empty) else empty end' <<<"$API_BODY" 2>/dev/null || true)
	fi
	API_OUTCOME=$(api_classify "$API_STATUS" "$API_TYPE")
}

# api_classify STATUS TYPE
api_classify() {
	local status=$1 type=$2
	case $status in
	2??) printf ok ;;
	409)
		case $type in
		"${PROBLEM_PREFIX}stale-epoch" | "${PROBLEM_PREFIX}container-conflict" | "${PROBLEM_PREFIX}recording-final")
			printf fenced
			;;
		"${PROBLEM_PREFIX}chunk-conflict" | "${PROBLEM_PREFIX}too-many-chunks") printf invalid ;;
		*) printf retry ;;
		esac
		;;
	404)
		if [[ $type == "${PROBLEM_PREFIX}recording-not-found" ]]; then printf not_found; else printf retry; fi
		;;
	400) printf invalid ;;
	*) printf retry ;;
	esac
}

# api_problem_name: the short problem name of the last call ("stale-epoch"), or the status.
api_problem_name() {
	if [[ -n $API_TYPE ]]; then
		printf '%s' "${API_TYPE#"$PROBLEM_PREFIX"}"
	else
		printf 'http_%s' "$API_STATUS"
	fi
}

# fence_signal REASON: records that the controller fenced this recorder; the supervisor
# (composed-ha.sh) stops recording at once when it sees the file.
fence_signal() {
	local reason=$1
	[[ -e $OV2HA_RUN_DIR/fenced ]] || printf '%s\n' "$reason" >"$OV2HA_RUN_DIR/fenced"
	log_error fenced reason="$reason" epoch="$HA_EPOCH"
}
