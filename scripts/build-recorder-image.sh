#!/usr/bin/env bash
# Builds the recorder image from recorder-image/ with the local Docker daemon.
#
# Usage: scripts/build-recorder-image.sh [TAG]      (default ov2-ha-recorder:dev)
# Environment:
#   RECORDER_IMAGE   tag, when no argument is given
#   NO_CACHE=1       build without the layer cache
#   EXTRA_PACKAGES   extra Debian packages (Dockerfile build argument)
#
# The base image debian:bookworm-slim must exist locally or be pullable; on machines
# without a registry, run scripts/build-base-image.sh first. The build uses the host
# network (the daemon may have no bridge) and never pulls.
set -Eeuo pipefail

REPO_DIR=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)
TAG=${1:-${RECORDER_IMAGE:-ov2-ha-recorder:dev}}

log() { printf '%s build-recorder-image %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "error=\"$*\""; exit 1; }

main() {
	command -v docker >/dev/null || die "docker client is missing"
	docker info >/dev/null 2>&1 || die "no running Docker daemon reachable"
	docker image inspect debian:bookworm-slim >/dev/null 2>&1 ||
		die "base image debian:bookworm-slim missing: run scripts/build-base-image.sh"
	local -a args=(build --network host -t "$TAG"
		--build-arg "EXTRA_PACKAGES=${EXTRA_PACKAGES:-}" "$REPO_DIR/recorder-image")
	[[ ${NO_CACHE:-0} == 1 ]] && args=(build --no-cache "${args[@]:1}")
	log "event=build_started tag=$TAG no_cache=${NO_CACHE:-0}"
	local start=$SECONDS
	# The legacy builder is used (no buildx on these machines); it never pulls without --pull.
	DOCKER_BUILDKIT=0 docker "${args[@]}" >&2
	log "event=build_done tag=$TAG seconds=$((SECONDS - start)) size_bytes=$(docker image inspect -f '{{.Size}}' "$TAG")"
}

main "$@"
