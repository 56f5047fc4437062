#!/usr/bin/env bats
# docker/ov2-ha-recorder.sh without a real controller: a stand-in that serves files
# (tests/bats/fixtures/fake-controller.py), stand-ins for docker and compose, or the script's
# own functions (sourced). Fast; no jar, no Docker daemon needed.

load helpers

setup_file() {
	export FAKE_DIR=$BATS_FILE_TMPDIR/fake
	start_fake_controller "$FAKE_DIR"
}

teardown_file() {
	stop_fake_controller
}

ops() {
	"$OPS" --env-file "$FAKE_ENV" "$@"
}

@test "download writes the final MP4 byte for byte, with no .part left and nothing read into memory" {
	local id=ses_Download$RANDOM
	mkdir -p "$FAKE_DIR/www/api/recordings/$id"
	make_mp4 "$FAKE_DIR/www/api/recordings/$id/download" 2
	cd "$BATS_TEST_TMPDIR"
	run ops download "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"null byte"* ]]
	[[ $output == *"downloaded ./$id.mp4"* ]]
	cmp "$id.mp4" "$FAKE_DIR/www/api/recordings/$id/download"
	[ ! -e "$id.mp4.part" ]
	run ops download "$id" --output "$BATS_TEST_TMPDIR/other.mp4"
	[ "$status" -eq 0 ]
	cmp other.mp4 "$FAKE_DIR/www/api/recordings/$id/download"
	# An existing output is never overwritten.
	run ops download "$id"
	[ "$status" -eq 1 ]
	[[ $output == *"exists"* ]]
}

@test "every API call carries X-Requested-By: ov2-ha-recorder" {
	: >"$FAKE_DIR/www/requests.log"
	run ops list-recordings
	run ops download ses_NoSuchOne --output "$BATS_TEST_TMPDIR/x.mp4"
	[ "$status" -eq 1 ]
	[[ $output == *"not found"* ]]
	[ -s "$FAKE_DIR/www/requests.log" ]
	run grep -vc 'x-requested-by=ov2-ha-recorder auth=yes$' "$FAKE_DIR/www/requests.log"
	[ "$output" = 0 ]
}

# in_ops FUNCTION ARGS...: one of the ops script's functions (the script, sourced).
in_ops() {
	bash -c 'source "$1"; shift; "$@"' _ "$OPS" "$@"
}

@test "test-recording fails a recording that lost a third of its content and reports the shortfall" {
	mkdir -p "$BATS_TEST_TMPDIR/r"
	make_mp4 "$BATS_TEST_TMPDIR/r/short.mp4" 21
	local d
	d=$(in_ops media_duration "$BATS_TEST_TMPDIR/r" short none)
	[[ $d == 21* ]]
	# 31.5 s from the recorder's start to the stop, a 21 s MP4: 10.5 s missing.
	run in_ops selftest_verdict 31500 "$d" false 2 4
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"shortfall   10.5 s"* ]]
	[[ $output == *"lacks 10.5 s of the 31.5 s recorded"* ]]
	# With a failover, 15.4 s of 30 s is a failure as well.
	run in_ops selftest_verdict 30000 15.4 true 2 4
	[ "$status" -eq 1 ]
	[[ $output == *"shortfall   14.6 s"*"allowed 6 s"* ]]
}

@test "test-recording passes within the targets: head loss <= 2 s, failover gap <= 4 s; both are options" {
	run in_ops selftest_verdict 31500 29.6 false 2 4
	[ "$status" -eq 0 ]
	[[ $output == *"shortfall   1.9 s"* ]]
	run in_ops selftest_verdict 31500 29.0 false 2 4
	[ "$status" -eq 1 ]
	run in_ops selftest_verdict 31500 26.0 true 2 4
	[ "$status" -eq 0 ]
	run in_ops selftest_verdict 31500 26.0 false 6 4
	[ "$status" -eq 0 ]
	run ops test-recording --max-head-loss two
	[ "$status" -eq 2 ]
	run ops test-recording --max-failover-gap -1
	[ "$status" -eq 2 ]
}

# stubbed ARGS...: the ops script with stand-ins for docker and compose (calls in $STUB_LOG).
stubbed() {
	local stubs=$BATS_TEST_TMPDIR/stubs
	[[ -x $stubs/docker ]] || make_stubs "$stubs"
	export STUB_LOG=$stubs/calls
	PATH="$stubs:$PATH" OV2HA_COMPOSE="$stubs/compose" "$OPS" "$@"
}

