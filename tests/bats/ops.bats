#!/usr/bin/env bats
# docker/ov2-ha-recorder.sh against a real controller (the jar, production mode) with a real,
# password-protected Redis, started once for this file. Compose services are not running
# here: the script must report that clearly and still work with the controller it reaches.

load helpers

setup_file() {
	ensure_controller_jar
	export STACK_DIR=$BATS_FILE_TMPDIR/stack
	export OV2HA_PROJECT=ov2ha-bats-$RANDOM$RANDOM
	mkdir -p "$STACK_DIR"
	start_stack_under_test "$STACK_DIR"
	register_recording ses_BatsActive
}

teardown_file() {
	stop_stack_under_test "$STACK_DIR"
}

ops() {
	"$OPS" --env-file "$T_ENV" "$@"
}

secrets_absent() {
	local s
	for s in "$T_ADMIN_PW" "$T_RECORDER_PW" "$T_REDIS_PW" "$T_TOKEN"; do
		if [[ $output == *"$s"* ]]; then
			echo "a secret appears in the output" >&2
			return 1
		fi
	done
}

@test "--help lists every command and each command has its own --help" {
	run "$OPS" --help
	[ "$status" -eq 0 ]
	local c help=$output
	for c in start stop restart status logs health config validate reconfigure build test-api \
		test-recording list-recordings stuck repair download backup restore clean; do
		[[ $help == *"  $c "* ]]
		run "$OPS" "$c" --help
		[ "$status" -eq 0 ]
		[[ $output == *"Usage: ov2-ha-recorder.sh $c"* ]]
	done
}

@test "an unknown command or option is a usage error (exit 2)" {
	run "$OPS" frobnicate
	[ "$status" -eq 2 ]
	[[ $output == *"unknown command"* ]]
	run ops status --bogus
	[ "$status" -eq 2 ]
}

@test "a missing settings file is a clear error" {
	run "$OPS" --env-file "$BATS_TEST_TMPDIR/none.env" status
	[ "$status" -eq 1 ]
	[[ $output == *"not found: run ov2-ha-recorder-install.sh first"* ]]
}

@test "config prints every setting with secrets masked" {
	run ops config
	[ "$status" -eq 0 ]
	secrets_absent
	[[ $output == *"HA_ADMIN_PASSWORD=****"* ]]
	[[ $output == *"HA_WEBHOOK_TOKEN=****"* ]]
	[[ $output == *"HA_REDIS_URL=redis://:****@127.0.0.1:$T_REDIS_PORT/0"* ]]
	[[ $output == *"HA_CONTROLLER_URL=http://127.0.0.1:$T_PORT"* ]]
}

@test "validate accepts the running configuration" {
	run ops validate
	[ "$status" -eq 0 ]
	secrets_absent
	[[ $output == *valid* ]]
}

@test "validate refuses a relay to the controller itself, a world-readable file, a missing password" {
	local env=$BATS_TEST_TMPDIR/bad.env
	grep -v '^HA_ADMIN_PASSWORD=' "$T_ENV" >"$env"
	echo "HA_WEBHOOK_RELAY_URL=http://localhost:$T_PORT/openvidu/webhook" >>"$env"
	echo "HA_RECORDER_IMAGE=registry.example.com:5000/rec:1" >>"$env"
	chmod 644 "$env"
	run "$OPS" --env-file "$env" validate
	[ "$status" -eq 1 ]
	[[ $output == *"relay every event to itself"* ]]
	[[ $output == *"mode 644"* ]]
	[[ $output == *"HA_ADMIN_PASSWORD is required"* ]]
	[[ $output == *"exactly <name>:<tag>"* ]]
}

