#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2034 # each @test runs in a subshell and sets variables that the sourced recorder functions read
# The whole COMPOSED recorder on the host, recording lavfi sources instead of the screen,
# against the stub controller and stub S3.

load helpers

setup() {
	recorder_env_setup
}

teardown() {
	recorder_teardown
}

rec_dir() { printf '%s/ses_T' "$OV2HA_RECORDINGS_DIR"; }


@test "primary: OpenVidu's files at once, chunks uploaded and reported, q stops it cleanly" {
	export RECORDING_JSON='{"id":"ses_T","name":"a  b * ?","createdAt":1700000005000,"status":"started"}'
	start_recorder
	# OpenVidu waits up to 30 s for a non-empty file (about 0.5 s here on a quiet host, 6 s with
	# twelve busy loops on 2 cores): the bound is OpenVidu's, with room for the container's start.
	wait_for 20 test -s "$(rec_dir)/ses_T.mp4"
	[ "$(cat "$(rec_dir)/.recording.ses_T")" = "$RECORDING_JSON" ]
	wait_for 15 csv_has_lines 3
	wait_for 20 requests_at_least chunks 3
	stop_like_openvidu
	local t0=$SECONDS
	wait_exit "$RECORDER_PID" 30
	[ "$EXIT_CODE" = 0 ]
	# OpenVidu's deadline (30 s from its q); about 1 s on a quiet host. The recorder counts its
	# stop from the q it saw.
	local took=$((SECONDS - t0)) stop_ms
	((took < 30))
	stop_ms=$(grep -oE 'event=recorder_exit exit_code=0 stop_ms=[0-9]+' "$WORK/recorder.log" | grep -oE '[0-9]+$')
	((stop_ms > 0 && stop_ms < 30000))
	local n
	n=$(csv_lines)
	[ "$(count_requests chunks)" = "$n" ]
	[ "$(find "$STUB_DIR/s3" -name '*.ts' | wc -l)" = "$n" ]
	[ "$(count_requests register)" = 1 ]
	[ "$(count_requests finalize)" = 1 ]
	grep -q '^finalize POST /api/recordings/ses_T/finalize {"epoch":0}$' "$STUB_DIR/requests.log"
	# The controller is asked to answer 2 s before the recorder's curl gives up, with what is left
	# of the 24 s counted from the q (waitSeconds about 21 on a quiet host, less when the stop
	# took longer; never the 3 s floor of a budget already spent).
	local call wait_s max_s
	call=$(grep -E 'finalize.{0,2}waitSeconds=' "$STUB_DIR/argv.log")
	wait_s=$(grep -oE 'waitSeconds=[0-9]+' <<<"$call" | grep -oE '[0-9]+$')
	max_s=$(grep -oE -- '--max-time [0-9]+' <<<"$call" | grep -oE '[0-9]+$')
	((max_s == wait_s + 2 && max_s <= 24 && max_s >= 24 - took - 2))
	# The register call carries the recording JSON and OpenVidu's environment.
	local body
	body=$(grep '^register ' "$STUB_DIR/requests.log" | head -n 1 | cut -d' ' -f4-)
	[ "$(jq -r .recordingJson.createdAt <<<"$body")" = 1700000005000 ]
	[ "$(jq -r .env.URL <<<"$body")" = "$URL" ]
	[ "$(jq -r .env.RESOLUTION <<<"$body")" = 320x180 ]
	[ "$(jq -r .epoch <<<"$body")" = 0 ]
	[ "$(jq -r '.containerId' <<<"$body")" = "" ]
	# Chunks stay on disk; placeholder stays (the controller replaces it).
	[ "$(find "$(rec_dir)/chunks" -name '*-e0.ts' | wc -l)" = "$n" ]
	[ -s "$(rec_dir)/ses_T.mp4" ]
	# A normal end leaves the stop marker of its epoch (read by the controller).
	[ "$(jq -r .epoch "$(rec_dir)/chunks/stopped-e0")" = 0 ]
	grep -q 'event=recorder_exit exit_code=0' "$WORK/recorder.log"
	assert_no_secrets "$WORK/recorder.log"
}

