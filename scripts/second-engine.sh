#!/usr/bin/env bash
# A second Docker engine on this machine, playing another host (a media node, a recorder host):
# its own dockerd (own data root, exec root, socket, pid file, containerd namespace) in its own
# UTS namespace, so that `docker info` and its host-network containers name the host
# ov2ha-engine-b. The tests (controller suite, e2e) use it for recorders on several engines.
#
# Usage: scripts/second-engine.sh start | load IMAGE | crash | stop | endpoint
#   start     starts it (a stale one of an earlier run is stopped first) and removes every
#             container left in it; prints its endpoint (unix://...)
#   load      copies IMAGE from the default engine (docker save | docker load), unless it is
#             there already
#   crash     the host dies: the engine, its containerd and every process of its containers are
#             killed at once (no die event is ever sent)
#   stop      removes its containers and images and stops it (after a crash too)
#   endpoint  prints its endpoint
# Needs root and docker.io.
set -Eeuo pipefail

RUN_DIR=/tmp/ov2ha-eb
DATA_DIR=/var/lib/ov2ha-test-engine-b
ENGINE_HOST_NAME=ov2ha-engine-b
ENDPOINT="unix://${RUN_DIR}/docker.sock"

log() { printf '%s second-engine %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

b() { docker -H "$ENDPOINT" "$@"; }

# engine_pids: the pids of this engine's dockerd, containerd and shims (none of another engine).
engine_pids() { pgrep -f "[d]ockerd.*${RUN_DIR}|[c]ontainerd.*${RUN_DIR}" || true; }

stop_stale() {
	local pid='' i
	if [[ -f $RUN_DIR/docker.pid ]]; then
		pid=$(<"$RUN_DIR/docker.pid")
		# only this engine's dockerd: after a crash the file stays, and its pid may be another's now
		grep -qF -- "$RUN_DIR/docker.pid" "/proc/$pid/cmdline" 2>/dev/null || pid=''
	fi
	if [[ -n ${pid:-} ]]; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	# shellcheck disable=SC2046 # one pid per word
	kill -KILL $(engine_pids) 2>/dev/null || true
	# a killed containerd may linger as a zombie (nobody reaps it at once): its pid file would make
	# the next dockerd wait for it ("containerd is still running") instead of starting its own
	rm -f "$RUN_DIR/docker.pid" "$RUN_DIR/exec/containerd/containerd.pid"
}

start() {
	((EUID == 0)) || die "a second Docker engine needs root"
	command -v dockerd >/dev/null || die "dockerd not found (apt-get install docker.io)"
	stop_stale
	mkdir -p "$RUN_DIR" "$DATA_DIR"
	# its own session (a Ctrl-C of the caller does not reach it) and its own host name
	setsid unshare --uts sh -c "hostname ${ENGINE_HOST_NAME} && exec dockerd --data-root ${DATA_DIR} \
		--exec-root ${RUN_DIR}/exec --pidfile ${RUN_DIR}/docker.pid -H ${ENDPOINT} --iptables=false \
		--ip6tables=false --bridge=none --containerd-namespace ov2ha-b \
		--containerd-plugins-namespace ov2ha-b-plugins" >"$RUN_DIR/dockerd.log" 2>&1 </dev/null &
	local i
	for ((i = 0; i < 600; i++)); do
		[[ $(b info --format '{{.Name}}' 2>/dev/null) == "$ENGINE_HOST_NAME" ]] && break
		sleep 0.1
	done
	[[ $(b info --format '{{.Name}}' 2>/dev/null) == "$ENGINE_HOST_NAME" ]] ||
		die "the second engine did not start; see $RUN_DIR/dockerd.log"
	remove_containers
	echo "$ENDPOINT"
}

remove_containers() {
	local ids
	ids=$(b ps -aq)
	# shellcheck disable=SC2086 # one id per word
	[[ -z $ids ]] || b rm -f $ids >/dev/null
}

load() {
	local image=${1:?usage: load IMAGE}
	b image inspect "$image" >/dev/null 2>&1 && return 0
	docker save "$image" | b load >/dev/null
	b image inspect "$image" >/dev/null 2>&1 || die "could not load $image"
}

crash() {
	local pids=() id pid
	for id in $(b ps -q); do
		pid=$(b inspect -f '{{.State.Pid}}' "$id" 2>/dev/null) || continue
		((pid > 0)) && pids+=("$pid")
	done
	# the engine first (so that no die event is ever sent), then the containers' init processes
	# (each takes its PID namespace with it), then its containerd and shims
	kill -KILL "$(<"$RUN_DIR/docker.pid")" "${pids[@]}" 2>/dev/null || true
	# shellcheck disable=SC2046 # one pid per word
	kill -KILL $(engine_pids) 2>/dev/null || true
}

# stop: also removes its images (each run loads what it needs; the data root does not grow)
stop() {
	if b info >/dev/null 2>&1; then
		remove_containers || true
		b image prune -a -f >/dev/null 2>&1 || true
	fi
	stop_stale
}

main() {
	case ${1:-} in
		start) start ;;
		load) load "${2:-}" ;;
		crash) crash ;;
		stop) stop ;;
		endpoint) echo "$ENDPOINT" ;;
		*) die "usage: $0 start | load IMAGE | crash | stop | endpoint" ;;
	esac
}

main "$@"
