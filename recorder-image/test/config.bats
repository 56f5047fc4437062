#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2034 # each @test runs in a subshell and sets variables that the sourced recorder functions read
# Settings: env file parsing, precedence, validation errors, masking.

load helpers

setup() {
	recorder_env_setup
	load_libs
}

config_errors_of() {
	# Runs config_load in a subshell and prints its log.
	(config_load) 2>&1
}

@test "a valid environment loads, with defaults and roles" {
	config_load 2>"$WORK/log"
	[ "$RECORDING_ROLE" = primary ]
	[ "$RECORDING_CREATED_AT" = 1700000005000 ]
	[ "$HA_S3_PREFIX" = recordings/ ]
	[ "$HA_S3_REGION" = us-east-1 ]
	[ "$HA_EPOCH" = 0 ]
	[ "$HA_START_CHUNK" = 0 ]
	[ "$HA_CONTROLLER_URL" = http://127.0.0.1:9 ]
	[ "$VIDEO_WIDTH" = 320 ] && [ "$VIDEO_HEIGHT" = 180 ]
}

@test "HA_EPOCH > 0 makes a backup" {
	export HA_EPOCH=2 HA_START_CHUNK=17
	config_load 2>/dev/null
	[ "$RECORDING_ROLE" = backup ]
	[ "$HA_START_CHUNK" = 17 ]
}

@test "settings come from the env file when the environment lacks them" {
	unset HA_CONTROLLER_URL HA_RECORDER_PASSWORD HA_CHUNK_DURATION HA_S3_PREFIX
	cat >"$HA_RECORDER_ENV_FILE" <<-'EOF'
		# comment line

		HA_CONTROLLER_URL=http://10.0.0.5:15443
		export HA_RECORDER_PASSWORD="p w#x'y"
		HA_CHUNK_DURATION='6'
		HA_S3_PREFIX=
	EOF
	config_load 2>/dev/null
	[ "$HA_CONTROLLER_URL" = http://10.0.0.5:15443 ]
	[ "$HA_RECORDER_PASSWORD" = "p w#x'y" ]
	[ "$HA_CHUNK_DURATION" = 6 ]
	[ "$HA_S3_PREFIX" = "" ]
}

@test "the environment wins over the env file" {
	printf 'HA_CHUNK_DURATION=6\nHA_RECORDER_USERNAME=fromfile\n' >"$HA_RECORDER_ENV_FILE"
	export HA_CHUNK_DURATION=4
	config_load 2>/dev/null
	[ "$HA_CHUNK_DURATION" = 4 ]
	[ "$HA_RECORDER_USERNAME" = recorder ]
}

@test "the env file is data, never executed, and unknown keys are ignored" {
	# shellcheck disable=SC2016 # the literal $(...) must reach the file unexpanded
	printf 'HA_S3_BUCKET=$(touch %s/pwned)\nPATH=/nowhere\nHA_UNKNOWN=1\n' "$WORK" >"$HA_RECORDER_ENV_FILE"
	unset HA_S3_BUCKET
	run config_errors_of
	[ ! -e "$WORK/pwned" ]
	[[ $output == *"event=config_key_ignored"*"key=PATH"* ]]
	[[ $output == *"key=HA_UNKNOWN"* ]]
	[[ $output == *"key=HA_S3_BUCKET"* ]]
}

@test "a malformed env file line is a config error naming the line, not its content" {
	printf 'HA_CHUNK_DURATION=5\nthis is not a setting S3CRET\n' >"$HA_RECORDER_ENV_FILE"
	run config_errors_of
	[ "$status" -ne 0 ]
	[[ $output == *"event=config_invalid"*"line=2"* ]]
	[[ $output != *S3CRET* ]]
}

@test "an env file under the recordings folder is refused" {
	cp "$HA_RECORDER_ENV_FILE" "$OV2HA_RECORDINGS_DIR/recorder.env"
	export HA_RECORDER_ENV_FILE="$OV2HA_RECORDINGS_DIR/recorder.env"
	run config_errors_of
	[ "$status" -ne 0 ]
	[[ $output == *"key=HA_RECORDER_ENV_FILE"*"recordings folder"* ]]
}

@test "an explicitly named env file must exist" {
	export HA_RECORDER_ENV_FILE="$WORK/missing.env"
	run config_errors_of
	[ "$status" -ne 0 ]
	[[ $output == *"key=HA_RECORDER_ENV_FILE"*"not found"* ]]
}

@test "every error is reported at once, with clear keys" {
	unset HA_CONTROLLER_URL HA_RECORDER_PASSWORD HA_S3_BUCKET
	export HA_CHUNK_DURATION=0 HA_HEARTBEAT_INTERVAL=abc VIDEO_ID='../etc' RESOLUTION=big FRAMERATE=0
	export HA_RECORDING_STORAGE=s3 ONLY_VIDEO=maybe
	run config_errors_of
	[ "$status" -ne 0 ]
	for key in HA_CONTROLLER_URL HA_RECORDER_PASSWORD HA_S3_BUCKET HA_CHUNK_DURATION \
		HA_HEARTBEAT_INTERVAL VIDEO_ID RESOLUTION FRAMERATE ONLY_VIDEO; do
		[[ $output == *"key=$key "* ]] || { echo "no error for $key"; false; }
	done
	[[ $output == *"event=config_rejected errors=9"* ]]
}

@test "s3 settings are required only in s3 storage mode" {
	unset HA_S3_ENDPOINT HA_S3_BUCKET HA_S3_ACCESS_KEY HA_S3_SECRET_KEY
	export HA_RECORDING_STORAGE=local
	config_load 2>/dev/null
	export HA_RECORDING_STORAGE=s3
	run config_errors_of
	[ "$status" -ne 0 ]
	[[ $output == *"key=HA_S3_ENDPOINT"* && $output == *"key=HA_S3_SECRET_KEY"* ]]
	export HA_RECORDING_STORAGE=ftp
	run config_errors_of
	[[ $output == *"key=HA_RECORDING_STORAGE"* ]]
}

@test "durations accept seconds with or without a unit, as the controller's .env writes them" {
	export HA_HEARTBEAT_INTERVAL=2s HA_CHUNK_DURATION=10
	config_load 2>/dev/null
	[ "$HA_HEARTBEAT_INTERVAL" = 2 ] && [ "$HA_CHUNK_DURATION" = 10 ]
	export HA_HEARTBEAT_INTERVAL=1500ms HA_CHUNK_DURATION=010s
	config_load 2>/dev/null
	[ "$HA_HEARTBEAT_INTERVAL" = 2 ] && [ "$HA_CHUNK_DURATION" = 10 ]
	for bad in 2m -1 1.5 0 61s 999999ms; do
		export HA_HEARTBEAT_INTERVAL=$bad
		run config_errors_of
		[[ $output == *"key=HA_HEARTBEAT_INTERVAL"* ]] || { echo "accepted: $bad"; false; }
	done
}

@test "a primary cannot start from another chunk than 0" {
	export HA_EPOCH=0 HA_START_CHUNK=5
	run config_errors_of
	[ "$status" -ne 0 ]
	[[ $output == *"key=HA_START_CHUNK"* ]]
}

@test "RECORDING_JSON must be an object with an integer createdAt" {
	for bad in 'not json' '[1,2]' '{"id":"ses_T"}' '{"createdAt":"17"}' '{"createdAt":1.5}'; do
		export RECORDING_JSON=$bad
		run config_errors_of
		[ "$status" -ne 0 ] || { echo "accepted: $bad"; false; }
		[[ $output == *"key=RECORDING_JSON"* ]]
	done
}

@test "unsafe VIDEO_NAME and S3 prefix values are refused" {
	for bad in 'a/b' '..' '.recording.x' '.ov2ha-final-1.mp4' '.ov2ha-x' ''; do
		export VIDEO_NAME=$bad
		[ -n "$bad" ] || unset VIDEO_NAME VIDEO_ID
		run config_errors_of
		[ "$status" -ne 0 ] || { echo "accepted name: $bad"; false; }
		export VIDEO_ID=ses_T
	done
	export VIDEO_NAME=ses_T
	for bad in '/abs/' 'a//b/' '../x/' 'a b/' 'x"y/'; do
		export HA_S3_PREFIX=$bad
		run config_errors_of
		[[ $output == *"key=HA_S3_PREFIX"* ]] || { echo "accepted prefix: $bad"; false; }
	done
}

@test "config errors and the summary never print secrets" {
	config_load 2>"$WORK/ok.log"
	config_summary 2>>"$WORK/ok.log"
	export URL='https://OPENVIDUAPP:OVSECRET123@h/x?secret=OVSECRET123 bad'
	export HA_CONTROLLER_URL='http://user:OVSECRET123@h/?q=1'
	run config_errors_of
	printf '%s\n' "$output" >"$WORK/bad.log"
	assert_no_secrets "$WORK/ok.log" "$WORK/bad.log"
	grep -q 'url=https://\*\*\*@ov.example.test/\*\*\*' "$WORK/ok.log"
}

@test "mask_url keeps only scheme, host and port" {
	[ "$(mask_url 'https://OPENVIDUAPP:s3cr3t@ov.example.com:4443/dashboard/#/layout/s3cr3t/443')" = 'https://***@ov.example.com:4443/***' ]
	[ "$(mask_url 'http://10.0.0.5:15443')" = 'http://10.0.0.5:15443' ]
	[ "$(mask_url 'https://h/x?secret=abc')" = 'https://h/***' ]
	[ "$(mask_url 'https://user:pa/ss@h/x')" = 'https://***' ]
	[ "$(mask_url 'no url')" = '***' ]
}

@test "config_protect_secrets keeps credentials out of child processes" {
	config_load 2>/dev/null
	config_protect_secrets
	run env
	[[ $output != *"$SECRET_S3_KEY"* ]]
	[[ $output != *"HA_RECORDER_PASSWORD"* ]]
	[ "$HA_S3_SECRET_KEY" = "$SECRET_S3_KEY" ]
}