@test "start refuses invalid settings before touching anything" {
	local env=$BATS_TEST_TMPDIR/bad.env
	cp "$T_ENV" "$env"
	chmod 644 "$env"
	run "$OPS" --env-file "$env" start
	[ "$status" -eq 1 ]
	[[ $output == *"settings are not valid"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/controller.env" ]
}

@test "status reports the controller's health, recordings by status, and absent containers" {
	run ops status
	[ "$status" -eq 0 ]
	secrets_absent
	[[ $output == *"health          UP"* ]]
	[[ $output == *"controller      absent"* ]]
	[[ $output =~ RECORDING\ [1-9] ]]
	[[ $output == *"OPENVIDU_RECORDING_IMAGE"* ]]
}

@test "status --json is one JSON document" {
	run ops status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = UP ]
	[ "$(jq -r '.health.components.redis.status' <<<"$output")" = UP ]
	[ "$(jq -r '.recordings.RECORDING' <<<"$output")" -ge 1 ]
}

@test "status and health fail when the controller does not answer" {
	local env=$BATS_TEST_TMPDIR/down.env
	sed "s#^HA_CONTROLLER_URL=.*#HA_CONTROLLER_URL=http://127.0.0.1:$(free_port)#" "$T_ENV" >"$env"
	chmod 600 "$env"
	run "$OPS" --env-file "$env" status
	[ "$status" -eq 1 ]
	[[ $output == *UNREACHABLE* ]]
	run "$OPS" --env-file "$env" health
	[ "$status" -eq 1 ]
}

@test "health passes with the controller UP" {
	run ops health
	[ "$status" -eq 0 ]
}

@test "test-api passes every read-only check and sends no webhook" {
	run ops test-api
	[ "$status" -eq 0 ]
	secrets_absent
	[[ $output == *"all API checks passed"* ]]
	[[ $output != *FAIL* ]]
	[[ $output == *"webhook without token is refused"* ]]
}

@test "test-api fails with a wrong admin password" {
	local env=$BATS_TEST_TMPDIR/wrong.env
	sed 's#^HA_ADMIN_PASSWORD=.*#HA_ADMIN_PASSWORD=not-the-right-one-123#' "$T_ENV" >"$env"
	chmod 600 "$env"
	run "$OPS" --env-file "$env" test-api
	[ "$status" -eq 1 ]
	[[ $output == *FAIL* ]]
}

@test "list-recordings shows registered recordings, filters by status, prints JSON" {
	register_recording ses_BatsList
	run ops list-recordings
	[ "$status" -eq 0 ]
	[[ $output == *ses_BatsList*RECORDING* ]]
	run ops list-recordings --json --limit 500
	[ "$status" -eq 0 ]
	[ "$(jq '[.items[] | select(.recordingId == "ses_BatsList")] | length' <<<"$output")" -eq 1 ]
	run ops list-recordings --status READY --json
	[ "$status" -eq 0 ]
	[ "$(jq '[.items[] | select(.recordingId == "ses_BatsList")] | length' <<<"$output")" -eq 0 ]
	run ops list-recordings --status nonsense
	[ "$status" -eq 1 ]
	[[ $output == *"HTTP 400"* ]]
}

@test "stuck lists recordings OpenVidu shows unfinished without a live recorder; repair seals them once" {
	local rec
	rec=$(env_value "$T_ENV" HA_RECORDINGS_PATH)
	register_recording ses_BatsStuck
	mkdir -p "$rec/ses_BatsStuck" "$rec/ses_BatsForeign" "$rec/ses_BatsDone"
	printf '{"id":"ses_BatsStuck","status":"started"}\n' >"$rec/ses_BatsStuck/.recording.ses_BatsStuck"
	printf '{"id":"ses_BatsForeign","status":"stopped"}\n' >"$rec/ses_BatsForeign/.recording.ses_BatsForeign"
	printf '{"id":"ses_BatsDone","status":"ready"}\n' >"$rec/ses_BatsDone/.recording.ses_BatsDone"

	# just registered (a registration is a heartbeat): live, not stuck
	run ops stuck
	[ "$status" -eq 0 ]
	secrets_absent
	[[ $output == *"ses_BatsStuck"*started*RECORDING*live* ]]
	[[ $output == *"ses_BatsForeign"*stopped*unprotected* ]]
	[[ $output != *ses_BatsDone* ]]
	run ops repair ses_BatsStuck --yes
	[ "$status" -eq 1 ]
	[[ $output == *"recorder is live"* ]]
	run ops repair ses_BatsForeign --yes
	[ "$status" -eq 1 ]
	[[ $output == *"does not know it"* ]]
	run ops repair ses_BatsDone --yes
	[ "$status" -eq 1 ]
	[[ $output == *"nothing to repair"* ]]
	run ops repair '../x' --yes
	[ "$status" -eq 2 ]

	# silent for longer than --quiet-seconds: stuck
	run ops stuck --quiet-seconds 0
	[ "$status" -eq 3 ]
	[[ $output == *"ses_BatsStuck"*started*RECORDING*stuck* ]]
	[[ $output == *"repair RECORDING_ID"* ]]
	run ops stuck --quiet-seconds 0 --json
	[ "$(jq -r '.[] | select(.recordingId == "ses_BatsStuck") | "\(.verdict) \(.controllerStatus) \(.fileStatus)"' <<<"$output")" = "stuck RECORDING started" ]
	[ "$(jq -r '.[] | select(.recordingId == "ses_BatsForeign") | "\(.verdict) \(.controllerStatus) \(.heartbeatAgeSeconds)"' <<<"$output")" = "unprotected null null" ]

	# nothing was recorded: sealed failed (and announced once, by the finalization)
	run ops repair ses_BatsStuck --yes --quiet-seconds 0 --stop-wait 2
	[ "$status" -eq 0 ]
	[[ $output == *"ses_BatsStuck: FAILED"* ]]
	[ "$(jq -r .status "$rec/ses_BatsStuck/.recording.ses_BatsStuck")" = failed ]
	run ops stuck --quiet-seconds 0 --json
	[ "$(jq '[.[] | select(.recordingId == "ses_BatsStuck")] | length' <<<"$output")" -eq 0 ]
	rm -rf "$rec/ses_BatsForeign" "$rec/ses_BatsDone"
}

@test "download validates the id and reports a missing recording" {
	run ops download '../etc/passwd'
	[ "$status" -eq 2 ]
	[[ $output == *"invalid recording id"* ]]
	cd "$BATS_TEST_TMPDIR"
	run ops download ses_DoesNotExist
	[ "$status" -eq 1 ]
	[[ $output == *"not found"* ]]
	[ ! -e ses_DoesNotExist.mp4 ]
	[ ! -e ses_DoesNotExist.mp4.part ]
}

@test "backup writes a mode-600 archive with a Redis snapshot taken by the server" {
	run ops backup --output "$BATS_TEST_TMPDIR/backups"
	[ "$status" -eq 0 ]
	secrets_absent
	local archive
	archive=$(ls "$BATS_TEST_TMPDIR"/backups/ov2-ha-backup-*.tar.gz)
	[ "$(stat -c %a "$archive")" = 600 ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/backups")" = 700 ]
	mkdir "$BATS_TEST_TMPDIR/x"
	tar -C "$BATS_TEST_TMPDIR/x" -xzf "$archive"
	local d
	d=$(ls -d "$BATS_TEST_TMPDIR"/x/ov2-ha-backup-*)
	[ -s "$d/redis.rdb" ]
	head -c 5 "$d/redis.rdb" | grep -q REDIS
	cmp "$d/config/env" "$T_ENV"
	[ -f "$d/config/openvidu.env" ]
	grep -q "^redis_rdb_sha256=$(sha256sum "$d/redis.rdb" | cut -c1-64)$" "$d/MANIFEST"
}

@test "stop refuses while a recording is in progress" {
	register_recording "ses_BatsStop$RANDOM"
	run ops stop
	[ "$status" -eq 1 ]
	[[ $output == *"recording(s) in progress"* ]]
}

@test "clean --images refuses while OpenVidu still uses the site image" {
	ov_set "$STACK_DIR/ov" OPENVIDU_RECORDING_IMAGE "ov2-ha-recorder-site:$(env_value "$T_ENV" HA_IMAGE_TAG)"
	run ops clean --images --force
	[ "$status" -eq 1 ]
	[[ $output == *"--uninstall first"* ]]
}

@test "test-recording checks its options and needs the site image" {
	run ops test-recording --seconds 3
	[ "$status" -eq 2 ]
	run ops test-recording --seconds 20
	[ "$status" -eq 1 ]
	[[ $output == *"site recorder image ov2-ha-recorder-site:bats-missing-"*"is missing"* ]]
}

@test "logs refuses an unknown service" {
	run ops logs nosuchservice
	[ "$status" -eq 2 ]
	[[ $output == *"unknown service"* ]]
}

@test "the site image carries recorder.env (mode 600) and is rebuilt only when settings change" {
	docker info >/dev/null 2>&1 || skip "no Docker daemon"
	local tag=bats-$RANDOM$RANDOM env=$BATS_TEST_TMPDIR/site.env
	sed "s#^HA_IMAGE_TAG=.*#HA_IMAGE_TAG=$tag#; s#^HA_RECORDER_IMAGE=.*#HA_RECORDER_IMAGE=ov2-ha-recorder-site:$tag#" "$T_ENV" >"$env"
	chmod 600 "$env"
	# A stand-in generic recorder image: an empty file system is enough for COPY.
	tar -cf - -T /dev/null | docker import - "ov2-ha-recorder:$tag" >/dev/null
	run "$OPS" --env-file "$env" build --only site
	[ "$status" -eq 0 ]
	local id1 id2 id3 cid listing
	id1=$(docker image inspect -f '{{.Id}}' "ov2-ha-recorder-site:$tag")
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/site")" = 700 ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/site/recorder.env")" = 600 ]
	grep -q "^HA_RECORDER_PASSWORD=$T_RECORDER_PW$" "$BATS_TEST_TMPDIR/site/recorder.env"
	grep -q '^HA_HEARTBEAT_INTERVAL=1$' "$BATS_TEST_TMPDIR/site/recorder.env"
	cid=$(docker create "ov2-ha-recorder-site:$tag" /none)
	listing=$(docker cp "$cid:/etc/ov2-ha-recorder/recorder.env" - | tar -tvf -)
	docker rm "$cid" >/dev/null
	[[ $listing == -rw-------* ]]
	run "$OPS" --env-file "$env" build --only site
	[[ $output == *"up to date"* ]]
	id2=$(docker image inspect -f '{{.Id}}' "ov2-ha-recorder-site:$tag")
	[ "$id1" = "$id2" ]
	echo "HA_CHUNK_DURATION=4s" >>"$env"
	run "$OPS" --env-file "$env" build --only site
	[ "$status" -eq 0 ]
	id3=$(docker image inspect -f '{{.Id}}' "ov2-ha-recorder-site:$tag")
	[ "$id3" != "$id1" ]
	grep -q '^HA_CHUNK_DURATION=4$' "$BATS_TEST_TMPDIR/site/recorder.env"
	docker image rm "ov2-ha-recorder-site:$tag" "ov2-ha-recorder:$tag" >/dev/null
	docker image rm "$id1" >/dev/null 2>&1 || true
}

