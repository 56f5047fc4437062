#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2034 # variables set here (EXIT_CODE, ...) are read by the .bats files
# Shared setup for the recorder's bats tests: a private temp tree, the stub curl (controller
# and S3) first in PATH, and a valid COMPOSED environment that records lavfi sources (no X).

TEST_DIR_ROOT=$(cd "${BATS_TEST_DIRNAME}" && pwd)
IMAGE_DIR=$(cd "$TEST_DIR_ROOT/.." && pwd)
SCRIPTS_DIR="$IMAGE_DIR/scripts"

SECRET_URL_PART=OVSECRET123
SECRET_PASSWORD='rec-pass"wo\rd'
SECRET_S3_KEY=S3SECRETKEY987

recorder_env_setup() {
	WORK="$BATS_TEST_TMPDIR/w"
	mkdir -p "$WORK/recordings" "$WORK/stub/responses"
	export STUB_DIR="$WORK/stub"
	export PATH="$TEST_DIR_ROOT/stubs:$PATH"
	export OV2HA_RECORDINGS_DIR="$WORK/recordings"
	export OV2HA_STOP_FILE="$WORK/stop"
	export OV2HA_RUN_DIR="$WORK/run"
	export OV2HA_CAPTURE=lavfi
	export HA_RECORDER_ENV_FILE="$WORK/recorder.env"
	: >"$HA_RECORDER_ENV_FILE"
	export TZ=UTC
	# OpenVidu's variables.
	export CONTAINER_WORKING_MODE=COMPOSED
	export URL="https://OPENVIDUAPP:${SECRET_URL_PART}@ov.example.test/dashboard/#/layout-best-fit/ses_T/${SECRET_URL_PART}/443/false"
	export ONLY_VIDEO=false RESOLUTION=320x180 FRAMERATE=10 VIDEO_ID=ses_T VIDEO_NAME=ses_T
	export VIDEO_FORMAT=mp4 DEBUG_MODE=false
	export RECORDING_JSON='{"id":"ses_T","object":"recording","name":"ses_T","outputMode":"COMPOSED","resolution":"320x180","frameRate":10,"recordingLayout":"BEST_FIT","sessionId":"ses_T","createdAt":1700000005000,"size":0,"duration":0.0,"url":null,"hasAudio":true,"hasVideo":true,"status":"started"}'
	# HA settings.
	export HA_CONTROLLER_URL=http://127.0.0.1:9/
	export HA_RECORDER_USERNAME=recorder HA_RECORDER_PASSWORD="$SECRET_PASSWORD"
	export HA_RECORDING_STORAGE=s3 HA_S3_ENDPOINT=http://127.0.0.1:9 HA_S3_BUCKET=chunks-test
	export HA_S3_ACCESS_KEY=AKTEST HA_S3_SECRET_KEY="$SECRET_S3_KEY"
	export HA_CHUNK_DURATION=1 HA_HEARTBEAT_INTERVAL=1
	unset HA_EPOCH HA_START_CHUNK HA_S3_PREFIX HA_S3_REGION
}

# Loads the libraries into the test shell for unit tests (no main).
load_libs() {
	# shellcheck source=../scripts/lib/common.sh
	source "$SCRIPTS_DIR/lib/common.sh"
	# shellcheck source=../scripts/lib/config.sh
	source "$SCRIPTS_DIR/lib/config.sh"
	# shellcheck source=../scripts/lib/chunks.sh
	source "$SCRIPTS_DIR/lib/chunks.sh"
	# shellcheck source=../scripts/lib/api.sh
	source "$SCRIPTS_DIR/lib/api.sh"
	# shellcheck source=../scripts/lib/capture.sh
	source "$SCRIPTS_DIR/lib/capture.sh"
	# shellcheck source=../scripts/lib/progress.sh
	source "$SCRIPTS_DIR/lib/progress.sh"
	# shellcheck source=../scripts/lib/uploader.sh
	source "$SCRIPTS_DIR/lib/uploader.sh"
	# shellcheck source=../scripts/lib/agent.sh
	source "$SCRIPTS_DIR/lib/agent.sh"
	# shellcheck source=../scripts/lib/content.sh
	source "$SCRIPTS_DIR/lib/content.sh"
}

