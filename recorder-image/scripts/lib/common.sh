#!/usr/bin/env bash
# Common helpers: logging, masking, time, backoff, interruptible child processes.
# Sourced by every recorder script; defines functions and constants only.

# Paths the recorder uses. OV2HA_* are internal knobs for tests, not site settings.
OV2HA_RECORDINGS_DIR=${OV2HA_RECORDINGS_DIR:-/recordings}
OV2HA_STOP_FILE=${OV2HA_STOP_FILE:-/stop}
OV2HA_RUN_DIR=${OV2HA_RUN_DIR:-/tmp/ov2ha}

LOG_COMPONENT=${LOG_COMPONENT:-recorder}

# log LEVEL EVENT [key=value ...]
# One line per event on stderr, or on LOG_FD when set: "<UTC time> level=.. comp=.. event=..
# key=value ...".
# Values containing blanks or quotes are double-quoted. debug lines only with DEBUG_MODE=true.
log() {
	local level=$1 event=$2
	shift 2
	if [[ $level == debug && ${DEBUG_MODE:-false} != true ]]; then
		return 0
	fi
	local now=${EPOCHREALTIME:-0.000000} ts line kv key value
	printf -v ts '%(%Y-%m-%dT%H:%M:%S)T' "${now%.*}"
	line="$ts.${now#*.}"
	line="${line:0:23}Z level=$level comp=$LOG_COMPONENT event=$event"
	for kv in "$@"; do
		key=${kv%%=*}
		value=${kv#*=}
		if [[ $value =~ [[:space:]\"\'\\] || -z $value ]]; then
			value=${value//\\/\\\\}
			value=${value//\"/\\\"}
			value=${value//$'\n'/\\n}
			value="\"$value\""
		fi
		line+=" $key=$value"
	done
	printf '%s\n' "$line" >&"${LOG_FD:-2}"
}

# log_component NAME: the comp= value of this process's log lines.
log_component() { LOG_COMPONENT=$1; }

log_info() { log info "$@"; }
log_warn() { log warn "$@"; }
log_error() { log error "$@"; }
log_debug() { log debug "$@"; }

# mask_url URL: "scheme://host[:port]" plus "***@" when the URL has userinfo and "/***"
# when it has more after the authority. OpenVidu's layout URL holds its secret in userinfo,
# path and query; nothing but scheme, host and port is ever printed, and anything that does
# not parse as a plain host prints as "***".
mask_url() {
	local url=$1 scheme rest authority host tail masked
	if [[ ! $url =~ ^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$ ]]; then
		printf '***'
		return 0
	fi
	scheme=${BASH_REMATCH[1]}
	rest=${BASH_REMATCH[2]}
	authority=${rest%%[/?#]*}
	tail=${rest:${#authority}}
	host=${authority##*@}
	if [[ ! $host =~ ^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$ ]] ||
		[[ $authority != *@* && $rest == *@* ]]; then
		printf '%s://***' "$scheme"
		return 0
	fi
	masked="$scheme://"
	[[ $authority == *@* ]] && masked+="***@"
	masked+=$host
	[[ -n $tail && $tail != / ]] && masked+="/***"
	printf '%s' "$masked"
}

# now_ms: wall clock in milliseconds. now_ms_to NAME sets NAME to it without a subshell
# (for loops that run every second or more often).
now_ms() {
	local now_ms_value
	now_ms_to now_ms_value
	printf '%s' "$now_ms_value"
}
now_ms_to() {
	local now_ms_us=${EPOCHREALTIME/[.,]/}
	printf -v "$1" '%s' "$((10#$now_ms_us / 1000))"
}

# backoff_delay ATTEMPT CAP: 1, 2, 4, ... seconds, capped (ATTEMPT starts at 1).
backoff_delay() {
	local attempt=$1 cap=$2 delay=1
	while ((attempt > 1 && delay < cap)); do
		delay=$((delay * 2))
		attempt=$((attempt - 1))
	done
	((delay > cap)) && delay=$cap
	printf '%s' "$delay"
}

# pause SECONDS: a sleep without a process: a read with a timeout on a pipe that nobody
# writes to (the loops of the recorder wake up several times a second; a `sleep` process per
# wake-up would cost more than the work). A trapped signal interrupts it at once.
PAUSE_FD=
pause() {
	[[ -n $PAUSE_FD ]] || exec {PAUSE_FD}<> <(:)
	read -r -t "$1" -u "$PAUSE_FD" _ || true
}

# run_child CMD...: run a command in the background and wait for it, so that a trapped
# signal (TERM from the supervisor) is handled at once; the trap kills CHILD_PID.
CHILD_PID=
run_child() {
	local rc=0
	"$@" &
	CHILD_PID=$!
	wait "$CHILD_PID" || rc=$?
	CHILD_PID=
	return "$rc"
}

# kill_child: the TERM trap of a component that uses run_child.
kill_child() {
	if [[ -n ${CHILD_PID:-} ]]; then
		kill -TERM "$CHILD_PID" 2>/dev/null || true
	fi
}

# follow_new_lines NAME FILE: the complete lines appended to FILE (a file that is only ever
# appended to) since the last call with the same NAME, in the array FOLLOWED. The file is read
# through a descriptor kept open, so a call costs a read and no process; a line still
# without its newline is kept for the next call. Nothing when FILE does not exist yet.
declare -gA FOLLOW_FD=() FOLLOW_PARTIAL=()
FOLLOWED=()
follow_new_lines() {
	local name=$1 file=$2 fd line
	FOLLOWED=()
	fd=${FOLLOW_FD[$name]:-}
	if [[ -z $fd ]]; then
		[[ -f $file ]] || return 0
		exec {fd}<"$file"
		FOLLOW_FD[$name]=$fd
	fi
	while :; do
		line=''
		if IFS= read -r -u "$fd" line; then
			FOLLOWED+=("${FOLLOW_PARTIAL[$name]:-}$line")
			FOLLOW_PARTIAL[$name]=''
		else
			FOLLOW_PARTIAL[$name]+=$line
			return 0
		fi
	done
}

# write_curl_credentials FILE USER PASSWORD: a private curl config (mode 600) with
# `user = "USER:PASSWORD"`, so credentials never appear on a command line (curl -K FILE).
# curl config syntax: inside double quotes, backslash and double quote are escaped.
write_curl_credentials() {
	local file=$1 user="$2:$3"
	user=${user//\\/\\\\}
	user=${user//\"/\\\"}
	(
		umask 077
		printf 'user = "%s"\n' "$user" >"$file"
	)
}

# is_one_of VALUE LIST...: whether VALUE equals one of LIST.
is_one_of() {
	local value=$1 known
	shift
	for known in "$@"; do
		[[ $value == "$known" ]] && return 0
	done
	return 1
}

# is_uint VALUE: a non-negative decimal integer without leading sign.
is_uint() {
	[[ $1 =~ ^[0-9]+$ ]] && ((${#1} <= 18))
}

# atomic_write FILE: writes stdin to FILE through a temp file in the same folder + rename.
# Temp names start with ".ov2ha-" so they never look like OpenVidu's ".recording." files.
atomic_write() {
	local target=$1 tmp
	tmp=$(mktemp "${target%/*}/.ov2ha-tmp.XXXXXXXX")
	if cat >"$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$target"; then
		return 0
	fi
	rm -f "$tmp"
	return 1
}
