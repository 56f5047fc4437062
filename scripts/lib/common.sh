#!/usr/bin/env bash
# Shared helpers for the project's scripts. Source it; it defines functions only.

# log MESSAGE...: one line on stderr, prefixed with the time and the script name.
log() {
	printf '%s %s %s\n' "$(date -u +%H:%M:%S)" "${0##*/}" "$*" >&2
}

# die MESSAGE...: log and exit 1.
die() {
	log "error: $*"
	exit 1
}

# repo_root: the repository's top folder.
repo_root() {
	cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd
}

# now_ms: the time now in milliseconds since the epoch.
now_ms() {
	date +%s%3N
}

# stop_pid PID [SECONDS] [group]: stops a process this script started: TERM, up to SECONDS
# (default 5), then KILL; reaps it. With "group", both signals go to PID's whole process group
# (PID leads it, e.g. started with setsid). Never fails (an empty PID or a process already gone
# is fine), so it is safe in EXIT traps.
stop_pid() {
	local pid=${1:-} seconds=${2:-5} target=${1:-} i
	[[ -n $pid ]] || return 0
	[[ ${3:-} != group ]] || target=-$pid
	kill -TERM -- "$target" 2>/dev/null || true
	for ((i = 0; i < seconds * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "$target" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# check DESCRIPTION COMMAND...: one assertion of a test script; a failure is logged and counted
# in the caller's FAILURES, and the script goes on (it ends with FAILURES > 0 as failed).
check() {
	local what=$1
	shift
	if "$@"; then
		log "ok: $what"
	else
		log "FAIL: $what"
		FAILURES=$((${FAILURES:-0} + 1))
	fi
}

# free_port: a free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for TIMEOUT_SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.2 s until it succeeds.
wait_for() {
	local timeout=$1 what=$2
	shift 2
	local deadline=$((SECONDS + timeout))
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			log "timed out after ${timeout}s waiting for ${what}"
			return 1
		fi
		sleep 0.2
	done
}