@test "backup: no registration, numbering from HA_START_CHUNK, the final file is kept" {
	export HA_EPOCH=2 HA_START_CHUNK=7
	mkdir -p "$(rec_dir)/chunks"
	printf 'final mp4 content\n' >"$(rec_dir)/ses_T.mp4"
	printf '{"id":"ses_T","status":"stopped"}\n' >"$(rec_dir)/.recording.ses_T"
	# Chunks of the primary (epoch 0) are left alone.
	printf 'x' >"$(rec_dir)/chunks/000006-e0.ts"
	start_recorder
	wait_for 15 csv_has_lines 2 2
	stop_like_openvidu
	wait_exit "$RECORDER_PID" 30
	[ "$EXIT_CODE" = 0 ]
	[ "$(count_requests register)" = 0 ]
	[ "$(cat "$(rec_dir)/ses_T.mp4")" = 'final mp4 content' ]
	[ "$(cat "$(rec_dir)/.recording.ses_T")" = '{"id":"ses_T","status":"stopped"}' ]
	[ "$(cat "$(rec_dir)/chunks/000006-e0.ts")" = x ]
	[ "$(head -n 1 "$(rec_dir)/chunks/segments-e2.csv" | cut -d, -f1)" = 000007-e2.ts ]
	[ "$(sed -n 2p "$(rec_dir)/chunks/segments-e2.csv" | cut -d, -f1)" = 000008-e2.ts ]
	grep -q '"seq":7,"epoch":2,' "$STUB_DIR/requests.log"
	grep -q '^heartbeat PUT /api/recordings/ses_T/heartbeat {"epoch":2,' "$STUB_DIR/requests.log"
	grep -q '^finalize POST /api/recordings/ses_T/finalize {"epoch":2}$' "$STUB_DIR/requests.log"
}

@test "fenced by a 409 stale-epoch heartbeat: stops at once, exits non-zero, deletes nothing" {
	start_recorder
	wait_for 15 csv_has_lines 2
	set_response heartbeat 409 0 "$(problem_body stale-epoch 409)"
	local t0=$SECONDS
	wait_exit "$RECORDER_PID" 30
	[ "$EXIT_CODE" = 3 ]
	# At once: no drain of the uploader and no finalize, checked below (about 1 s on a quiet
	# host; the bound is generous for a saturated one).
	(( SECONDS - t0 < 20 ))
	[ "$(count_requests finalize)" = 0 ]
	grep -q 'event=fenced reason=stale-epoch' "$WORK/recorder.log"
	grep -q 'event=recording_stopped reason=fenced' "$WORK/recorder.log"
	if grep -qE 'event=(uploader_finished|uploader_drain_timeout|finalize_requested)' "$WORK/recorder.log"; then false; fi
	[ "$(find "$(rec_dir)/chunks" -name '*.ts' | wc -l)" -ge 2 ]
	[ -s "$(rec_dir)/ses_T.mp4" ] && [ -s "$(rec_dir)/.recording.ses_T" ]
	# No process of the recorder is left.
	run pgrep -P "$RECORDER_PID"
	[ "$status" -ne 0 ]
}

@test "a container-conflict answer to the registration stops the recorder" {
	set_response register 409 0 "$(problem_body container-conflict 409)"
	start_recorder
	wait_exit "$RECORDER_PID" 10
	[ "$EXIT_CODE" = 3 ]
	grep -q 'event=fenced reason=container-conflict' "$WORK/recorder.log"
}

@test "a recorder that cannot register still records, and registers when it can" {
	# The chunks held back below are still being uploaded at the stop. Their number grows with
	# the time the steps before the stop take, and each costs more on a loaded host: with twelve
	# busy loops on 2 cores (load 14), up to 33 chunks at about 4.3 s each through the stub's bash
	# curl, 105-142 s. The drain gets 300 s here, not the 8 s default, because this test asserts
	# that every chunk is reported, not the drain's deadline (the S3-down test does); on a quiet
	# host the drain takes about a second.
	export OV2HA_BACKOFF_MAX=2 OV2HA_REGISTER_BACKOFF_MAX=2 OV2HA_DRAIN_TIMEOUT=300
	touch "$STUB_DIR/controller_down"
	start_recorder
	wait_for 15 csv_has_lines 3
	# The agent retries 1 s after its first attempt; on a loaded host it may reach it only after
	# several chunks (ffmpeg keeps real time, the agent's bash loop does not): waited for, not
	# assumed from the chunks' pace.
	wait_for 20 requests_at_least register 2
	[ "$(count_requests heartbeat)" = 0 ]
	# The controller is back, but refuses chunk reports for a while: the heartbeats show
	# the backlog of complete chunks not yet reported.
	set_response chunks 503 0 '{}'
	rm "$STUB_DIR/controller_down"
	wait_for 15 log_count_above "$STUB_DIR/requests.log" '^heartbeat .*"uploadBacklog":[1-9]' 0
	rm "$STUB_DIR/responses/chunks"
	wait_for 20 log_count_above "$WORK/recorder.log" 'event=chunk_reported seq=2 ' 0
	# A heartbeat answered 404 recording-not-found makes the primary register again.
	local registers
	registers=$(grep -c 'event=registered' "$WORK/recorder.log")
	set_response heartbeat.once 404 0 "$(problem_body recording-not-found 404)"
	wait_for 10 log_count_above "$WORK/recorder.log" event=registered "$registers"
	stop_like_openvidu
	wait_exit "$RECORDER_PID" 330
	[ "$EXIT_CODE" = 0 ]
	[ "$(grep -c 'event=uploader_drain_timeout' "$WORK/recorder.log")" = 0 ]
	[ "$(grep -c 'event=chunk_reported' "$WORK/recorder.log")" = "$(csv_lines)" ]
}

