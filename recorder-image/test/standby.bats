#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2034 # each @test runs in a subshell and sets variables that the sourced recorder functions read
# The warm standby (HA_STANDBY=true, lib/standby.sh) on the host, recording lavfi sources:
# nothing before the assignment, a normal backup after it.

load helpers

setup() {
	recorder_env_setup
	export OV2HA_ASSIGNMENT_DIR="$WORK/assignment"
	# A standby knows only its site settings and its screen size.
	unset URL VIDEO_ID VIDEO_NAME RECORDING_JSON FRAMERATE ONLY_VIDEO VIDEO_FORMAT CONTAINER_WORKING_MODE
	export HA_STANDBY=true RESOLUTION=320x180
	# The variables OpenVidu gave the primary, as the controller assigns them.
	ASSIGNED_URL="https://OPENVIDUAPP:${SECRET_URL_PART}@ov.example.test/dashboard/#/layout-best-fit/ses_T/${SECRET_URL_PART}/443/false"
	ASSIGNED_JSON='{"id":"ses_T","object":"recording","name":"ses_T","outputMode":"COMPOSED","resolution":"320x180","frameRate":10,"createdAt":1700000005000,"status":"started"}'
}

teardown() {
	recorder_teardown
}

rec_dir() { printf '%s/ses_T' "$OV2HA_RECORDINGS_DIR"; }

b64() { printf '%s' "$1" | base64 -w0; }

