#!/usr/bin/env bash
# The README's test command: provisions a fresh Debian 12 machine (as root) and runs every
# suite. Exit status: 0 only when every suite passed.
#
# Usage: scripts/test.sh [--only NAME]... [--skip NAME]...
#   NAME: controller, shell, stack, recorder-image, e2e (in this order; all by default)
# INT, TERM or HUP to this script stops the running suite (its whole process group: TERM, KILL
# after 60 s), prints the summary so far and stops the dockerd this run started.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/provision.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/provision.sh"

ROOT=$(repo_root)
ONLY=()
SKIP=()
RESULTS=()
SUITE_PID=''
SUITE_NAME=''
SUITE_START=0
# each suite's output, also kept in a file: a failed suite's failure lines are printed again
# after the summary (CI shows the tail of the output)
LOG_DIR=''

usage() {
	sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
}

# run_suite NAME COMMAND...: runs one suite unless --only or --skip excludes it, records the
# result.
run_suite() {
	local name=$1
	shift
	if ((${#ONLY[@]} > 0)) && [[ ! " ${ONLY[*]} " == *" ${name} "* ]]; then
		return 0
	fi
	if [[ " ${SKIP[*]} " == *" ${name} "* ]]; then
		RESULTS+=("${name}|skipped|0")
		return 0
	fi
	if [[ ! -x "$1" && "$1" != ./mvnw ]]; then
		log "suite ${name}: not present yet (${1}), skipped"
		RESULTS+=("${name}|skipped|0")
		return 0
	fi
	log "suite ${name}: start"
	local start=$SECONDS status=passed
	# Its own process group (and session), so that a signal to this script reaches all of the
	# suite at once (on_signal). Without job control the child is no group leader, so setsid
	# does not fork: $! is the group's leader. Signal this script, not its process group: a
	# kill of test.sh's group no longer reaches the suite.
	# Its output also goes to a file, through a tee of this shell's group that ignores the signals
	# a terminal sends (the suite's cleanup still writes after a Ctrl-C); the suite itself does not
	# hold that pipe's other copy.
	local log_fd tee_pid
	exec {log_fd}> >(trap '' INT TERM HUP; exec tee -- "$LOG_DIR/$name.log")
	tee_pid=$!
	setsid "$@" >&"$log_fd" 2>&1 {log_fd}>&- &
	SUITE_PID=$!
	SUITE_NAME=$name
	SUITE_START=$start
	wait "$SUITE_PID" || status=FAILED
	SUITE_PID=''
	exec {log_fd}>&-
	# tee ends with the suite's output; a process the suite left behind may keep it open: 5 s at most
	wait_for 5 "the copy of the ${name} suite's output" process_gone "$tee_pid" || true
	RESULTS+=("${name}|${status}|$((SECONDS - start))")
	log "suite ${name}: ${status} in $((SECONDS - start))s"
}

process_gone() { ! kill -0 "$1" 2>/dev/null; }

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

# on_signal CODE: stops the running suite's process group (TERM; KILL when it is still there
# after 60 s of cleaning up), prints the summary so far, then exits; the EXIT trap stops the
# dockerd this run started.
on_signal() {
	trap '' INT TERM HUP
	if [[ -n $SUITE_PID ]]; then
		log "signal: stopping the running suite"
		stop_pid "$SUITE_PID" 60 group
		RESULTS+=("${SUITE_NAME}|stopped|$((SECONDS - SUITE_START))")
	fi
	summary || true
	exit "$1"
}

# failure_lines NAME: the lines of a suite's output that say what failed (at most 60; the
# suite's last 15 lines when none does).
failure_lines() {
	local log=$LOG_DIR/$1.log lines
	[[ -n $LOG_DIR && -f $log ]] || return 0
	printf '\n--- %s: what failed (the whole output is above) ---\n' "$1"
	lines=$(grep -E 'FAIL|not ok|ERROR|error:|Tests run:.*(Failures|Errors): [1-9]' "$log" | head -n 60 || true)
	if [[ -n $lines ]]; then
		printf '%s\n' "$lines"
	else
		tail -n 15 "$log"
	fi
}

summary() {
	local line failed=0 name status seconds
	printf '\n%-16s %-8s %s\n' SUITE RESULT SECONDS
	for line in "${RESULTS[@]}"; do
		IFS='|' read -r name status seconds <<<"$line"
		printf '%-16s %-8s %s\n' "$name" "$status" "$seconds"
		[[ "$status" == FAILED ]] && failed=1
	done
	for line in "${RESULTS[@]}"; do
		IFS='|' read -r name status seconds <<<"$line"
		[[ $status != FAILED ]] || failure_lines "$name"
	done
	return "$failed"
}

main() {
	while (($# > 0)); do
		case "$1" in
		--only) ONLY+=("${2:?--only needs a suite name}"); shift 2 ;;
		--skip) SKIP+=("${2:?--skip needs a suite name}"); shift 2 ;;
		-h | --help) usage; return 0 ;;
		*) usage >&2; die "unknown argument: $1" ;;
		esac
	done
	local name
	for name in "${ONLY[@]}" "${SKIP[@]}"; do
		[[ $name =~ ^(controller|shell|stack|recorder-image|e2e)$ ]] || die "unknown suite: $name"
	done
	cd "$ROOT"
	LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ov2ha-test-logs.XXXXXX")
	trap 'stop_started_services; rm -rf "$LOG_DIR"' EXIT
	trap 'on_signal 130' INT
	trap 'on_signal 143' TERM
	trap 'on_signal 129' HUP
	provision_packages
	start_docker_if_needed

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