# set_response ROUTE STATUS [DELAY] [BODY]: the stub controller's answer for ROUTE.
set_response() {
	printf '%s %s\n%s' "$2" "${3:-0}" "${4:-}" >"$STUB_DIR/responses/$1"
}

problem_body() {
	printf '{"type":"urn:ov2-ha-recorder:problem:%s","title":"%s","status":%s}' "$1" "$1" "$2"
}

# Starts the recorder in the background; its log goes to $WORK/recorder.log.
start_recorder() {
	"$SCRIPTS_DIR/composed-ha.sh" >"$WORK/recorder.log" 2>&1 3>&- &
	RECORDER_PID=$!
}

# stop_like_openvidu: OpenVidu's stop, a docker exec of bash -c "echo 'q' > stop" in the
# folder of the stop file.
stop_like_openvidu() {
	(cd "${OV2HA_STOP_FILE%/*}" && bash -c "echo 'q' > ${OV2HA_STOP_FILE##*/}")
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
	local timeout=$1 i
	shift
	for ((i = 0; i < timeout * 10; i++)); do
		if "$@"; then return 0; fi
		sleep 0.1
	done
	echo "timed out after ${timeout}s waiting for: $*" >&2
	return 1
}

# wait_exit PID SECONDS: waits for the background process, sets EXIT_CODE; fails on timeout.
wait_exit() {
	local pid=$1 timeout=$2
	if ! wait_for "$timeout" eval "! kill -0 $pid 2>/dev/null"; then
		kill -KILL "$pid" 2>/dev/null || true
		return 1
	fi
	EXIT_CODE=0
	wait "$pid" || EXIT_CODE=$?
}

csv_lines() {
	local f="$OV2HA_RECORDINGS_DIR/$VIDEO_ID/chunks/segments-e${1:-0}.csv"
	if [[ -f $f ]]; then wc -l <"$f"; else echo 0; fi
}

# csv_has_lines N [EPOCH]: the segment list has at least N complete lines.
csv_has_lines() {
	(($(csv_lines "${2:-0}") >= $1))
}

# requests_at_least ROUTE N: the stub controller got at least N requests of ROUTE.
requests_at_least() {
	(($(count_requests "$1") >= $2))
}

# log_count_above FILE PATTERN N: more than N lines of FILE match PATTERN.
log_count_above() {
	local n=0
	[[ -f $1 ]] && n=$(grep -c -- "$2" "$1" || true)
	((n > $3))
}

count_requests() {
	if [[ -f $STUB_DIR/requests.log ]]; then grep -c "^$1 " "$STUB_DIR/requests.log" || true; else echo 0; fi
}

# assert_no_secrets FILE...: none of the test secrets appears in the files.
assert_no_secrets() {
	local f
	for f in "$@"; do
		if grep -F -e "$SECRET_URL_PART" -e "$SECRET_PASSWORD" -e "$SECRET_S3_KEY" -e 'wo\rd' "$f"; then
			echo "secret found in $f" >&2
			return 1
		fi
	done
}

BG_PIDS=()

# recorder_teardown: ends what a test started, by pid: the recorder with its children
# (agent, uploader, ffmpeg) and any other background process in BG_PIDS.
recorder_teardown() {
	local pid
	if [[ -n ${RECORDER_PID:-} ]]; then
		pkill -KILL -P "$RECORDER_PID" 2>/dev/null || true
		kill -KILL "$RECORDER_PID" 2>/dev/null || true
	fi
	for pid in "${BG_PIDS[@]}"; do
		pkill -KILL -P "$pid" 2>/dev/null || true
		kill -KILL "$pid" 2>/dev/null || true
	done
}