@test "clean --images removes only this installation's tag and the controller's build-stage image" {
	local env=$BATS_TEST_TMPDIR/tag.env
	sed 's/^HA_IMAGE_TAG=.*/HA_IMAGE_TAG=7.7/' "$FAKE_ENV" >"$env"
	chmod 600 "$env"
	local STUB_LOG=$BATS_TEST_TMPDIR/stubs/calls
	run stubbed --env-file "$env" clean --images --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep '^docker image rm' "$STUB_LOG" | sort | tr '\n' ' ')" = "docker image rm ov2-ha-controller:7.7 docker image rm ov2-ha-recorder-site:7.7 docker image rm ov2-ha-recorder:7.7 docker image rm sha256:buildstage0123 " ]
	grep -q -- '--filter dangling=true --filter label=io.ov2ha.build-stage=controller' "$STUB_LOG"
	run grep -c 'prune' "$STUB_LOG"
	[ "$output" = 0 ]
}

@test "the controller image's build stage is labelled and a dependency failure stops the build" {
	local f=$REPO_DIR/docker/Dockerfile
	awk '/^FROM .* AS build/ { b = 1; next } /^FROM / { b = 0 } b && /^LABEL/' "$f" | grep -q 'io.ov2ha.build-stage="controller"'
	grep -q 'dependency:go-offline' "$f"
	run grep -E 'go-offline.*\|\|' "$f"
	[ "$status" -eq 1 ]
}

@test "logs writes no colours into a file or pipe, nor with --no-color" {
	local STUB_LOG=$BATS_TEST_TMPDIR/stubs/calls
	stubbed --env-file "$FAKE_ENV" logs controller >"$BATS_TEST_TMPDIR/out.log"
	grep -q '^compose .* logs --tail 200 --no-color controller$' "$STUB_LOG"
	: >"$STUB_LOG"
	# On a terminal colours stay, unless --no-color.
	script -qec "env PATH='$BATS_TEST_TMPDIR/stubs:$PATH' STUB_LOG='$STUB_LOG' NO_COLOR= OV2HA_COMPOSE='$BATS_TEST_TMPDIR/stubs/compose' '$OPS' --env-file '$FAKE_ENV' logs redis" /dev/null >/dev/null
	grep -q '^compose .* logs --tail 200 redis$' "$STUB_LOG"
	script -qec "env PATH='$BATS_TEST_TMPDIR/stubs:$PATH' STUB_LOG='$STUB_LOG' NO_COLOR= OV2HA_COMPOSE='$BATS_TEST_TMPDIR/stubs/compose' '$OPS' --env-file '$FAKE_ENV' logs redis --no-color" /dev/null >/dev/null
	grep -q '^compose .* logs --tail 200 --no-color redis$' "$STUB_LOG"
}

@test "backup: no redis-cli chatter, and the Redis password never on a command line" {
	local STUB_LOG=$BATS_TEST_TMPDIR/stubs/calls env=$BATS_TEST_TMPDIR/bundled.env
	sed 's/^HA_BUNDLED_REDIS=.*/HA_BUNDLED_REDIS=true/' "$FAKE_ENV" >"$env"
	echo "HA_REDIS_PASSWORD=Red1s-secret-$RANDOM$RANDOM" >>"$env"
	chmod 600 "$env"
	run stubbed --env-file "$env" backup --output "$BATS_TEST_TMPDIR/b1"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *REPLCONF* && $output != *"SYNC sent"* ]]
	# An external Redis and no redis-cli on this host: redis-cli in the Redis image.
	local bin=$BATS_TEST_TMPDIR/bin t pw=Ext3rnal-secret-$RANDOM$RANDOM
	mkdir -p "$bin"
	for t in bash env curl jq awk sed grep cat mkdir chmod date tar gzip sha256sum cut cp rm stat dirname \
		basename mktemp head tail tr wc sort readlink ls sleep mv touch cmp; do
		ln -sf "$(command -v "$t")" "$bin/$t"
	done
	sed "s#^HA_REDIS_URL=.*#HA_REDIS_URL=redis://:$pw@127.0.0.1:6390/0#" "$FAKE_ENV" >"$env"
	run env PATH="$BATS_TEST_TMPDIR/stubs:$bin" STUB_LOG="$STUB_LOG" "$OPS" --env-file "$env" backup --output "$BATS_TEST_TMPDIR/b2"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^docker run .*redis-cli -h 127.0.0.1 -p 6390 -n 0 --rdb' "$STUB_LOG"
	run grep -c -- "$pw" "$STUB_LOG"
	[ "$output" = 0 ]
}

