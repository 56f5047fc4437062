#!/usr/bin/env bash
# shellcheck disable=SC2034 # STACK_* variables are set for the scripts that source this file
# A local stack for the container tests, the end-to-end suite and benchmarks, all on loopback:
# Redis (redis-server), S3Proxy, the real controller (jar), a static page server for the
# test page, and a site image (the recorder image plus recorder.env, as the installer
# builds it). Recorders are started exactly as OpenVidu 2 starts them (scripts/lib/openvidu.sh).
#
# Source after scripts/lib/common.sh, scripts/lib/s3proxy.sh and scripts/lib/openvidu.sh.
# Functions:
#   stack_start WORK_DIR        everything above; sets STACK_* (see below)
#   stack_stop                  stops and removes only what this shell started
#   stack_restart_controller [SIGNAL]  stops the controller (TERM, or KILL for a crash) and
#                               starts it again with the same port and settings
#   stack_kill_redis            Redis dies (SIGKILL); its append-only file survives
#   stack_start_redis_again     the same Redis again (port, append-only file)
#   stack_run_recorder ID RESOLUTION FRAMERATE [PAGE_QUERY] [EXTRA docker run args...]
#                               sets STACK_LAST_CID to the container id
#   stack_admin_get PATH        GET on the controller with the admin credentials
#   stack_recorder_env          prints the recorder.env used in the site image
# Settings: RECORDER_IMAGE (ov2-ha-recorder:dev), STACK_LABEL (ov2ha.test=recorder-image),
# STACK_CHUNK_DURATION (10), CONTROLLER_JAR (controller/target/ov2-ha-controller.jar),
# STACK_FAILOVER (false: the controller starts no backups), STACK_RELAY_URL (the controller's
# webhook relay target, empty: none), STACK_PAGE_DIR (recorder-image/test/page),
# STACK_OPENVIDU_URL (HA_OPENVIDU_URL of the controller, empty: none), STACK_OPENVIDU_API_URL
# (OpenVidu's REST API the controller asks before and during a backup, with the stand-in's
# secret; empty: the controller does not ask), STACK_STANDBY_RECORDERS (0: no warm standby
# recorders; the recorder suites count their containers) and STACK_STANDBY_RESOLUTION (1280x720).
# The layout page server notes a page joining its session while another is still connected in
# $STACK_WORK/recorder-overlaps.log (scripts/lib/page-server.py).

RECORDER_IMAGE=${RECORDER_IMAGE:-ov2-ha-recorder:dev}
STACK_LABEL=${STACK_LABEL:-ov2ha.test=recorder-image}
STACK_CHUNK_DURATION=${STACK_CHUNK_DURATION:-10}
STACK_FAILOVER=${STACK_FAILOVER:-false}
STACK_RELAY_URL=${STACK_RELAY_URL:-}
STACK_PAGE_DIR=${STACK_PAGE_DIR:-}
STACK_OPENVIDU_URL=${STACK_OPENVIDU_URL:-}
STACK_OPENVIDU_API_URL=${STACK_OPENVIDU_API_URL:-}
STACK_STANDBY_RECORDERS=${STACK_STANDBY_RECORDERS:-0}
STACK_STANDBY_RESOLUTION=${STACK_STANDBY_RESOLUTION:-1280x720}
STACK_CONTROLLER_PORT=''
STACK_WEBHOOK_TOKEN=''
STACK_JAR=
STACK_BUCKET=chunks-test
STACK_WORK=''
STACK_REDIS_PID=''
STACK_REDIS_PORT=''
STACK_CONTROLLER_PID=''
STACK_PAGE_PID=''
STACK_SITE_IMAGE=''
STACK_CONTAINERS=()
STACK_OPENVIDU_SECRET=''

_stack_secret() { head -c 24 /dev/urandom | base64 | tr -d '/+=' | cut -c1-24; }

stack_require() {
	local tool
	for tool in docker java redis-server redis-cli ffmpeg ffprobe jq curl python3 sha256sum; do
		command -v "$tool" >/dev/null || die "$tool is missing (see scripts/lib/provision.sh)"
	done
	docker info >/dev/null 2>&1 || die "no running Docker daemon reachable"
}

