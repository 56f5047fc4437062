# Shared helpers of the deployment tests (installer, ops script, compose file).
# shellcheck shell=bash disable=SC2034  # names used by the .bats files that load this file

REPO_DIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
INSTALLER=$REPO_DIR/ov2-ha-recorder-install.sh
OPS=$REPO_DIR/docker/ov2-ha-recorder.sh
FIXTURES=$BATS_TEST_DIRNAME/fixtures
export NO_COLOR=1

# free_port (and log, die, wait_for) come from the project's shared script library.
# shellcheck source=scripts/lib/common.sh
source "$REPO_DIR/scripts/lib/common.sh"

# wait_until SECONDS COMMAND...: polls every 0.2 s until COMMAND succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

# fake_openvidu DIR: an OpenVidu 2 CE folder (docker-compose.yml, .env) whose recordings
# folder is DIR/recordings.
fake_openvidu() {
	local dir=$1
	mkdir -p "$dir/recordings"
	cp "$FIXTURES/openvidu-ce/docker-compose.yml" "$dir/"
	sed "s#^OPENVIDU_RECORDING_PATH=.*#OPENVIDU_RECORDING_PATH=$dir/recordings#" "$FIXTURES/openvidu-ce/.env" >"$dir/.env"
	chmod 644 "$dir/.env"
}

# ov_set DIR KEY VALUE: sets KEY in the fake OpenVidu's .env (uncommented, in place or appended).
ov_set() {
	local file=$1/.env
	if grep -q "^$2=" "$file"; then
		KEY=$2 VALUE=$3 awk 'index($0, ENVIRON["KEY"] "=") == 1 { print ENVIRON["KEY"] "=" ENVIRON["VALUE"]; next } { print }' "$file" >"$file.tmp"
		mv "$file.tmp" "$file"
	else
		printf '%s=%s\n' "$2" "$3" >>"$file"
	fi
}

# snapshot DIR...: one line per file (path, mode, sha256), for "nothing changed" checks.
snapshot() {
	find "$@" -type f -o -type d | sort | while IFS= read -r f; do
		if [[ -f $f ]]; then
			printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum <"$f" | cut -c1-64)"
		else
			printf '%s %s dir\n' "$f" "$(stat -c %a "$f")"
		fi
	done
}

env_value() {
	awk -v k="$2" 'index($0, k "=") == 1 { v = substr($0, length(k) + 2) } END { printf "%s", v }' "$1"
}

# ---- a real controller for the ops script's tests ------------------------------------------

CONTROLLER_JAR=$REPO_DIR/controller/target/ov2-ha-controller.jar

# ensure_controller_jar: builds the jar when it is missing (the controller suite runs first
# in scripts/test.sh and leaves it there).
ensure_controller_jar() {
	if [[ ! -f $CONTROLLER_JAR ]]; then
		(cd "$REPO_DIR" && ./mvnw -q -B -ntp -pl controller -DskipTests package) >&3 2>&1
	fi
	[[ -f $CONTROLLER_JAR ]]
}

