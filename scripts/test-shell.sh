#!/usr/bin/env bash
# Shell checks for the whole repository:
#   1. shellcheck on every tracked *.sh and *.bash file and every tracked extensionless file
#      whose first line is a bash/sh shebang (except mvnw, which the Maven Wrapper
#      generates); *.bats files are left to bats;
#   2. bats on every */test/*.bats and tests/bats/*.bats.
# Exits non-zero when any check fails. Needs: git, shellcheck, bats, plus what the tests
# themselves use (ffmpeg, jq, curl).
#
# Usage: scripts/test-shell.sh [--shellcheck-only | --bats-only]
set -Eeuo pipefail

REPO_DIR=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)

log() { printf '%s test-shell %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "error=\"$*\""; exit 2; }

require() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "$tool is missing (apt-get install -y $tool)"
	done
}

# shell_files: NUL-separated list of tracked shell sources.
shell_files() {
	local f first
	git -C "$REPO_DIR" ls-files -z | while IFS= read -r -d '' f; do
		[[ -f $REPO_DIR/$f ]] || continue
		case $f in
		*.sh | *.bash) printf '%s\0' "$f" ;;
		*.* | mvnw) ;;
		*)
			IFS= read -r first <"$REPO_DIR/$f" || true
			if [[ $first =~ ^#!(/usr/bin/env[[:space:]]+)?(/bin/|/usr/bin/)?(ba)?sh([[:space:]]|$) ]]; then
				printf '%s\0' "$f"
			fi
			;;
		esac
	done
}

run_shellcheck() {
	require shellcheck git
	local -a files=()
	mapfile -d '' -t files < <(shell_files)
	if ((${#files[@]} == 0)); then
		log "event=shellcheck_skipped reason=no_files"
		return 0
	fi
	log "event=shellcheck_started files=${#files[@]}"
	# Explicit checks: main calls these functions in an || list, where set -e does not apply.
	if ! (cd "$REPO_DIR" && shellcheck -x "${files[@]}"); then
		log "event=shellcheck_failed files=${#files[@]}"
		return 1
	fi
	log "event=shellcheck_passed files=${#files[@]}"
}

run_bats() {
	require bats git
	local -a suites=()
	mapfile -d '' -t suites < <(git -C "$REPO_DIR" ls-files -z -- '*/test/*.bats' 'tests/bats/*.bats')
	if ((${#suites[@]} == 0)); then
		log "event=bats_skipped reason=no_suites"
		return 0
	fi
	log "event=bats_started files=${#suites[@]}"
	if ! (cd "$REPO_DIR" && bats "${suites[@]}"); then
		log "event=bats_failed files=${#suites[@]}"
		return 1
	fi
	log "event=bats_passed files=${#suites[@]}"
}

main() {
	local rc=0
	case "${1:-}" in
	--shellcheck-only) run_shellcheck || rc=1 ;;
	--bats-only) run_bats || rc=1 ;;
	"")
		run_shellcheck || rc=1
		run_bats || rc=1
		;;
	*) die "usage: $0 [--shellcheck-only | --bats-only]" ;;
	esac
	if ((rc != 0)); then
		log "event=failed"
		return 1
	fi
	log "event=passed"
}

main "$@"