# stack_controller_jar: builds the controller jar when it is missing or older than its sources.
stack_controller_jar() {
	local root jar
	root=$(repo_root)
	jar=${CONTROLLER_JAR:-$root/controller/target/ov2-ha-controller.jar}
	if [[ ! -f $jar ]] || [[ -n $(find "$root/controller/src" "$root/controller/pom.xml" -newer "$jar" -print -quit) ]]; then
		log "building the controller jar"
		(cd "$root" && ./mvnw -q -B -ntp -pl controller -am -DskipTests package) >&2 ||
			die "controller build failed"
	fi
	[[ -f $jar ]] || die "controller jar not found: $jar"
	printf '%s' "$jar"
}

# _stack_start_redis: Redis as the compose stack runs it (append-only file, fsync every second),
# on STACK_REDIS_PORT (a free port the first time, the same one after a restart).
_stack_start_redis() {
	STACK_REDIS_PORT=${STACK_REDIS_PORT:-$(free_port)}
	mkdir -p "$STACK_WORK/redis"
	redis-server --bind 127.0.0.1 --port "$STACK_REDIS_PORT" --save '' --appendonly yes --appendfsync everysec \
		--dir "$STACK_WORK/redis" --logfile "$STACK_WORK/redis.log" --daemonize no >/dev/null 2>&1 </dev/null &
	STACK_REDIS_PID=$!
	wait_for 30 "redis" redis-cli -h 127.0.0.1 -p "$STACK_REDIS_PORT" ping ||
		die "redis did not start; see $STACK_WORK/redis.log"
}

# stack_kill_redis: Redis dies as in a power loss (SIGKILL); what its append-only file holds survives.
stack_kill_redis() {
	if [[ -n $STACK_REDIS_PID ]]; then
		kill -KILL "$STACK_REDIS_PID" 2>/dev/null || true
		wait "$STACK_REDIS_PID" 2>/dev/null || true
	fi
	STACK_REDIS_PID=''
}

# stack_start_redis_again: the same Redis (port, append-only file) after stack_kill_redis.
stack_start_redis_again() {
	_stack_start_redis
}