# start_stack_under_test DIR: a password-protected redis-server and the controller jar in
# production mode (external Redis, local chunk storage), plus a docker/.env for the ops
# script in DIR/docker.env. Exports everything the tests need.
start_stack_under_test() {
	local dir=$1
	export T_REDIS_PORT T_PORT T_ADMIN_PW T_RECORDER_PW T_REDIS_PW T_TOKEN T_ENV
	T_REDIS_PORT=$(free_port)
	T_PORT=$(free_port)
	T_ADMIN_PW=Adm1n-bats-$RANDOM$RANDOM$RANDOM
	T_RECORDER_PW=Rec0rder-bats-$RANDOM$RANDOM$RANDOM
	T_REDIS_PW=Red1s-bats-$RANDOM$RANDOM$RANDOM
	T_TOKEN=T0ken-bats-$RANDOM$RANDOM$RANDOM$RANDOM
	mkdir -p "$dir/redis" "$dir/data" "$dir/ov"
	fake_openvidu "$dir/ov"
	redis-server --port "$T_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir/redis" \
		--requirepass "$T_REDIS_PW" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" 3>&-
	wait_until 10 test -s "$dir/redis.pid"
	HA_PROFILE=production HA_CONTROLLER_PORT=$T_PORT HA_CONTROLLER_BIND_ADDRESS=127.0.0.1 \
		HA_REDIS_URL="redis://:$T_REDIS_PW@127.0.0.1:$T_REDIS_PORT/0" \
		HA_ADMIN_USERNAME=admin HA_ADMIN_PASSWORD=$T_ADMIN_PW \
		HA_RECORDER_USERNAME=recorder HA_RECORDER_PASSWORD=$T_RECORDER_PW \
		HA_WEBHOOK_TOKEN=$T_TOKEN HA_DATA_DIR="$dir/data" HA_RECORDINGS_PATH="$dir/ov/recordings" \
		HA_RECORDING_STORAGE=local HA_FAILOVER_ENABLED=false HA_RECORDER_URL_HOSTS=example.invalid \
		nohup java -XX:+UseSerialGC -Xmx256m -jar "$CONTROLLER_JAR" >"$dir/controller.log" 2>&1 3>&- &
	echo $! >"$dir/controller.pid"
	T_ENV=$dir/docker.env
	cat >"$T_ENV" <<EOF
HA_PROFILE=production
HA_CONTROLLER_PORT=$T_PORT
HA_CONTROLLER_URL=http://127.0.0.1:$T_PORT
HA_ADMIN_USERNAME=admin
HA_ADMIN_PASSWORD=$T_ADMIN_PW
HA_RECORDER_USERNAME=recorder
HA_RECORDER_PASSWORD=$T_RECORDER_PW
HA_WEBHOOK_TOKEN=$T_TOKEN
HA_BUNDLED_REDIS=false
HA_REDIS_URL=redis://:$T_REDIS_PW@127.0.0.1:$T_REDIS_PORT/0
HA_BUNDLED_S3=false
HA_RECORDING_STORAGE=local
HA_RECORDINGS_PATH=$dir/ov/recordings
HA_OPENVIDU_PATH=$dir/ov
HA_IMAGE_TAG=bats-missing-$RANDOM$RANDOM
EOF
	echo "HA_RECORDER_IMAGE=ov2-ha-recorder-site:$(env_value "$T_ENV" HA_IMAGE_TAG)" >>"$T_ENV"
	chmod 600 "$T_ENV"
	if ! wait_until 180 curl -fsS "http://127.0.0.1:$T_PORT/actuator/health/readiness"; then
		tail -n 50 "$dir/controller.log" >&3
		return 1
	fi
}

stop_stack_under_test() {
	local dir=$1 pid
	for pid in "$dir/controller.pid" "$dir/redis.pid"; do
		if [[ -s $pid ]]; then
			kill "$(cat "$pid")" 2>/dev/null || true
		fi
	done
	# The JVM shuts down gracefully within a few seconds; do not leave it behind.
	if [[ -s $dir/controller.pid ]]; then
		local p
		p=$(cat "$dir/controller.pid")
		wait_until 20 bash -c "! kill -0 $p" || kill -9 "$p" 2>/dev/null || true
	fi
}

# register_recording ID: a primary recorder's registration, as the recorder image sends it.
register_recording() {
	local id=$1 created=${2:-1700000005000}
	local body
	body=$(jq -cn --arg id "$id" --argjson c "$created" '{recordingId: $id, epoch: 0,
		recordingJson: {id: $id, name: $id, sessionId: "ses_bats", createdAt: $c, outputMode: "COMPOSED", hasVideo: true, hasAudio: false, status: "started"},
		env: {URL: "https://example.invalid/layout", ONLY_VIDEO: "true", RESOLUTION: "640x360", FRAMERATE: "15", VIDEO_ID: $id,
			VIDEO_NAME: $id, VIDEO_FORMAT: "mp4", RECORDING_JSON: ({id: $id} | tojson), DEBUG_MODE: "false", CONTAINER_WORKING_MODE: "COMPOSED"},
		containerId: "", host: "bats"}')
	curl -fsS -o /dev/null -K <(printf 'user = "recorder:%s"\n' "$T_RECORDER_PW") \
		-H 'Content-Type: application/json' --data "$body" "http://127.0.0.1:$T_PORT/api/recordings"
}

# heartbeat_recording ID: one heartbeat of the recording's epoch-0 recorder.
heartbeat_recording() {
	curl -fsS -o /dev/null -K <(printf 'user = "recorder:%s"\n' "$T_RECORDER_PW") -X PUT \
		-H 'Content-Type: application/json' --data '{"epoch":0,"uploadBacklog":0}' \
		"http://127.0.0.1:$T_PORT/api/recordings/$1/heartbeat"
}

# ---- stand-ins for docker and compose ------------------------------------------------------

