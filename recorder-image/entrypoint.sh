#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Entry point of the OV2 HA recorder image. Dispatches like OpenVidu's own recording image:
#   HEADLESS_CHROME_ONLY=true   a bare headless browser with remote debugging (as upstream)
#   CONTAINER_WORKING_MODE      COMPOSED (default): the chunked HA recorder
#                               anything else: refused with a clear message, exit 64; this
#                               image never records a mode it does not implement
set -Eeuo pipefail

LIB_DIR=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
# shellcheck source=scripts/lib/common.sh
source "$LIB_DIR/scripts/lib/common.sh"

EX_USAGE=64

headless_chrome_only() {
	local port=${HEADLESS_CHROME_PORT:-9222}
	if [[ ! $port =~ ^[0-9]{1,5}$ ]]; then
		log_error config_invalid key=HEADLESS_CHROME_PORT reason="must be a port number"
		exit "$EX_USAGE"
	fi
	log_info headless_chrome_starting port="$port" log=/tmp/headless-chrome.log
	exec chromium --no-sandbox --headless --disable-gpu --disable-dev-shm-usage \
		--remote-debugging-port="$port" --user-data-dir=/tmp/headless-chrome >/tmp/headless-chrome.log 2>&1
}

main() {
	export TZ=UTC
	log_component entrypoint
	if [[ ${HEADLESS_CHROME_ONLY:-false} == true ]]; then
		headless_chrome_only
	fi
	local mode=${CONTAINER_WORKING_MODE:-COMPOSED}
	case $mode in
	COMPOSED)
		exec "$LIB_DIR/scripts/composed-ha.sh"
		;;
	COMPOSED_QUICK_START | BROADCAST)
		log_error mode_not_supported mode="$mode" \
			reason="this image records COMPOSED only; use OpenVidu's official image for $mode"
		exit "$EX_USAGE"
		;;
	*)
		log_error mode_unknown mode="${mode:0:64}" supported=COMPOSED
		exit "$EX_USAGE"
		;;
	esac
}

main "$@"