# _stack_controller_up: the controller answers its health endpoint (UP or DOWN both count:
# failover is DOWN without a Docker configuration).
_stack_controller_up() {
	[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$STACK_CONTROLLER_URL/actuator/health") =~ ^(200|503)$ ]]
}

# _stack_controller_settings: the controller's passwords, token and port, chosen once so that
# a restarted controller is the same controller.
_stack_controller_settings() {
	STACK_JAR=$(stack_controller_jar)
	STACK_CONTROLLER_PORT=$(free_port)
	STACK_CONTROLLER_URL="http://127.0.0.1:$STACK_CONTROLLER_PORT"
	STACK_RECORDER_PASSWORD=$(_stack_secret)
	STACK_ADMIN_PASSWORD=$(_stack_secret)
	STACK_WEBHOOK_TOKEN=$(_stack_secret)
	mkdir -p "$STACK_WORK/controller-data"
}

_stack_start_controller() {
	# Failover is off unless STACK_FAILOVER=true: the recorder suites test the recorder, and a
	# controller starting backups would create containers this shell did not start.
	env HA_PROFILE=production HA_CONTROLLER_PORT="$STACK_CONTROLLER_PORT" HA_CONTROLLER_BIND_ADDRESS=127.0.0.1 \
		HA_REDIS_URL="redis://127.0.0.1:$STACK_REDIS_PORT" HA_DATA_DIR="$STACK_WORK/controller-data" \
		HA_RECORDINGS_PATH="$STACK_WORK/recordings" HA_RECORDING_STORAGE=s3 HA_S3_PREFIX=recordings/ \
		HA_RECORDER_USERNAME=recorder HA_ADMIN_USERNAME=admin HA_HEARTBEAT_INTERVAL=1s \
		HA_RECORDER_PASSWORD="$STACK_RECORDER_PASSWORD" HA_ADMIN_PASSWORD="$STACK_ADMIN_PASSWORD" \
		HA_WEBHOOK_TOKEN="$STACK_WEBHOOK_TOKEN" HA_FAILOVER_ENABLED="$STACK_FAILOVER" \
		HA_RECORDER_IMAGE="$STACK_SITE_IMAGE" HA_WEBHOOK_RELAY_URL="$STACK_RELAY_URL" \
		HA_OPENVIDU_URL="$STACK_OPENVIDU_URL" HA_RECORDER_URL_HOSTS=127.0.0.1 \
		HA_OPENVIDU_API_URL="$STACK_OPENVIDU_API_URL" \
		HA_OPENVIDU_SECRET="${STACK_OPENVIDU_API_URL:+$STACK_OPENVIDU_SECRET}" \
		HA_S3_ENDPOINT="$S3PROXY_ENDPOINT" HA_S3_REGION=us-east-1 HA_S3_BUCKET="$STACK_BUCKET" \
		HA_S3_ACCESS_KEY="$S3PROXY_ACCESS_KEY" HA_S3_SECRET_KEY="$S3PROXY_SECRET_KEY" \
		HA_CHUNK_DURATION="${STACK_CHUNK_DURATION}s" HA_STANDBY_RECORDERS="$STACK_STANDBY_RECORDERS" \
		HA_STANDBY_RESOLUTION="$STACK_STANDBY_RESOLUTION" HA_DOCKER_HOSTS="${STACK_DOCKER_HOSTS:-}" \
		java -Xmx384m -XX:TieredStopAtLevel=1 -jar "$STACK_JAR" >>"$STACK_WORK/controller.log" 2>&1 </dev/null &
	STACK_CONTROLLER_PID=$!
	# a JVM start on a loaded 2-core host (recorders, a busy loop) took 82 s: allow 180 s
	local deadline=$((SECONDS + 180))
	until _stack_controller_up; do
		if ! kill -0 "$STACK_CONTROLLER_PID" 2>/dev/null || ((SECONDS >= deadline)); then
			grep -A6 -m1 'APPLICATION FAILED\|Exception' "$STACK_WORK/controller.log" >&2 || tail -n 20 "$STACK_WORK/controller.log" >&2
			die "controller did not start; see $STACK_WORK/controller.log"
		fi
		sleep 0.2
	done
}

# stack_restart_controller [SIGNAL]: TERM (a clean stop) or KILL (a crash), then the same
# controller again (same port, settings and Redis).
stack_restart_controller() {
	local signal=${1:-TERM}
	if [[ -n $STACK_CONTROLLER_PID ]]; then
		kill "-$signal" "$STACK_CONTROLLER_PID" 2>/dev/null || true
		wait "$STACK_CONTROLLER_PID" 2>/dev/null || true
	fi
	STACK_CONTROLLER_PID=''
	_stack_start_controller
}

_stack_start_page() {
	local root
	root=$(repo_root)
	STACK_PAGE_PORT=$(free_port)
	python3 "$root/scripts/lib/page-server.py" "$STACK_PAGE_PORT" "${STACK_PAGE_DIR:-$root/recorder-image/test/page}" \
		"$STACK_WORK/recorder-overlaps.log" >"$STACK_WORK/page.log" 2>&1 </dev/null &
	STACK_PAGE_PID=$!
	wait_for 10 "page server" curl -fs -o /dev/null "http://127.0.0.1:$STACK_PAGE_PORT/" ||
		die "page server did not start"
}

stack_recorder_env() {
	cat <<-EOF
		HA_CONTROLLER_URL=$STACK_CONTROLLER_URL
		HA_RECORDER_USERNAME=recorder
		HA_RECORDER_PASSWORD=$STACK_RECORDER_PASSWORD
		HA_RECORDING_STORAGE=s3
		HA_S3_ENDPOINT=$S3PROXY_ENDPOINT
		HA_S3_REGION=us-east-1
		HA_S3_BUCKET=$STACK_BUCKET
		HA_S3_PREFIX=recordings/
		HA_S3_ACCESS_KEY=$S3PROXY_ACCESS_KEY
		HA_S3_SECRET_KEY=$S3PROXY_SECRET_KEY
		HA_CHUNK_DURATION=$STACK_CHUNK_DURATION
		HA_HEARTBEAT_INTERVAL=1s
	EOF
}

# _stack_site_image: the recorder image with recorder.env baked in, as the installer does
# (OpenVidu passes only its own variables to the recorder).
_stack_site_image() {
	local ctx="$STACK_WORK/site-image"
	mkdir -p "$ctx"
	(umask 077 && stack_recorder_env >"$ctx/recorder.env")
	cat >"$ctx/Dockerfile" <<-EOF
		FROM $RECORDER_IMAGE
		COPY recorder.env /etc/ov2-ha-recorder/recorder.env
		RUN chmod 0600 /etc/ov2-ha-recorder/recorder.env
	EOF
	STACK_SITE_IMAGE="ov2ha-recorder-site-test:$(date +%s)-$RANDOM"
	DOCKER_BUILDKIT=0 docker build -q --network host --label "$STACK_LABEL" -t "$STACK_SITE_IMAGE" "$ctx" >/dev/null ||
		die "site image build failed"
}

stack_start() {
	STACK_WORK=$1
	mkdir -p "$STACK_WORK/recordings" "$STACK_WORK/s3"
	stack_require
	docker image inspect "$RECORDER_IMAGE" >/dev/null 2>&1 || die "image $RECORDER_IMAGE not found"
	_stack_start_redis
	s3proxy_start "$STACK_WORK/s3" || die "S3Proxy did not start"
	s3proxy_create_bucket "$STACK_BUCKET" || die "bucket creation failed"
	STACK_OPENVIDU_SECRET=$(_stack_secret)
	_stack_controller_settings
	# the site image names the controller, and the controller names the site image (its backups)
	_stack_site_image
	_stack_start_controller
	_stack_start_page
	log "stack up: controller=$STACK_CONTROLLER_URL s3=$S3PROXY_ENDPOINT redis=127.0.0.1:$STACK_REDIS_PORT page=$STACK_PAGE_PORT failover=$STACK_FAILOVER"
}

# stack_recording_json ID: RECORDING_JSON as OpenVidu's Recording.toJson(true) writes it.
stack_recording_json() {
	local id=$1 resolution=$2 framerate=$3
	jq -cn --arg id "$id" --arg res "$resolution" --argjson fr "$framerate" --argjson created "$(date +%s%3N)" \
		'{id:$id, object:"recording", name:$id, outputMode:"COMPOSED", resolution:$res, frameRate:$fr,
		  recordingLayout:"BEST_FIT", sessionId:$id, uniqueSessionId:($id + "_1700000000000"),
		  createdAt:$created, size:0, duration:0, url:null, hasAudio:true, hasVideo:true, status:"started"}' |
		sed -E 's/"duration":0,/"duration":0.0,/'
}

