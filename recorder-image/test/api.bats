#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2034 # each @test runs in a subshell and sets variables that the sourced recorder functions read
# Controller calls: outcome classification, credentials handling.

load helpers

setup() {
	recorder_env_setup
	load_libs
	config_load 2>/dev/null
	mkdir -p "$OV2HA_RUN_DIR"
	api_init
}

@test "answers are classified as the protocol says" {
	local p=urn:ov2-ha-recorder:problem:
	[ "$(api_classify 200 '')" = ok ]
	[ "$(api_classify 201 '')" = ok ]
	[ "$(api_classify 409 "${p}stale-epoch")" = fenced ]
	[ "$(api_classify 409 "${p}container-conflict")" = fenced ]
	[ "$(api_classify 409 "${p}recording-final")" = fenced ]
	[ "$(api_classify 409 "${p}chunk-conflict")" = invalid ]
	[ "$(api_classify 409 "${p}too-many-chunks")" = invalid ]
	[ "$(api_classify 409 '')" = retry ]
	[ "$(api_classify 404 "${p}recording-not-found")" = not_found ]
	[ "$(api_classify 404 '')" = retry ]
	[ "$(api_classify 400 "${p}invalid-request")" = invalid ]
	[ "$(api_classify 401 '')" = retry ]
	[ "$(api_classify 503 '')" = retry ]
	[ "$(api_classify 000 '')" = retry ]
}

@test "a call reads status and problem type; a timeout is a retry" {
	set_response heartbeat 409 0 "$(problem_body stale-epoch 409)"
	api_call PUT /api/recordings/ses_T/heartbeat '{"epoch":0}' 2
	[ "$API_STATUS" = 409 ]
	[ "$API_OUTCOME" = fenced ]
	[ "$(api_problem_name)" = stale-epoch ]
	set_response heartbeat 200 5
	api_call PUT /api/recordings/ses_T/heartbeat '{"epoch":0}' 1
	[ "$API_STATUS" = 000 ] && [ "$API_OUTCOME" = retry ]
	touch "$STUB_DIR/controller_down"
	api_call PUT /api/recordings/ses_T/heartbeat '{"epoch":0}' 1
	[ "$API_STATUS" = 000 ] && [ "$API_OUTCOME" = retry ]
}

@test "credentials go through a private curl config, never the command line" {
	api_call POST /api/recordings/ses_T/finalize '{"epoch":0}' 2
	[ "$API_OUTCOME" = ok ]
	[ "$(stat -c %a "$CURL_CONFIG")" = 600 ]
	grep -qF 'user = "recorder:rec-pass\"wo\\rd"' "$STUB_DIR/auth.log"
	assert_no_secrets "$STUB_DIR/argv.log"
	# No request body file is left behind.
	[ -z "$(find "$OV2HA_RUN_DIR" -name 'api.*' -size +0)" ]
}