@test "redis-restore.sh: a Redis running with AOF comes back with exactly the snapshot's data" {
	local d=$BATS_TEST_TMPDIR/rr port
	mkdir -p "$d/snap" "$d/data"
	port=$(free_port)
	redis-server --port "$port" --bind 127.0.0.1 --dir "$d/snap" --save '' --appendonly no --daemonize yes \
		--pidfile "$d/s.pid" --logfile "$d/s.log" 3>&-
	wait_until 10 redis-cli -p "$port" ping
	redis-cli -p "$port" set from-snapshot yes >/dev/null
	redis-cli -p "$port" save >/dev/null
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
	wait_until 10 bash -c "! test -e '$d/s.pid'"
	# The live data folder: AOF on, other data.
	redis-server --port "$port" --bind 127.0.0.1 --dir "$d/data" --appendonly yes --daemonize yes \
		--pidfile "$d/d.pid" --logfile "$d/d.log" 3>&-
	wait_until 10 redis-cli -p "$port" ping
	redis-cli -p "$port" set stale yes >/dev/null
	redis-cli -p "$port" shutdown >/dev/null 2>&1 || true
	wait_until 10 bash -c "! test -e '$d/d.pid'"
	run env REDIS_RESTORE_PORT="$(free_port)" sh "$REPO_DIR/docker/redis-restore.sh" "$d/snap/dump.rdb" "$d/data"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"event=redis_restore.done keys=1"* ]]
	# Started as compose starts it (appendonly yes): the snapshot's data, nothing else.
	redis-server --port "$port" --bind 127.0.0.1 --dir "$d/data" --appendonly yes --daemonize yes \
		--pidfile "$d/e.pid" --logfile "$d/e.log" 3>&-
	wait_until 10 redis-cli -p "$port" ping
	run redis-cli -p "$port" keys '*'
	redis-cli -p "$port" shutdown >/dev/null 2>&1 || true
	[ "$output" = from-snapshot ]
}

@test "restore: checks the archive, asks, stops the controller and Redis, loads the snapshot, starts both" {
	local STUB_LOG=$BATS_TEST_TMPDIR/stubs/calls env=$BATS_TEST_TMPDIR/bundled.env archive
	sed 's/^HA_BUNDLED_REDIS=.*/HA_BUNDLED_REDIS=true/' "$FAKE_ENV" >"$env"
	echo "HA_REDIS_PASSWORD=Red1s-secret-$RANDOM$RANDOM" >>"$env"
	chmod 600 "$env"
	run stubbed --env-file "$env" backup --output "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	archive=$(ls "$BATS_TEST_TMPDIR"/b/ov2-ha-backup-*.tar.gz)
	mkdir -p "$FAKE_DIR/www/actuator" "$FAKE_DIR/www/api/recordings"
	echo '{"status":"UP"}' >"$FAKE_DIR/www/actuator/health"
	echo '{"total":0,"items":[]}' >"$FAKE_DIR/www/api/recordings/index.json"
	# Without --yes and without a terminal: cancelled, nothing touched.
	: >"$STUB_LOG"
	run stubbed --env-file "$env" restore "$archive" </dev/null
	[ "$status" -eq 1 ]
	[[ $output == *"cancelled; nothing changed"* ]]
	run grep -c '^compose' "$STUB_LOG"
	[ "$output" = 0 ]
	run stubbed --env-file "$env" restore "$archive" --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"restored the Redis state of"* ]]
	[ "$(grep -E '^compose|^docker run' "$STUB_LOG" | sed 's/^compose .* --env-file [^ ]* --profile redis //; s/^docker run .*--volumes-from \([^ ]*\).*redis-restore.sh \(.*\)$/docker run --volumes-from \1 \2/')" = \
		"$(printf '%s\n' 'stop controller' 'up --no-start redis' 'stop redis' 'docker run --volumes-from id-redis /restore/redis.rdb /data' 'up -d redis' 'up -d controller')" ]
	rm -f "$FAKE_DIR/www/actuator/health"
}

@test "restore refuses a damaged archive and an external Redis" {
	local env=$BATS_TEST_TMPDIR/bundled.env d=$BATS_TEST_TMPDIR/bk/ov2-ha-backup-20260101T000000Z
	sed 's/^HA_BUNDLED_REDIS=.*/HA_BUNDLED_REDIS=true/' "$FAKE_ENV" >"$env"
	chmod 600 "$env"
	mkdir -p "$d"
	printf 'REDIS0011x' >"$d/redis.rdb"
	echo "redis_rdb_sha256=0000" >"$d/MANIFEST"
	tar -C "$BATS_TEST_TMPDIR/bk" -czf "$BATS_TEST_TMPDIR/bad.tar.gz" ov2-ha-backup-20260101T000000Z
	run stubbed --env-file "$env" restore "$BATS_TEST_TMPDIR/bad.tar.gz" --yes
	[ "$status" -eq 1 ]
	[[ $output == *"does not match its MANIFEST"* ]]
	run stubbed --env-file "$FAKE_ENV" restore "$BATS_TEST_TMPDIR/bad.tar.gz" --yes
	[ "$status" -eq 1 ]
	[[ $output == *"external Redis"* ]]
	run stubbed --env-file "$env" restore
	[ "$status" -eq 2 ]
}

