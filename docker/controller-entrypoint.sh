#!/usr/bin/env bash
# Entry point of the controller image. Started as root, it drops at once to the unprivileged
# user ov2ha and execs the JVM (PID 1, so Docker's SIGTERM reaches Spring's graceful shutdown).
#
# What the process keeps, and why:
# - supplementary group: the group of the Docker socket (if mounted), to start backup recorders;
# - ambient capabilities DAC_OVERRIDE, FOWNER, CHOWN only: recorder containers and OpenVidu run
#   as root and create each recording's folder as root (mode 755); the finalizer must write the
#   final MP4, .info, thumbnail and sealed .recording.<id> there, and give them OpenVidu's owner
#   (CHOWN: HA_RECORDINGS_OWNER, default the recordings folder's owner). Every other capability
#   is dropped from the bounding set.
# Started as a non-root user (compose `user:`), it runs the JVM directly.
set -Eeuo pipefail

APP_USER=ov2ha
JAR=/opt/ov2-ha/ov2-ha-controller.jar
DOCKER_SOCKET=${HA_DOCKER_SOCKET_PATH:-/var/run/docker.sock}
KEEP_CAPS=dac_override,fowner,chown

die() {
	printf 'event=entrypoint.failed reason="%s"\n' "$*" >&2
	exit 1
}

java_command() {
	local -a opts=()
	# HA_JAVA_OPTS is split on whitespace on purpose: it is a list of JVM flags.
	read -r -a opts <<<"${HA_JAVA_OPTS:-}"
	JAVA_CMD=(java "${opts[@]}" -jar "$JAR")
}

socket_group() {
	if [[ -S $DOCKER_SOCKET ]]; then
		stat -c %g "$DOCKER_SOCKET"
	fi
}

caps_list() {
	local sign=$1 cap out=-all
	local -a caps
	IFS=, read -r -a caps <<<"$KEEP_CAPS"
	for cap in "${caps[@]}"; do
		out+=",${sign}${cap}"
	done
	printf '%s' "$out"
}

main() {
	java_command
	if [[ $(id -u) != 0 ]]; then
		exec "${JAVA_CMD[@]}" "$@"
	fi
	command -v setpriv >/dev/null || die "setpriv (util-linux) is missing"
	local uid gid groups
	uid=$(id -u "$APP_USER") || die "user $APP_USER is missing"
	gid=$(id -g "$APP_USER")
	groups=$gid
	local sock_gid
	sock_gid=$(socket_group)
	[[ -n $sock_gid ]] && groups+=",$sock_gid"
	if [[ -n ${HA_DATA_DIR:-} && -d $HA_DATA_DIR ]]; then
		chown "$uid:$gid" "$HA_DATA_DIR" 2>/dev/null || true
	fi
	exec setpriv --reuid="$uid" --regid="$gid" --groups="$groups" \
		--inh-caps="$(caps_list +)" --ambient-caps="$(caps_list +)" --bounding-set="$(caps_list +)" \
		-- "${JAVA_CMD[@]}" "$@"
}

main "$@"
