#!/usr/bin/env bash
# Builds the local base image debian:bookworm-slim with mmdebstrap and `docker import`,
# for machines that cannot pull from a registry. Skipped when the image already exists.
#
# Usage: scripts/build-base-image.sh [--force]
#   --force   rebuild even if debian:bookworm-slim exists
# Environment:
#   BASE_IMAGE_TAG   tag to create (default debian:bookworm-slim)
#   DEBIAN_MIRROR    mirror URL (default http://deb.debian.org/debian)
#   DEBIAN_SECURITY  security mirror URL (default http://deb.debian.org/debian-security)
#
# Needs: root, mmdebstrap, a running Docker daemon. Works on a fresh Debian 12 machine.
set -Eeuo pipefail

BASE_IMAGE_TAG=${BASE_IMAGE_TAG:-debian:bookworm-slim}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY=${DEBIAN_SECURITY:-http://deb.debian.org/debian-security}

log() { printf '%s build-base-image %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "error=\"$*\""; exit 1; }

check_prerequisites() {
	[[ $(id -u) -eq 0 ]] || die "must run as root (mmdebstrap --mode=root)"
	command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: apt-get install -y mmdebstrap"
	command -v docker >/dev/null || die "docker client is missing: apt-get install -y docker.io"
	docker info >/dev/null 2>&1 || die "no running Docker daemon reachable"
	[[ -d /usr/share/mmdebstrap/hooks/merged-usr ]] || die "mmdebstrap merged-usr hooks missing"
}

# Writes the customize hook run by mmdebstrap with the rootfs as $1: deb822 sources,
# and the apt/dpkg settings the official Debian images carry (no caches in layers).
write_customize_hook() {
	local hook=$1
	cat >"$hook" <<EOF
#!/bin/sh
set -eu
root=\$1
rm -f "\$root/etc/apt/sources.list" "\$root/etc/apt/sources.list.d/0000sources.list"
cat >"\$root/etc/apt/sources.list.d/debian.sources" <<'SRC'
Types: deb
URIs: ${DEBIAN_MIRROR}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_SECURITY}
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
cat >"\$root/etc/apt/apt.conf.d/docker-clean" <<'CONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
echo 'Acquire::Languages "none";' >"\$root/etc/apt/apt.conf.d/docker-no-languages"
echo 'Acquire::GzipIndexes "true";' >"\$root/etc/apt/apt.conf.d/docker-gzip-indexes"
echo 'Apt::AutoRemove::SuggestsImportant "false";' >"\$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
rm -rf "\$root"/var/lib/apt/lists/* "\$root"/var/cache/apt/*.bin
mkdir -p "\$root/var/lib/apt/lists/partial"
EOF
	chmod 0755 "$hook"
}

build() {
	local work
	work=$(mktemp -d)
	WORK_DIR=$work
	write_customize_hook "$work/customize.sh"
	printf '%s\n' \
		"deb ${DEBIAN_MIRROR} bookworm main" \
		"deb ${DEBIAN_MIRROR} bookworm-updates main" \
		"deb ${DEBIAN_SECURITY} bookworm-security main" >"$work/sources.list"

	log "event=build_started tag=$BASE_IMAGE_TAG"
	local start=$SECONDS
	mmdebstrap --variant=minbase --mode=root \
		--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--aptopt='APT::Install-Recommends "false"' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-include=/usr/share/locale/locale.alias' \
		--dpkgopt='force-unsafe-io' \
		--customize-hook="$work/customize.sh" \
		bookworm - "$work/sources.list" 2>"$work/mmdebstrap.log" |
		docker import -c 'CMD ["bash"]' -c 'ENV LANG=C.UTF-8' - "$BASE_IMAGE_TAG" >/dev/null ||
		{
			tail -n 20 "$work/mmdebstrap.log" >&2
			die "mmdebstrap | docker import failed"
		}
	log "event=build_done tag=$BASE_IMAGE_TAG seconds=$((SECONDS - start))"
}

WORK_DIR=
cleanup() { [[ -z $WORK_DIR ]] || rm -rf "$WORK_DIR"; }
trap cleanup EXIT

main() {
	local force=false
	case "${1:-}" in
	--force) force=true ;;
	"") ;;
	*) die "unknown argument: $1 (usage: $0 [--force])" ;;
	esac
	check_prerequisites
	if [[ $force == false ]] && docker image inspect "$BASE_IMAGE_TAG" >/dev/null 2>&1; then
		log "event=skipped reason=image_exists tag=$BASE_IMAGE_TAG"
		return 0
	fi
	build
}

main "$@"