# make_stubs DIR: DIR/docker and DIR/compose that log every call to DIR/calls and answer like a
# host where every image exists and every container of the project runs and is healthy.
# `docker images` lists ours and foreign images, so that `clean` can be checked for precision.
make_stubs() {
	local dir=$1
	mkdir -p "$dir"
	cat >"$dir/docker" <<'STUB'
#!/usr/bin/env bash
echo "docker $*" >>"${STUB_LOG:?}"
case $1 in
info | version | pull | build | tag | rm) exit 0 ;;
exec)
	# redis-cli --rdb reports its progress on stderr, as the real one does
	[[ $* == *redis-cli* ]] && echo "sending REPLCONF capa eof" >&2 && echo "SYNC sent to master, writing 123 bytes" >&2
	exit 0
	;;
cp)
	[[ $2 == *:* && $3 != *:* ]] && printf 'REDIS0011stub' >"$3"
	exit 0
	;;
run)
	# redis-cli --rdb /out/FILE with -v DIR:/out: the snapshot appears in DIR
	if [[ $* == *--rdb* ]]; then
		all=$*
		out=${all##*--rdb /out/}
		dir=${all##*-v }
		dir=${dir%%:/out*}
		printf 'REDIS0011stub' >"$dir/${out%% *}"
	fi
	exit 0
	;;
compose) exit 1 ;;
image)
	[[ $2 == rm ]] && exit 0
	if [[ $* == *'.Id'* ]]; then echo sha256:0123; fi
	exit 0
	;;
images)
	if [[ $* == *build-stage=controller* ]]; then
		echo sha256:buildstage0123
	else
		printf '%s\n' ov2-ha-controller:1.0 ov2-ha-recorder-site:1.0 ov2-ha-recorder:1.0 redis:7.2.7-alpine \
			myorg/ov2-ha-controller:9 ov2-ha-controller-fork:2
	fi
	;;
ps)
	if [[ $* == *com.docker.compose.service=* ]]; then
		all=$*
		s=${all##*com.docker.compose.service=}
		echo "id-${s%% *}"
	fi
	;;
inspect) echo "running healthy" ;;
esac
exit 0
STUB
	cat >"$dir/compose" <<'STUB'
#!/usr/bin/env bash
echo "compose $*" >>"${STUB_LOG:?}"
exit 0
STUB
	chmod +x "$dir/docker" "$dir/compose"
}

# ---- a stand-in controller: a folder served over HTTP ---------------------------------------

# start_fake_controller DIR: tests/bats/fixtures/fake-controller.py serving DIR (GET PATH answers
# DIR/PATH; requests logged to DIR/requests.log), and DIR/docker.env for the ops script.
# Exports FAKE_PORT, FAKE_ENV, FAKE_PID.
start_fake_controller() {
	local dir=$1
	export FAKE_PORT FAKE_ENV FAKE_PID
	mkdir -p "$dir/www" "$dir/ov/recordings"
	FAKE_PORT=$(free_port)
	python3 "$FIXTURES/fake-controller.py" "$FAKE_PORT" "$dir/www" >"$dir/fake.log" 2>&1 3>&- &
	FAKE_PID=$!
	wait_until 10 test -e "$dir/www/ready"
	FAKE_ENV=$dir/docker.env
	cat >"$FAKE_ENV" <<ENV
HA_PROFILE=production
HA_CONTROLLER_URL=http://127.0.0.1:$FAKE_PORT
HA_ADMIN_USERNAME=admin
HA_ADMIN_PASSWORD=Adm1n-fake-$RANDOM$RANDOM$RANDOM
HA_RECORDER_PASSWORD=Rec0rder-fake-$RANDOM$RANDOM$RANDOM
HA_WEBHOOK_TOKEN=T0ken-fake-$RANDOM$RANDOM$RANDOM$RANDOM
HA_BUNDLED_REDIS=false
HA_REDIS_URL=redis://127.0.0.1:1/0
HA_BUNDLED_S3=false
HA_RECORDING_STORAGE=local
HA_RECORDINGS_PATH=$dir/ov/recordings
HA_OPENVIDU_PATH=$dir/ov
HA_IMAGE_TAG=bats-fake-$RANDOM$RANDOM
ENV
	chmod 600 "$FAKE_ENV"
}

stop_fake_controller() {
	stop_pid "${FAKE_PID:-}"
}

# make_mp4 FILE SECONDS: a small real MP4 (video only) lasting SECONDS.
make_mp4() {
	ffmpeg -v error -y -f lavfi -i "testsrc=size=160x120:rate=10:duration=$2" -c:v mpeg4 -q:v 10 \
		-f mp4 "$1" </dev/null
}
