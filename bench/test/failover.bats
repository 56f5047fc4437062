#!/usr/bin/env bats
# Helpers of bench/failover.sh (the benchmark itself needs Docker and runs by hand).

setup() {
	# shellcheck source=../failover.sh
	source "${BATS_TEST_DIRNAME}/../failover.sh"
	TMP=$(mktemp -d)
}

teardown() {
	rm -rf "$TMP"
}

@test "median of an odd and an even count" {
	[ "$(median 5 1 3)" = 3 ]
	[ "$(median 4 1 3 2)" = 2.5 ]
	[ "$(median)" = n/a ]
}

@test "range is min-max" {
	[ "$(range 40 7 300)" = 7-300 ]
}

@test "seconds has two decimals" {
	[ "$(seconds 1234)" = 1.23 ]
}

@test "replace_section rewrites only its own section" {
	printf '%s\n' '# B' '<!-- BEGIN failover -->' 'old' '<!-- END failover -->' '<!-- BEGIN e2e -->' 'keep' \
		'<!-- END e2e -->' >"$TMP/B.md"
	printf '%s\n' 'new 1' 'new 2' >"$TMP/section"
	replace_section "$TMP/B.md" failover "$TMP/section"
	run cat "$TMP/B.md"
	[ "${lines[1]}" = '<!-- BEGIN failover -->' ]
	[ "${lines[2]}" = 'new 1' ]
	[ "${lines[3]}" = 'new 2' ]
	[ "${lines[4]}" = '<!-- END failover -->' ]
	[ "${lines[6]}" = 'keep' ]
}

@test "replace_section refuses a file without the markers" {
	echo '# nothing' >"$TMP/B.md"
	echo x >"$TMP/section"
	run replace_section "$TMP/B.md" failover "$TMP/section"
	[ "$status" -ne 0 ]
}
