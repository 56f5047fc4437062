#!/usr/bin/env bats
# bench/lib/bench.sh: the helpers every benchmark script uses.

setup() {
	# shellcheck source=../../scripts/lib/common.sh
	source "${BATS_TEST_DIRNAME}/../../scripts/lib/common.sh"
	# shellcheck source=../lib/bench.sh
	source "${BATS_TEST_DIRNAME}/../lib/bench.sh"
	TMP=$(mktemp -d)
}

teardown() {
	rm -rf "$TMP"
}

@test "median of an odd and an even count, n/a without numbers" {
	[ "$(median 5 1 3)" = 3 ]
	[ "$(median 4 1 3 2)" = 2.5 ]
	[ "$(median 0.5 10 2)" = 2 ]
	[ "$(median)" = n/a ]
}

@test "range is min-max" {
	[ "$(range 40 7 300)" = 7-300 ]
}

@test "write_section rewrites only its own section" {
	printf '%s\n' '# B' '<!-- BEGIN failover -->' 'old' '<!-- END failover -->' '<!-- BEGIN e2e -->' 'keep' \
		'<!-- END e2e -->' >"$TMP/B.md"
	printf '%s\n' 'new 1' 'new 2' >"$TMP/section"
	write_section failover "$TMP/section" "$TMP/B.md"
	run cat "$TMP/B.md"
	[ "${lines[1]}" = '<!-- BEGIN failover -->' ]
	[ "${lines[2]}" = 'new 1' ]
	[ "${lines[3]}" = 'new 2' ]
	[ "${lines[4]}" = '<!-- END failover -->' ]
	[ "${lines[6]}" = 'keep' ]
	[ "${#lines[@]}" -eq 8 ]
}

@test "write_section refuses a file without the markers" {
	echo '# nothing' >"$TMP/B.md"
	echo x >"$TMP/section"
	run write_section failover "$TMP/section" "$TMP/B.md"
	[ "$status" -ne 0 ]
	[ "$(cat "$TMP/B.md")" = '# nothing' ]
}

@test "image_jvm_env takes the stack's HA_JAVA_OPTS and the image's MALLOC_ARENA_MAX" {
	unset JAVA_OPTS MALLOC_ARENA_MAX
	image_jvm_env
	[ "$JAVA_OPTS" = "$(sed -n 's/^HA_JAVA_OPTS=//p' "${BATS_TEST_DIRNAME}/../../.env_template")" ]
	[[ "$JAVA_OPTS" == *-Xmx* ]]
	[ "$MALLOC_ARENA_MAX" = 2 ]
	grep -q 'MALLOC_ARENA_MAX=2' "${BATS_TEST_DIRNAME}/../../docker/Dockerfile"
}

@test "image_jvm_env keeps options given by the caller" {
	JAVA_OPTS=-Xmx1g
	MALLOC_ARENA_MAX=4
	image_jvm_env
	[ "$JAVA_OPTS" = -Xmx1g ]
	[ "$MALLOC_ARENA_MAX" = 4 ]
}