# The compose-driving commands, with stand-ins for docker and compose (the controller is real).
stubbed() {
	local stubs=$BATS_TEST_TMPDIR/stubs
	[[ -x $stubs/docker ]] || make_stubs "$stubs"
	export STUB_LOG=$stubs/calls
	PATH="$stubs:$PATH" OV2HA_COMPOSE="$stubs/compose" "$OPS" "$@"
}

setup() {
	STUB_LOG=$BATS_TEST_TMPDIR/stubs/calls
}

bundled_env() {
	local env=$BATS_TEST_TMPDIR/bundled.env
	"$INSTALLER" --auto --config-only --openvidu-path "$STACK_DIR/ov" --env-file "$env" >/dev/null 2>&1
	sed -i "s#^HA_CONTROLLER_URL=.*#HA_CONTROLLER_URL=http://127.0.0.1:$T_PORT#; s#^HA_ADMIN_PASSWORD=.*#HA_ADMIN_PASSWORD=$T_ADMIN_PW#" "$env"
	echo "$env"
}

@test "start brings up redis, minio, its init job, then the controller, and waits for health" {
	local env
	env=$(bundled_env)
	run stubbed --env-file "$env" start --timeout 60
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"OV2 HA Recorder is running"* ]]
	local calls
	calls=$(grep '^compose' "$STUB_LOG" | sed 's/.*--profile redis --profile s3 //')
	[ "$(printf '%s\n' "$calls")" = "$(printf '%s\n' 'up -d redis' 'up -d minio' 'run --rm minio-init' 'up -d controller')" ]
	grep -q -- "-p $OV2HA_PROJECT -f $REPO_DIR/docker/docker-compose.yml --env-file $env" "$STUB_LOG"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/controller.env")" = 600 ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/site/recorder.env")" = 600 ]
}

