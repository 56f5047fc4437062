#!/usr/bin/env bash
# Provisioning of a fresh Debian 12 machine for the test suites: packages and the Docker
# daemon. Source it (after common.sh); it defines functions only.

# The Debian packages the suites use.
PROVISION_PACKAGES=(docker.io redis-server ffmpeg mmdebstrap shellcheck bats jq curl unzip python3 procps docker-compose)

# provision_packages: installs missing packages with apt when running as root.
provision_packages() {
	local missing=() pkg
	for pkg in "${PROVISION_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
	done
	((${#missing[@]} == 0)) && return 0
	if ((EUID != 0)); then
		die "missing Debian packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})"
	fi
	log "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

PROVISION_DOCKERD_PID=""

# start_docker_if_needed: starts dockerd (host networking only, no iptables changes) when no
# daemon answers. A daemon that already runs is used as it is and never touched.
start_docker_if_needed() {
	if docker info >/dev/null 2>&1; then
		log "docker: using the running daemon"
		return 0
	fi
	((EUID == 0)) || die "no Docker daemon answers and this is not root: start dockerd first"
	command -v dockerd >/dev/null || die "dockerd not found (apt-get install docker.io)"
	local logfile
	logfile=$(mktemp /tmp/ov2ha-dockerd.XXXXXX.log)
	log "docker: starting dockerd (log: ${logfile})"
	# its own session: a Ctrl-C in the terminal must not stop the daemon while the suites clean up
	setsid dockerd --iptables=false --ip6tables=false --bridge=none >"$logfile" 2>&1 &
	PROVISION_DOCKERD_PID=$!
	wait_for 60 "dockerd" docker info || die "dockerd did not start; see ${logfile}"
}

# stop_started_services: stops what start_docker_if_needed started, nothing else.
stop_started_services() {
	if [[ -n "$PROVISION_DOCKERD_PID" ]]; then
		log "docker: stopping the dockerd this run started"
		kill "$PROVISION_DOCKERD_PID" 2>/dev/null || true
		wait "$PROVISION_DOCKERD_PID" 2>/dev/null || true
		PROVISION_DOCKERD_PID=""
	fi
}
