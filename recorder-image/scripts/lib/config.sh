#!/usr/bin/env bash
# Settings: OpenVidu's variables from the environment, HA settings from the environment
# first and then from the env file HA_RECORDER_ENV_FILE. Validation collects every error.
# Requires common.sh.

# HA settings the env file may set (KEY=value lines). Anything else in the file is ignored
# with a warning: the file is a settings file, not a script, and is never sourced.
RECORDER_SETTING_KEYS=(
	HA_CONTROLLER_URL HA_RECORDER_USERNAME HA_RECORDER_PASSWORD
	HA_RECORDING_STORAGE HA_S3_ENDPOINT HA_S3_REGION HA_S3_BUCKET HA_S3_PREFIX
	HA_S3_ACCESS_KEY HA_S3_SECRET_KEY
	HA_CHUNK_DURATION HA_HEARTBEAT_INTERVAL HA_EPOCH HA_START_CHUNK
)
RECORDER_DEFAULT_ENV_FILE=/etc/ov2-ha-recorder/recorder.env

CONFIG_ERRORS=0

config_error() {
	CONFIG_ERRORS=$((CONFIG_ERRORS + 1))
	log_error config_invalid "$@"
}

is_ha_setting_key() { is_one_of "$1" "${RECORDER_SETTING_KEYS[@]}"; }

