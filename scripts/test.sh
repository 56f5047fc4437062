#!/usr/bin/env bash
# The README's test command: provisions a fresh Debian 12 machine (as root) and runs every
# suite. Exit status: 0 only when every suite passed.
#
# Usage: scripts/test.sh [--only NAME]...   NAME: controller, shell, stack, recorder-image, e2e
# INT or TERM stops the running suite (its whole process group) and the dockerd this run started.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/provision.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/provision.sh"

ROOT=$(repo_root)
ONLY=()
RESULTS=()
SUITE_PID=''

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
	# its own process group, so that a signal to this script reaches all of the suite at once
	setsid "$@" &
	SUITE_PID=$!
	wait "$SUITE_PID" || status=FAILED
	SUITE_PID=''
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

# on_signal CODE: stops the running suite's process group (TERM), then exits; the EXIT trap
# stops the dockerd this run started.
on_signal() {
	if [[ -n $SUITE_PID ]]; then
		log "signal: stopping the running suite"
		kill -TERM -- "-$SUITE_PID" 2>/dev/null || true
		wait "$SUITE_PID" 2>/dev/null || true
	fi
	exit "$1"
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
	trap 'on_signal 130' INT
	trap 'on_signal 143' TERM

	run_suite controller ./mvnw -B -ntp verify
	if [[ " ${RESULTS[*]} " == *"controller|FAILED"* ]]; then
		show_failed_test_output
	fi
	run_suite shell scripts/test-shell.sh
	# the deployment path live: installer, compose stack, ops script (builds the controller
	# image as an operator does: 4-5 min the first time on a machine)
	run_suite stack scripts/test-stack.sh
	run_suite recorder-image scripts/test-recorder-image.sh
	run_suite e2e scripts/e2e.sh
	summary
}

main "$@"