# distributed_env VALUE: settings written by the installer with HA_BUNDLED_S3=VALUE, pointing at
# the stand-in controller.
distributed_env() {
	local env=$BATS_TEST_TMPDIR/distributed.env
	fake_openvidu "$BATS_TEST_TMPDIR/ov"
	printf 'HA_BUNDLED_S3=%s\n' "$1" >"$env"
	chmod 600 "$env"
	"$INSTALLER" --auto --config-only --openvidu-path "$BATS_TEST_TMPDIR/ov" --env-file "$env" >/dev/null 2>&1
	sed -i "s#^HA_CONTROLLER_URL=.*#HA_CONTROLLER_URL=http://127.0.0.1:$FAKE_PORT#" "$env"
	echo "$env"
}

@test "HA_BUNDLED_S3=distributed: profile s3-distributed, the four MinIO nodes, then their init job" {
	local env calls STUB_LOG=$BATS_TEST_TMPDIR/stubs/calls
	env=$(distributed_env distributed)
	# The installer treats it as a bundled MinIO: secrets generated, the endpoints set.
	[ -n "$(env_value "$env" HA_MINIO_ROOT_PASSWORD)" ]
	[ -n "$(env_value "$env" HA_RECORDER_S3_SECRET_KEY)" ]
	[ "$(env_value "$env" HA_S3_ENDPOINT)" = http://minio:9000 ]
	[ "$(env_value "$env" HA_RECORDER_S3_ENDPOINT)" = http://127.0.0.1:9000 ]
	run "$OPS" --env-file "$env" config
	[ "$status" -eq 0 ]
	grep -qx 'compose profiles=--profile redis --profile s3-distributed' <<<"$output"
	mkdir -p "$FAKE_DIR/www/actuator"
	echo '{"status":"UP"}' >"$FAKE_DIR/www/actuator/health"
	run stubbed --env-file "$env" start --timeout 30
	rm -f "$FAKE_DIR/www/actuator/health"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"OV2 HA Recorder is running"* ]]
	# Every compose call selects s3-distributed and not the single MinIO's s3.
	[ "$(grep -c '^compose' "$STUB_LOG")" -eq "$(grep -c '^compose .* --profile redis --profile s3-distributed ' "$STUB_LOG")" ]
	run grep -c -- '--profile s3 ' "$STUB_LOG"
	[ "$output" = 0 ]
	calls=$(grep '^compose' "$STUB_LOG" | sed 's/.*--profile s3-distributed //')
	[ "$calls" = "$(printf '%s\n' 'up -d redis' 'up -d minio1 minio2 minio3 minio4' 'run --rm minio-init-distributed' 'up -d controller')" ]
	# each node is waited for
	local n
	for n in 1 2 3 4; do
		grep -q "^docker ps .*com.docker.compose.service=minio$n\$" "$STUB_LOG"
	done
	# clean takes every profile, so that either MinIO goes
	run stubbed --env-file "$env" clean --yes --force
	[ "$status" -eq 0 ]
	grep -q -- "--profile redis --profile s3 --profile s3-distributed down --remove-orphans$" "$STUB_LOG"
	# local chunk storage: no MinIO at all
	sed -i 's/^HA_RECORDING_STORAGE=.*/HA_RECORDING_STORAGE=local/' "$env"
	run "$OPS" --env-file "$env" config
	grep -qx 'compose profiles=--profile redis' <<<"$output"
}

@test "HA_BUNDLED_S3 other than true, false or distributed is refused by validate and start" {
	local env STUB_LOG=$BATS_TEST_TMPDIR/stubs/calls
	env=$(distributed_env distributed)
	sed -i 's/^HA_BUNDLED_S3=.*/HA_BUNDLED_S3=yes/' "$env"
	run stubbed --env-file "$env" validate
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"HA_BUNDLED_S3 must be true, false or distributed (is: yes)"* ]]
	[[ $output == *"1 error(s)"* ]]
	run stubbed --env-file "$env" start --no-build
	[ "$status" -eq 1 ]
	[[ $output == *"HA_BUNDLED_S3 must be true, false or distributed (is: yes)"* ]]
	run grep -c '^compose' "$STUB_LOG"
	[ "$output" = 0 ]
	# logs knows the nodes' service names and refuses others
	run stubbed --env-file "$env" logs minio5
	[ "$status" -eq 2 ]
	[[ $output == *"minio1..minio4, minio-init-distributed"* ]]
}