# assign KEY=VALUE...: what the controller copies into the container: assignment.env, then ready.
assign() {
	local kv
	for kv in "$@"; do
		printf '%s=%s\n' "${kv%%=*}" "$(b64 "${kv#*=}")"
	done >"$OV2HA_ASSIGNMENT_DIR/assignment.env"
	: >"$OV2HA_ASSIGNMENT_DIR/ready"
}

standby_waiting() { grep -q 'event=phase_changed phase=standby' "$WORK/recorder.log"; }

# stopped_while_waiting: the standby, stopped while it waited, ended with 0 and wrote nothing.
stopped_while_waiting() {
	wait_exit "$RECORDER_PID" 5
	[ "$EXIT_CODE" = 0 ]
	grep -q 'event=recorder_exit exit_code=0 reason=standby_stopped' "$WORK/recorder.log"
	[ -z "$(ls -A "$OV2HA_RECORDINGS_DIR")" ]
}

@test "standby: nothing written before the assignment, then a backup from the assigned epoch and chunk" {
	start_recorder
	wait_for 10 standby_waiting
	[ "$(stat -c %a "$OV2HA_ASSIGNMENT_DIR")" = 700 ]
	sleep 1.5
	# Waiting: no chunk, no file in the recordings folder, no call to the controller or S3.
	[ -z "$(ls -A "$OV2HA_RECORDINGS_DIR")" ]
	[ ! -s "$STUB_DIR/requests.log" ]
	kill -0 "$RECORDER_PID"
	assign "URL=$ASSIGNED_URL" RESOLUTION=320x180 FRAMERATE=10 ONLY_VIDEO=false VIDEO_ID=ses_T VIDEO_NAME=ses_T \
		VIDEO_FORMAT=mp4 "RECORDING_JSON=$ASSIGNED_JSON" CONTAINER_WORKING_MODE=COMPOSED HA_EPOCH=3 HA_START_CHUNK=5 \
		HA_CONTROLLER_URL=http://evil.example.test/
	VIDEO_ID=ses_T # for csv_has_lines (the recorder was started without it)
	wait_for 15 csv_has_lines 2 3
	# assignment.env is consumed; ready is left to the engine (it sets its owner, mode and times
	# after creating it); a key outside the list is ignored, with a warning.
	[ "$(ls -A "$OV2HA_ASSIGNMENT_DIR")" = ready ]
	grep -q 'event=standby_assignment_key_ignored line=12 key=HA_CONTROLLER_URL' "$WORK/recorder.log"
	[ "$(head -n 1 "$(rec_dir)/chunks/segments-e3.csv" | cut -d, -f1)" = 000005-e3.ts ]
	# A backup: no registration, heartbeats and reports of its epoch, the page sent to URL.
	[ "$(count_requests register)" = 0 ]
	grep -q '^heartbeat PUT /api/recordings/ses_T/heartbeat {"epoch":3,' "$STUB_DIR/requests.log"
	grep -q 'event=standby_assigned keys=11 recording_id=ses_T epoch=3 start_chunk=5' "$WORK/recorder.log"
	[ "$(cat "$OV2HA_RUN_DIR/standby/go.js")" = "window.OV2HA_GO = \"$ASSIGNED_URL\";" ]
	stop_like_openvidu
	wait_exit "$RECORDER_PID" 30
	[ "$EXIT_CODE" = 0 ]
	grep -q '^finalize POST /api/recordings/ses_T/finalize {"epoch":3}$' "$STUB_DIR/requests.log"
	assert_no_secrets "$WORK/recorder.log"
}

@test "standby: SIGTERM while waiting ends it at once with 0, nothing written" {
	start_recorder
	wait_for 10 standby_waiting
	kill -TERM "$RECORDER_PID"
	stopped_while_waiting
}

@test "standby: a q while waiting ends it with 0, as it stops a recorder" {
	start_recorder
	wait_for 10 standby_waiting
	stop_like_openvidu
	stopped_while_waiting
}

@test "standby: restarted (docker restart), the q of its earlier life is no stop of this one" {
	start_recorder
	wait_for 10 standby_waiting
	kill -TERM "$RECORDER_PID"
	stopped_while_waiting
	grep -q '^q' "$OV2HA_STOP_FILE"
	# start_recorder empties the log in its background child: not yet when this returns
	rm -f "$WORK/recorder.log"
	start_recorder
	wait_for 10 standby_waiting
	[ ! -s "$OV2HA_STOP_FILE" ]
	sleep 0.5
	kill -0 "$RECORDER_PID"
	kill -TERM "$RECORDER_PID"
	stopped_while_waiting
}

@test "standby: an assignment of another resolution or without an epoch is refused (65), nothing written" {
	start_recorder
	wait_for 10 standby_waiting
	assign "URL=$ASSIGNED_URL" RESOLUTION=1280x720 VIDEO_ID=ses_T "RECORDING_JSON=$ASSIGNED_JSON" HA_EPOCH=1
	wait_exit "$RECORDER_PID" 5
	[ "$EXIT_CODE" = 65 ]
	grep -q 'event=standby_resolution_mismatch standby=320x180 recording=1280x720' "$WORK/recorder.log"
	[ -z "$(ls -A "$OV2HA_RECORDINGS_DIR")" ]

	# a second life in the same folder (as after a restart): the first life's ready is cleared
	# when the standby makes the folder, so it waits for its own assignment
	[ -e "$OV2HA_ASSIGNMENT_DIR/ready" ]
	rm -f "$WORK/recorder.log"
	start_recorder
	wait_for 10 standby_waiting
	[ -z "$(ls -A "$OV2HA_ASSIGNMENT_DIR")" ]
	assign "URL=$ASSIGNED_URL" RESOLUTION=320x180 VIDEO_ID=ses_T "RECORDING_JSON=$ASSIGNED_JSON"
	wait_exit "$RECORDER_PID" 5
	[ "$EXIT_CODE" = 65 ]
	grep -q 'event=standby_assignment_invalid key=HA_EPOCH' "$WORK/recorder.log"
	[ -z "$(ls -A "$OV2HA_RECORDINGS_DIR")" ]
}

@test "standby: a malformed assignment is refused with the line, not run" {
	start_recorder
	wait_for 10 standby_waiting
	# shellcheck disable=SC2016 # the command substitution is the attack, kept literal
	printf 'URL=$(touch %s/pwned)\n' "$WORK" >"$OV2HA_ASSIGNMENT_DIR/assignment.env"
	: >"$OV2HA_ASSIGNMENT_DIR/ready"
	wait_exit "$RECORDER_PID" 5
	[ "$EXIT_CODE" = 65 ]
	grep -q 'event=standby_assignment_invalid line=1 reason=not_a_KEY=base64_line' "$WORK/recorder.log"
	[ ! -e "$WORK/pwned" ]
	# a refused assignment is not left behind (it would hold OpenVidu's secret)
	[ ! -e "$OV2HA_ASSIGNMENT_DIR/assignment.env" ]
}
