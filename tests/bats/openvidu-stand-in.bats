#!/usr/bin/env bats
# The OpenVidu stand-in's REST API (scripts/lib/openvidu.sh, scripts/lib/openvidu-rest.py)
# answers as openvidu-server's SessionRestController: Basic OPENVIDUAPP:<secret> or 401; a
# session OpenVidu has not in memory is 404; a recording is read from its .recording.<id> file;
# a restart forgets every session. No Docker: the startup cleanup's docker calls are stubbed.

setup() {
	ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
	# shellcheck source=scripts/lib/common.sh
	source "$ROOT/scripts/lib/common.sh"
	# shellcheck source=scripts/lib/openvidu.sh
	source "$ROOT/scripts/lib/openvidu.sh"
	# shellcheck disable=SC2317  # called by ov_clean_stranded_containers
	docker() { :; }
	WORK=$(mktemp -d)
	ov_init "$WORK/recordings" ov2ha-site:test http://127.0.0.1:9/openvidu/webhook token \
		https://openvidu.example.test Stand1nSecret-4e1 "$WORK/state"
	# a started recording of session ses_A, as ov_start_recording leaves it
	ov_state ses_A name ses_A
	ov_state ses_A session ses_A
	ov_state ses_A session_start 1700000000000
	ov_state ses_A created_at 1700000001000
	ov_state ses_A status started
	mkdir -p "$WORK/state/sessions" "$WORK/recordings/ses_A"
	printf 1700000000000 >"$WORK/state/sessions/ses_A"
	ov_write_entity_file ses_A "$(ov_recording_json ses_A started 0 0 null)"
	ov_rest_start
	BASE="http://127.0.0.1:$OV_REST_PORT/openvidu/api"
}

teardown() {
	ov_rest_stop
	rm -rf "$WORK"
}

# ask PATH [SECRET]: HTTP status, a tab, the body.
ask() {
	curl -s -u "OPENVIDUAPP:${2:-Stand1nSecret-4e1}" -w '\t%{http_code}' "$BASE/$1"
}

@test "without the secret every call is 401" {
	run curl -s -o /dev/null -w '%{http_code}' "$BASE/sessions/ses_A"
	[ "$output" = 401 ]
	run ask sessions/ses_A wrong-secret
	[ "${output##*$'\t'}" = 401 ]
}

@test "a known session is recorded; unknown sessions and recordings are 404" {
	run ask sessions/ses_A
	[ "${output##*$'\t'}" = 200 ]
	[ "$(jq -r '.sessionId, .recording' <<<"${output%$'\t'*}" | paste -sd' ')" = "ses_A true" ]
	run ask sessions/ses_B
	[ "${output##*$'\t'}" = 404 ]
	run ask recordings/ses_B
	[ "${output##*$'\t'}" = 404 ]
}

@test "a recording is read from its .recording file, without uniqueSessionId" {
	run ask recordings/ses_A
	[ "${output##*$'\t'}" = 200 ]
	[ "$(jq -r '.id, .status, has("uniqueSessionId")' <<<"${output%$'\t'*}" | paste -sd' ')" = "ses_A started false" ]
}

@test "a stopped recording leaves the session unrecorded; a closed session is gone" {
	ov_state ses_A status stopped
	run ask sessions/ses_A
	[ "$(jq -r .recording <<<"${output%$'\t'*}")" = false ]
	ov_close_session ses_A
	run ask sessions/ses_A
	[ "${output##*$'\t'}" = 404 ]
}

@test "a crash restart forgets every session; the recording file still says started" {
	ov_restart --no-webhooks
	run ask sessions/ses_A
	[ "${output##*$'\t'}" = 404 ]
	run ask recordings/ses_A
	[ "$(jq -r .status <<<"${output%$'\t'*}")" = started ]
	[ "$(ov_state ses_A status)" = lost ]
}

@test "a percent-encoded id is decoded as Spring MVC does (the recording ses_A~1 as ses_A%7E1)" {
	ov_state 'ses_A~1' name 'ses_A~1'
	ov_state 'ses_A~1' session ses_A
	ov_state 'ses_A~1' session_start 1700000000000
	ov_state 'ses_A~1' created_at 1700000002000
	ov_state 'ses_A~1' status started
	mkdir -p "$WORK/recordings/ses_A~1"
	ov_write_entity_file 'ses_A~1' "$(ov_recording_json 'ses_A~1' started 0 0 null)"
	run ask 'recordings/ses_A%7E1'
	[ "${output##*$'\t'}" = 200 ]
	[ "$(jq -r .id <<<"${output%$'\t'*}")" = 'ses_A~1' ]
	run ask 'recordings/ses_A~1'
	[ "${output##*$'\t'}" = 200 ]
	run ask 'recordings/..%2Fses_A'
	[ "${output##*$'\t'}" = 404 ]
}

@test "the startup cleanup lists the containers once and removes the recording image's containers of its recordings" {
	ov_state ses_B name ses_B
	ov_state 'ses_A~1' name 'ses_A~1'
	# shellcheck disable=SC2317  # called by ov_startup_cleanup
	docker() {
		case $1 in
		ps)
			echo ps >>"$WORK/docker.calls"
			printf '%s\t%s\t%s\t%s\n' \
				c1 ov2ha-site:test recording_ses_A '' \
				c2 ov2ha-site:old ov2ha-backup-ses_A-e1 ses_A \
				c3 other:test recording_ses_B '' \
				c4 ov2ha-site:test recording_ses_C '' \
				c5 ov2ha-site:test ses_A '' \
				c6 ov2ha-site:test recording_ses_A_1 '' \
				c7 ov2ha-site:test ov2ha-backup-ses_A_1-e1 'ses_A~1'
			;;
		rm) echo "rm $3" >>"$WORK/docker.calls" ;;
		esac
	}
	ov_startup_cleanup
	[ "$(grep -c '^ps$' "$WORK/docker.calls")" = 1 ]
	[ "$(grep '^rm ' "$WORK/docker.calls" | paste -sd' ')" = "rm c1 rm c2 rm c6 rm c7" ]
	run ov_clean_stranded_containers
	[ "$status" = 0 ] && [ -z "$output" ]
}
