#!/usr/bin/env bash
# The README's test command: provisions a fresh Debian 12 machine (as root) and runs every
# suite. Exit status: 0 only when every suite passed.
#
# Usage: scripts/test.sh [--only NAME]...   NAME: controller, shell, stack, recorder-image, e2e
# (stack runs only when named, or with OV2HA_TEST_STACK=1)
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/provision.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/provision.sh"

ROOT=$(repo_root)
ONLY=()
RESULTS=()

usage() {
	sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
}

# run_suite NAME COMMAND...: runs one suite unless --only excludes it, records the result.
run_suite() {
	local name=$1
	shift
	if ((${#ONLY[@]} > 0)) && [[ ! " ${ONLY[*]} " == *" ${name} "* ]]; then
		return 0
	fi
	if [[ ! -x "$1" && "$1" != ./mvnw ]]; then
		log "suite ${name}: not present yet (${1}), skipped"
		RESULTS+=("${name}|skipped|0")
		return 0
	fi
	log "suite ${name}: start"
	local start=$SECONDS status=passed
	"$@" || status=FAILED
	RESULTS+=("${name}|${status}|$((SECONDS - start))")
	log "suite ${name}: ${status} in $((SECONDS - start))s"
}

# show_failed_test_output: the captured output of failed controller test classes (CI sees it).
show_failed_test_output() {
	local report
	for report in "$ROOT"/controller/target/surefire-reports/*.txt "$ROOT"/controller/target/failsafe-reports/*.txt; do
		[[ -f "$report" && "$report" != *-output.txt ]] || continue
		if grep -qE 'FAILURE|ERROR' "$report"; then
			log "failed: ${report##*/}"
			cat "$report" >&2
			local output=${report%.txt}-output.txt
			[[ -f "$output" ]] && tail -n 200 "$output" >&2
		fi
	done
}

summary() {
	local line failed=0
	printf '\n%-16s %-8s %s\n' SUITE RESULT SECONDS
	for line in "${RESULTS[@]}"; do
		IFS='|' read -r name status seconds <<<"$line"
		printf '%-16s %-8s %s\n' "$name" "$status" "$seconds"
		[[ "$status" == FAILED ]] && failed=1
	done
	return "$failed"
}

main() {
	while (($# > 0)); do
		case "$1" in
		--only) ONLY+=("$2"); shift 2 ;;
		-h | --help) usage; return 0 ;;
		*) usage >&2; die "unknown argument: $1" ;;
		esac
	done
	cd "$ROOT"
	provision_packages
	start_docker_if_needed
	trap stop_started_services EXIT

	run_suite controller ./mvnw -B -ntp verify
	if [[ " ${RESULTS[*]} " == *"controller|FAILED"* ]]; then
		show_failed_test_output
	fi
	run_suite shell scripts/test-shell.sh
	# the live compose stack builds the controller image the way an operator does (Maven and
	# Debian packages downloaded inside the build: ~12 min on a fresh machine, more than CI's
	# budget allows next to the other suites): it runs when asked, --only stack or
	# OV2HA_TEST_STACK=1
	if [[ ${OV2HA_TEST_STACK:-0} == 1 || " ${ONLY[*]} " == *" stack "* ]]; then
		run_suite stack scripts/test-stack.sh
	fi
	run_suite recorder-image scripts/test-recorder-image.sh
	run_suite e2e scripts/e2e.sh
	summary
}

main "$@"
