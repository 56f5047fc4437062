#!/usr/bin/env bats
# Argument handling of bench/webhook.sh (the measurement itself is run by hand, never in tests).

setup() {
	SCRIPT="$BATS_TEST_DIRNAME/../webhook.sh"
}

@test "--help prints the usage and exits 0" {
	run "$SCRIPT" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: bench/webhook.sh"* ]]
}

@test "an unknown argument fails with the usage" {
	run "$SCRIPT" --bogus
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown argument: --bogus"* ]]
}

@test "a count that is not a positive number fails before anything starts" {
	run "$SCRIPT" --runs 0 --no-build --no-write
	[ "$status" -eq 1 ]
	[[ "$output" == *"positive number"* ]]
	run "$SCRIPT" --events abc --no-build --no-write
	[ "$status" -eq 1 ]
}
