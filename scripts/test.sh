#!/usr/bin/env bash
# The README's test command: provisions a fresh Debian 12 machine (as root) and runs every
# suite. Exit status: 0 only when every suite passed.
#
# Usage: scripts/test.sh [--only NAME]... [--skip NAME]...
#   NAME: controller, shell, stack, recorder-image, e2e (in this order, the shell suite beside
#   the stack and recorder-image ones; all by default)
# INT, TERM or HUP to this script stops the running suites (each one's whole process group:
# TERM, KILL after 60 s), prints the summary so far and stops the dockerd this run started.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/provision.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/provision.sh"
# shellcheck source=lib/stack.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/stack.sh"

ROOT=$(repo_root)
ONLY=()
SKIP=()
RESULTS=()
# the suites running now: pid -> name|start (SECONDS)|pid of the tee copying its output
declare -A RUNNING=()
STARTED_PID=''
# each suite's output, also kept in a file: a failed suite's failure lines are printed again
# after the summary (CI shows the tail of the output)
LOG_DIR=''

usage() {
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
}

# suite_wanted NAME COMMAND: whether the suite runs (--only, --skip, its script present); records
# it as skipped when it does not.
suite_wanted() {
	local name=$1
	if ((${#ONLY[@]} > 0)) && [[ ! " ${ONLY[*]} " == *" ${name} "* ]]; then
		return 1
	fi
	if ! selected "$name"; then
		RESULTS+=("${name}|skipped|0")
		return 1
	fi
	if [[ ! -x "$2" && "$2" != ./mvnw ]]; then
		log "suite ${name}: not present yet (${2}), skipped"
		RESULTS+=("${name}|skipped|0")
		return 1
	fi
}

# selected NAME: whether --only and --skip let the suite run.
selected() {
	if ((${#ONLY[@]} > 0)) && [[ ! " ${ONLY[*]} " == *" ${1} "* ]]; then
		return 1
	fi
	[[ ! " ${SKIP[*]} " == *" ${1} "* ]]
}

# start_suite NAME SHOWN COMMAND...: starts one suite in the background and sets STARTED_PID.
# Its output goes to $LOG_DIR/NAME.log, and also to this script's output as it comes when SHOWN
# is "shown" (a suite run beside a shown one is printed whole when it ends: finish_suite).
start_suite() {
	local name=$1 shown=$2
	shift 2
	log "suite ${name}: start"
	# Its own process group (and session), so that a signal to this script reaches all of the
	# suite at once (on_signal). Without job control the child is no group leader, so setsid
	# does not fork: $! is the group's leader. Signal this script, not its process group: a
	# kill of test.sh's group no longer reaches the suite.
	# A shown suite's output goes to the file through a tee of this shell's group that ignores
	# the signals a terminal sends (the suite's cleanup still writes after a Ctrl-C); the suite
	# itself does not hold that pipe's other copy.
	local log_fd tee_pid=''
	if [[ $shown == shown ]]; then
		exec {log_fd}> >(trap '' INT TERM HUP; exec tee -- "$LOG_DIR/$name.log")
		tee_pid=$!
	else
		exec {log_fd}>"$LOG_DIR/$name.log"
	fi
	setsid "$@" >&"$log_fd" 2>&1 {log_fd}>&- &
	STARTED_PID=$!
	exec {log_fd}>&-
	RUNNING[$STARTED_PID]="${name}|${SECONDS}|${tee_pid}"
}

# finish_suite PID: waits for a suite started by start_suite and records its result.
finish_suite() {
	local pid=$1 name start tee_pid status=passed
	IFS='|' read -r name start tee_pid <<<"${RUNNING[$pid]}"
	wait "$pid" || status=FAILED
	unset "RUNNING[$pid]"
	if [[ -n $tee_pid ]]; then
		# tee ends with the suite's output; a process the suite left behind may keep it open: 5 s at most
		wait_for 5 "the copy of the ${name} suite's output" process_gone "$tee_pid" || true
	else
		log "suite ${name}: its output (it ran beside the others)"
		cat -- "$LOG_DIR/$name.log" || true
	fi
	RESULTS+=("${name}|${status}|$((SECONDS - start))")
	log "suite ${name}: ${status} in $((SECONDS - start))s"
}

# run_suite NAME COMMAND...: runs one suite unless it is not wanted (suite_wanted), records the
# result.
run_suite() {
	suite_wanted "$1" "$2" || return 0
	start_suite "$1" shown "${@:2}"
	finish_suite "$STARTED_PID"
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

# on_signal CODE: stops the running suites' process groups (TERM; KILL when one is still there
# after 60 s of cleaning up), prints the summary so far, then exits; the EXIT trap stops the
# dockerd this run started.
on_signal() {
	trap '' INT TERM HUP
	stop_running_suites
	summary || true
	exit "$1"
}

# stop_running_suites: TERM to each running suite's process group, once (a second TERM could cut
# a suite's cleanup short), then up to 60 s for all of them together, then KILL to what is left;
# records them as stopped and prints the output of a suite that ran beside the others.
stop_running_suites() {
	local pid name start tee_pid deadline=$((SECONDS + 60))
	for pid in "${!RUNNING[@]}"; do
		IFS='|' read -r name start _ <<<"${RUNNING[$pid]}"
		log "stopping the running suite ${name}"
		kill -TERM -- "-$pid" 2>/dev/null || true
	done
	for pid in "${!RUNNING[@]}"; do
		IFS='|' read -r name start tee_pid <<<"${RUNNING[$pid]}"
		while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
			sleep 0.1
		done
		kill -KILL -- "-$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		if [[ -z $tee_pid ]]; then
			log "suite ${name}: its output so far (it ran beside the others)"
			cat -- "$LOG_DIR/$name.log" || true
		fi
		RESULTS+=("${name}|stopped|$((SECONDS - start))")
		unset "RUNNING[$pid]"
	done
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
	trap 'trap "" INT TERM HUP; stop_running_suites; stop_started_services; rm -rf "$LOG_DIR"' EXIT
	trap 'on_signal 130' INT
	trap 'on_signal 143' TERM
	trap 'on_signal 129' HUP
	provision_packages
	start_docker_if_needed

	run_suite controller ./mvnw -B -ntp verify
	if [[ " ${RESULTS[*]} " == *"controller|FAILED"* ]]; then
		show_failed_test_output
	fi
	# The shell suite (bash forks, and a controller jar for the ops script: about one core) runs
	# beside the stack and recorder-image suites (Docker builds, then real-time recordings), on
	# the same 2 cores, and saves about 3 minutes: they share only the controller jar, built
	# before (the controller suite left it unless it failed), and the Docker engine, where each
	# uses its own names (temporary directories, free ports, stand-ins for docker elsewhere). Its
	# output is printed whole when it ends; it is shown as it comes when it runs alone.
	local shell_pid='' shown=shown
	if selected stack || selected recorder-image; then
		shown=quiet
	fi
	if suite_wanted shell scripts/test-shell.sh; then
		# the suites beside it would build the controller jar the ops script's tests run: built first
		if [[ $shown != shown ]] && ! (stack_controller_jar >/dev/null); then
			log "the controller jar could not be built: the suites that run it fail"
		fi
		start_suite shell "$shown" scripts/test-shell.sh
		shell_pid=$STARTED_PID
	fi
	# the deployment path live: installer, compose stack, ops script (builds the controller
	# image as an operator does: 4-5 min the first time on a machine)
	run_suite stack scripts/test-stack.sh
	run_suite recorder-image scripts/test-recorder-image.sh
	[[ -z $shell_pid ]] || finish_suite "$shell_pid"
	run_suite e2e scripts/e2e.sh
	summary
}

main "$@"