# config_load_env_file FILE: sets each known key of FILE that the environment has not set.
# Lines: KEY=value, blank, or # comment; an optional "export " prefix; a value wrapped in
# matching single or double quotes is unwrapped as is (no escapes, no expansion).
config_load_env_file() {
	local file=$1 line key value lineno=0
	while IFS= read -r line || [[ -n $line ]]; do
		lineno=$((lineno + 1))
		line=${line%$'\r'}
		[[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
		if [[ ! $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
			config_error file="$file" line="$lineno" reason=not_a_KEY=value_line
			continue
		fi
		key=${BASH_REMATCH[2]}
		value=${BASH_REMATCH[3]}
		if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
			value=${BASH_REMATCH[1]}
		fi
		if ! is_ha_setting_key "$key"; then
			log_warn config_key_ignored file="$file" line="$lineno" key="$key"
			continue
		fi
		# The environment wins over the file.
		[[ -v $key ]] && continue
		printf -v "$key" '%s' "$value"
	done <"$file"
}

# config_locate_env_file: prints the env file to read, or nothing when the default
# file is absent. An explicitly named file must exist.
config_locate_env_file() {
	local file=${HA_RECORDER_ENV_FILE:-}
	if [[ -z $file ]]; then
		[[ -f $RECORDER_DEFAULT_ENV_FILE ]] && printf '%s' "$RECORDER_DEFAULT_ENV_FILE"
		return 0
	fi
	printf '%s' "$file"
}

config_apply_defaults() {
	# OpenVidu's own defaults (as its composed.sh).
	: "${CONTAINER_WORKING_MODE:=COMPOSED}"
	: "${ONLY_VIDEO:=false}"
	: "${RESOLUTION:=1280x720}"
	: "${FRAMERATE:=25}"
	: "${VIDEO_FORMAT:=mp4}"
	: "${DEBUG_MODE:=false}"
	: "${URL:=}"
	: "${VIDEO_ID:=}"
	: "${VIDEO_NAME:=${VIDEO_ID}}"
	: "${RECORDING_JSON:=}"
	# HA settings.
	: "${HA_CONTROLLER_URL:=}"
	: "${HA_RECORDER_USERNAME:=}"
	: "${HA_RECORDER_PASSWORD:=}"
	: "${HA_RECORDING_STORAGE:=s3}"
	: "${HA_S3_ENDPOINT:=}"
	: "${HA_S3_REGION:=us-east-1}"
	: "${HA_S3_BUCKET:=}"
	if [[ ! -v HA_S3_PREFIX ]]; then HA_S3_PREFIX=recordings/; fi
	: "${HA_S3_ACCESS_KEY:=}"
	: "${HA_S3_SECRET_KEY:=}"
	: "${HA_CHUNK_DURATION:=10}"
	: "${HA_HEARTBEAT_INTERVAL:=1}"
	: "${HA_EPOCH:=0}"
	: "${HA_START_CHUNK:=0}"
}

# check_int NAME VALUE MIN MAX
check_int() {
	local name=$1 value=$2 min=$3 max=$4
	if ! is_uint "$value" || ((10#$value < min || 10#$value > max)); then
		config_error key="$name" reason="must be an integer from $min to $max"
		return 1
	fi
	printf -v "$name" '%s' "$((10#$value))"
}

# check_seconds NAME VALUE MIN MAX: a duration in whole seconds, written as "10", "10s" or
# "2000ms" (the controller's .env uses Spring's "2s" form; milliseconds round up).
check_seconds() {
	local name=$1 value=$2 min=$3 max=$4 seconds=''
	if [[ $value =~ ^([0-9]{1,9})s?$ ]]; then
		seconds=$((10#${BASH_REMATCH[1]}))
	elif [[ $value =~ ^([0-9]{1,12})ms$ ]]; then
		seconds=$(((10#${BASH_REMATCH[1]} + 999) / 1000))
	fi
	if [[ -z $seconds ]] || ((seconds < min || seconds > max)); then
		config_error key="$name" reason="must be a number of seconds from $min to $max (e.g. 10 or 10s)"
		return 1
	fi
	printf -v "$name" '%s' "$seconds"
}

check_http_url() {
	local name=$1 value=$2
	if [[ -z $value ]]; then
		config_error key="$name" reason=missing
	elif [[ ! $value =~ ^https?://[^/?#[:space:]]+(/[^?#[:space:]]*)?$ ]]; then
		config_error key="$name" reason="must be an http(s) URL without query" value="$(mask_url "$value")"
	fi
}

check_required() {
	local name=$1
	[[ -n ${!name} ]] || config_error key="$name" reason=missing
}

config_validate_openvidu() {
	[[ $VIDEO_ID =~ ^[A-Za-z0-9_~-]{1,128}$ ]] ||
		config_error key=VIDEO_ID reason="must match [A-Za-z0-9_~-]{1,128}"
	if [[ -z $VIDEO_NAME || $VIDEO_NAME == */* || $VIDEO_NAME == . || $VIDEO_NAME == .. ||
		$VIDEO_NAME == .recording.* || $VIDEO_NAME == .ov2ha-* || ${#VIDEO_NAME} -gt 200 ]]; then
		config_error key=VIDEO_NAME reason="must be a plain file name (no /, not . or .., not .recording.* or .ov2ha-*, max 200)"
	fi
	[[ $VIDEO_FORMAT == mp4 ]] || config_error key=VIDEO_FORMAT reason="only mp4 is supported"
	[[ $ONLY_VIDEO == true || $ONLY_VIDEO == false ]] ||
		config_error key=ONLY_VIDEO reason="must be true or false"
	[[ $DEBUG_MODE == true || $DEBUG_MODE == false ]] ||
		config_error key=DEBUG_MODE reason="must be true or false"
	if [[ $RESOLUTION =~ ^([0-9]{2,4})x([0-9]{2,4})$ ]]; then
		VIDEO_WIDTH=$((10#${BASH_REMATCH[1]}))
		VIDEO_HEIGHT=$((10#${BASH_REMATCH[2]}))
		if ((VIDEO_WIDTH < 16 || VIDEO_HEIGHT < 16 || VIDEO_WIDTH > 4096 || VIDEO_HEIGHT > 4096)); then
			config_error key=RESOLUTION reason="width and height must be 16..4096"
		fi
	else
		config_error key=RESOLUTION reason="must be <width>x<height>"
	fi
	check_int FRAMERATE "$FRAMERATE" 1 120 || true
	if [[ -z $URL ]]; then
		config_error key=URL reason=missing
	elif [[ ! $URL =~ ^https?://[^[:space:]]+$ ]]; then
		config_error key=URL reason="must be an http(s) URL" value="$(mask_url "$URL")"
	fi
	config_validate_recording_json
}

# RECORDING_JSON must be a JSON object with an integer createdAt: together with the id it
# is the unique recording key used in object keys.
config_validate_recording_json() {
	local created id
	if [[ -z $RECORDING_JSON ]]; then
		config_error key=RECORDING_JSON reason=missing
		return 0
	fi
	if ! created=$(jq -er 'if type == "object" and (.createdAt | type) == "number"
			and .createdAt == (.createdAt | floor) and .createdAt >= 0
			then .createdAt | tostring else empty end' <<<"$RECORDING_JSON" 2>/dev/null); then
		config_error key=RECORDING_JSON reason="must be a JSON object with an integer createdAt"
		return 0
	fi
	RECORDING_CREATED_AT=$created
	id=$(jq -r '.id // empty' <<<"$RECORDING_JSON")
	if [[ -n $id && $id != "$VIDEO_ID" ]]; then
		log_warn recording_json_id_mismatch video_id="$VIDEO_ID" json_id="$id"
	fi
}

config_validate_ha() {
	check_http_url HA_CONTROLLER_URL "$HA_CONTROLLER_URL"
	HA_CONTROLLER_URL=${HA_CONTROLLER_URL%/}
	check_required HA_RECORDER_USERNAME
	check_required HA_RECORDER_PASSWORD
	[[ $HA_RECORDER_USERNAME != *:* ]] ||
		config_error key=HA_RECORDER_USERNAME reason="must not contain ':'"
	case $HA_RECORDING_STORAGE in
	s3)
		check_http_url HA_S3_ENDPOINT "$HA_S3_ENDPOINT"
		HA_S3_ENDPOINT=${HA_S3_ENDPOINT%/}
		check_required HA_S3_ACCESS_KEY
		check_required HA_S3_SECRET_KEY
		[[ $HA_S3_BUCKET =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] ||
			config_error key=HA_S3_BUCKET reason="must be an S3 bucket name (3-63 of a-z 0-9 . -)"
		[[ $HA_S3_REGION =~ ^[A-Za-z0-9-]{1,64}$ ]] ||
			config_error key=HA_S3_REGION reason="must be a region name like us-east-1"
		;;
	local) ;;
	*) config_error key=HA_RECORDING_STORAGE reason="must be s3 or local" ;;
	esac
	if [[ -n $HA_S3_PREFIX ]] && [[ ! $HA_S3_PREFIX =~ ^[A-Za-z0-9!_.*\'()/-]*$ ||
		$HA_S3_PREFIX == /* || $HA_S3_PREFIX == *//* || $HA_S3_PREFIX =~ (^|/)\.\.?(/|$) ]]; then
		config_error key=HA_S3_PREFIX reason="must be a relative key prefix of safe characters"
	fi
	check_seconds HA_CHUNK_DURATION "$HA_CHUNK_DURATION" 1 600 || true
	check_seconds HA_HEARTBEAT_INTERVAL "$HA_HEARTBEAT_INTERVAL" 1 60 || true
	check_int HA_EPOCH "$HA_EPOCH" 0 999999999 || true
	check_int HA_START_CHUNK "$HA_START_CHUNK" 0 999999999 || true
	if [[ $HA_EPOCH == 0 && $HA_START_CHUNK != 0 ]]; then
		config_error key=HA_START_CHUNK reason="must be 0 for the primary recorder (HA_EPOCH=0)"
	fi
}

# config_load: defaults, env file, validation. Returns 1 (after logging every error) when
# the configuration cannot work.
config_load() {
	local env_file
	CONFIG_ERRORS=0
	env_file=$(config_locate_env_file)
	CONFIG_ENV_FILE=${env_file:-none}
	if [[ -n $env_file ]]; then
		case $env_file in
		"$OV2HA_RECORDINGS_DIR" | "$OV2HA_RECORDINGS_DIR"/*)
			config_error key=HA_RECORDER_ENV_FILE reason="must not be under the recordings folder (served over HTTP)"
			;;
		*)
			if [[ -f $env_file && -r $env_file ]]; then
				config_load_env_file "$env_file"
			else
				config_error key=HA_RECORDER_ENV_FILE reason="file not found or not readable" file="$env_file"
			fi
			;;
		esac
	fi
	config_apply_defaults
	config_validate_openvidu
	config_validate_ha
	if ((CONFIG_ERRORS > 0)); then
		log_error config_rejected errors="$CONFIG_ERRORS"
		return 1
	fi
	RECORDING_ROLE=primary
	((HA_EPOCH > 0)) && RECORDING_ROLE=backup
	return 0
}

# config_protect_secrets: keep credentials out of the environment of child processes
# (Chromium, ffmpeg); the recorder's own functions still see them as shell variables.
config_protect_secrets() {
	export -n HA_RECORDER_PASSWORD HA_S3_SECRET_KEY HA_S3_ACCESS_KEY HA_RECORDER_USERNAME 2>/dev/null || true
}

config_summary() {
	log_info config_loaded role="$RECORDING_ROLE" recording_id="$VIDEO_ID" \
		created_at="$RECORDING_CREATED_AT" epoch="$HA_EPOCH" start_chunk="$HA_START_CHUNK" \
		storage="$HA_RECORDING_STORAGE" chunk_seconds="$HA_CHUNK_DURATION" \
		heartbeat_seconds="$HA_HEARTBEAT_INTERVAL" resolution="$RESOLUTION" framerate="$FRAMERATE" \
		only_video="$ONLY_VIDEO" url="$(mask_url "$URL")" controller="$(mask_url "$HA_CONTROLLER_URL")" \
		s3_endpoint="$(mask_url "${HA_S3_ENDPOINT:-}")" s3_bucket="${HA_S3_BUCKET:-}" \
		s3_prefix="$HA_S3_PREFIX" env_file="$CONFIG_ENV_FILE"
}
