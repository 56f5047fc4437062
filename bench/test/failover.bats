#!/usr/bin/env bats
# Helpers of bench/failover.sh (the benchmark itself needs Docker and runs by hand).

setup() {
	# shellcheck source=../failover.sh
	source "${BATS_TEST_DIRNAME}/../failover.sh"
}

@test "seconds has two decimals" {
	[ "$(seconds 1234)" = 1.23 ]
}

@test "the shared section writer is the one it uses" {
	[ "$(type -t write_section)" = function ]
	[ "$(type -t write_figures)" = function ]
	[ "$(median 5 1 3)" = 3 ]
}