# stack_run_recorder ID RESOLUTION FRAMERATE [PAGE_QUERY] [EXTRA docker run args...]: the
# container as OpenVidu's ComposedRecordingService creates it (name, env in its order,
# /recordings bind, host network, 512 MiB shm), plus the test label. Sets STACK_LAST_CID
# (call it directly, not in $(...): the container list must survive for stack_stop).
stack_run_recorder() {
	local id=$1 resolution=$2 framerate=$3 query=${4:-} url cid
	shift 4 || shift $#
	# The layout URL carries OpenVidu's secret in userinfo, as OpenVidu builds it.
	url="http://OPENVIDUAPP:${STACK_OPENVIDU_SECRET}@127.0.0.1:$STACK_PAGE_PORT/index.html?secret=${STACK_OPENVIDU_SECRET}${query:+&$query}"
	cid=$(ov_docker_run "$STACK_SITE_IMAGE" "$STACK_WORK/recordings" "$id" "$id" "$url" \
		"$(stack_recording_json "$id" "$resolution" "$framerate")" "$resolution" "$framerate" \
		--label "$STACK_LABEL" "$@") || die "docker run failed for $id"
	STACK_CONTAINERS+=("$cid")
	STACK_LAST_CID=$cid
}

# stack_admin_get PATH: GET with the admin credentials; a controller starved by a loaded host
# may miss one 10 s answer (or be restarting): two more tries on a timeout, a refused connection
# or a 5xx before the caller sees an empty answer (a 404 answers at once: polls wait for it).
stack_admin_get() {
	printf 'user = "admin:%s"\n' "$STACK_ADMIN_PASSWORD" |
		curl -K - -fsS --max-time 10 --retry 2 --retry-connrefused --retry-delay 1 "$STACK_CONTROLLER_URL$1"
}

stack_stop() {
	local cid
	# the controller first: it would start backups and standbys for the recorders removed here
	stop_pid "$STACK_CONTROLLER_PID"
	STACK_CONTROLLER_PID=''
	for cid in "${STACK_CONTAINERS[@]}"; do
		docker rm -f "$cid" >/dev/null 2>&1 || true
	done
	STACK_CONTAINERS=()
	if [[ -n $STACK_SITE_IMAGE ]]; then
		# every container of the site image (the controller's backups and standbys, running or
		# exited), then the image: an image with containers, even exited ones, is not removed
		docker ps -aq --filter "ancestor=$STACK_SITE_IMAGE" 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
		docker rmi "$STACK_SITE_IMAGE" >/dev/null 2>&1 || true
		STACK_SITE_IMAGE=''
	fi
	stop_pid "$STACK_PAGE_PID"
	s3proxy_stop 2>/dev/null || true
	stop_pid "$STACK_REDIS_PID"
	STACK_PAGE_PID='' STACK_REDIS_PID='' STACK_REDIS_PORT=''
}
