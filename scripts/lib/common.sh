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
