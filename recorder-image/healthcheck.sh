#!/usr/bin/env bash
# Docker HEALTHCHECK: unhealthy when a recording stopped growing. With flushed MPEG-TS
# packets the chunk being written changes several times a second, so a stale newest chunk
# means a stalled ffmpeg (or a full disk), which Docker's health events report to the
# controller. Healthy while starting or stopping. A warm standby (HA_STANDBY=true) is healthy
# once it waits for its assignment (phase standby): the controller hands over only to those.
set -Eeuo pipefail

RUN_DIR=${OV2HA_RUN_DIR:-/tmp/ov2ha}
STALL_SECONDS=${OV2HA_STALL_SECONDS:-15}

main() {
	local phase='' chunk_dir newest age
	[[ -r $RUN_DIR/phase ]] && phase=$(<"$RUN_DIR/phase")
	if [[ ${HA_STANDBY:-false} == true && -z $phase ]]; then
		echo "standby not ready yet"
		exit 1
	fi
	[[ $phase == capturing ]] || exit 0
	[[ -r $RUN_DIR/chunk_dir ]] || exit 0
	chunk_dir=$(<"$RUN_DIR/chunk_dir")
	newest=$(find "$chunk_dir" -maxdepth 1 -name '*.ts' -newermt "${STALL_SECONDS} seconds ago" -print -quit 2>/dev/null || true)
	if [[ -n $newest ]]; then
		exit 0
	fi
	age=$(find "$chunk_dir" -maxdepth 1 -name '*.ts' -printf '%T@\n' 2>/dev/null | sort -n | tail -n 1)
	echo "no chunk written for more than ${STALL_SECONDS}s (newest mtime ${age:-none})"
	exit 1
}

main "$@"