@test "stop --force and clean --volumes touch only this compose project; clean never prunes" {
	local env
	env=$(bundled_env)
	run stubbed --env-file "$env" stop --force
	[ "$status" -eq 0 ]
	grep -q "^compose -p $OV2HA_PROJECT .* down --remove-orphans$" "$STUB_LOG"
	ov_set "$STACK_DIR/ov" OPENVIDU_RECORDING_IMAGE openvidu/openvidu-recording:2.32.1
	run stubbed --env-file "$env" clean --volumes --images --yes --force
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^compose -p $OV2HA_PROJECT .*--profile redis --profile s3 --profile s3-distributed down --remove-orphans --volumes$" "$STUB_LOG"
	run grep -c 'prune' "$STUB_LOG"
	[ "$output" = 0 ]
	local tag
	tag=$(env_value "$env" HA_IMAGE_TAG)
	tag=${tag:-$(bash -c 'source "$1/docker/lib/common.sh"; project_version "$1"' _ "$REPO_DIR")}
	[ "$(grep '^docker image rm' "$STUB_LOG" | sort | tr '\n' ' ')" = "docker image rm ov2-ha-controller:$tag docker image rm ov2-ha-recorder-site:$tag docker image rm ov2-ha-recorder:$tag docker image rm sha256:buildstage0123 " ]
	[ ! -e "$BATS_TEST_TMPDIR/controller.env" ]
	[ ! -e "$BATS_TEST_TMPDIR/site" ]
}