@test "stop within 30 s when S3 is down and the controller hangs on finalize" {
	touch "$STUB_DIR/s3_down"
	set_response finalize 200 120
	start_recorder
	wait_for 15 csv_has_lines 3
	stop_like_openvidu
	local t0=$SECONDS
	wait_exit "$RECORDER_PID" 40
	local took=$((SECONDS - t0))
	echo "stop took ${took}s" >&3
	[ "$EXIT_CODE" = 0 ]
	(( took < 30 ))
	# The recorder's own count, from the q it saw: its 24 s budget (the stub's curl overruns
	# its --max-time by up to 2.5 s on a saturated host).
	local stop_ms
	stop_ms=$(grep -oE 'event=recorder_exit exit_code=0 stop_ms=[0-9]+' "$WORK/recorder.log" | grep -oE '[0-9]+$')
	((stop_ms > 20000 && stop_ms < 29000))
	grep -q 'event=uploader_drain_timeout' "$WORK/recorder.log"
	grep -q 'event=finalize_failed status=000' "$WORK/recorder.log"
	# Nothing was deleted: every complete chunk and the partial tail are on disk.
	[ "$(find "$(rec_dir)/chunks" -name '*-e0.ts' | wc -l)" = "$(csv_lines)" ]
}

@test "SIGTERM is a graceful stop, like q" {
	start_recorder
	wait_for 15 csv_has_lines 2
	kill -TERM "$RECORDER_PID"
	wait_exit "$RECORDER_PID" 30
	[ "$EXIT_CODE" = 0 ]
	grep -q 'event=stop_requested source=TERM' "$WORK/recorder.log"
	[ "$(count_requests finalize)" = 1 ]
	[ "$(count_requests chunks)" = "$(csv_lines)" ]
}

@test "a q written before the recorder started (a stop right after the container started) stops it before it records" {
	stop_like_openvidu
	start_recorder
	wait_exit "$RECORDER_PID" 30
	[ "$EXIT_CODE" = 0 ]
	grep -q 'event=stop_before_recording' "$WORK/recorder.log"
	[ "$(csv_lines)" = 0 ]
	[ "$(count_requests finalize)" = 1 ]
	[ "$(jq -r .epoch "$(rec_dir)/chunks/stopped-e0")" = 0 ]
}

@test "ffmpeg dying is not a stop: the recorder exits 1 without finalizing" {
	start_recorder
	wait_for 15 csv_has_lines 2
	pkill -KILL -P "$RECORDER_PID" -x ffmpeg
	wait_exit "$RECORDER_PID" 20
	[ "$EXIT_CODE" = 1 ]
	[ "$(count_requests finalize)" = 0 ]
	[ ! -e "$(rec_dir)/chunks/stopped-e0" ]
	grep -q 'event=ffmpeg_died' "$WORK/recorder.log"
}

@test "invalid settings: clear errors, exit 78, nothing written" {
	unset HA_CONTROLLER_URL
	export HA_CHUNK_DURATION=abc
	start_recorder
	wait_exit "$RECORDER_PID" 5
	[ "$EXIT_CODE" = 78 ]
	grep -q 'event=config_invalid key=HA_CONTROLLER_URL reason=missing' "$WORK/recorder.log"
	grep -q 'event=config_invalid key=HA_CHUNK_DURATION' "$WORK/recorder.log"
	[ ! -e "$(rec_dir)" ]
}

@test "a recorder never overwrites chunks of its own epoch" {
	export HA_EPOCH=1 HA_START_CHUNK=3
	mkdir -p "$(rec_dir)/chunks"
	printf 'old\n' >"$(rec_dir)/chunks/000003-e1.ts"
	start_recorder
	wait_exit "$RECORDER_PID" 5
	[ "$EXIT_CODE" = 75 ]
	[ "$(cat "$(rec_dir)/chunks/000003-e1.ts")" = old ]
	grep -q 'event=epoch_already_used' "$WORK/recorder.log"
}

@test "a reused recording id moves the old folder's chunks aside" {
	mkdir -p "$(rec_dir)/chunks"
	printf 'old\n' >"$(rec_dir)/chunks/000000-e0.ts"
	start_recorder
	wait_for 15 csv_has_lines 1
	stop_like_openvidu
	wait_exit "$RECORDER_PID" 30
	[ "$EXIT_CODE" = 0 ]
	[ "$(cat "$(rec_dir)"/chunks-stale-*/000000-e0.ts)" = old ]
}

@test "the entrypoint refuses modes it does not record" {
	for mode in COMPOSED_QUICK_START BROADCAST SOMETHING; do
		CONTAINER_WORKING_MODE=$mode run "$IMAGE_DIR/entrypoint.sh"
		[ "$status" = 64 ]
		[[ $output == *"event=mode_"* ]]
	done
	[ ! -e "$(rec_dir)" ]
}
