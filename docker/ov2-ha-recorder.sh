#!/usr/bin/env bash
# OV2 HA Recorder operations: start, stop, inspect, test, back up and clean the stack.
# Run from anywhere; reads docker/.env (written by ov2-ha-recorder-install.sh).
#
# Usage: ov2-ha-recorder.sh [--env-file FILE] COMMAND [OPTIONS]
#        ov2-ha-recorder.sh COMMAND --help
#
# Commands:
#   start              build missing images, start the stack, wait until it is healthy
#   stop               stop the stack (data is kept)
#   restart            stop, then start
#   status             health of each part, recordings by status, failovers
#   logs [SERVICE]     logs of the stack or of one service (controller, redis, minio, minio-init,
#                      minio1..minio4, minio-init-distributed)
#   health             exit 0 only when every part is healthy (for cron and monitoring)
#   config             the effective settings, secrets masked
#   validate           check docker/.env and the host; exit 1 on any error
#   reconfigure        apply docker/.env: rebuild the site image, recreate the controller
#   build              build the images (controller, generic recorder, site recorder)
#   test-api           check the API end to end, read-only (no webhook is sent or relayed)
#   test-recording     a real short recording through the stack, optionally with --failover
#   list-recordings    recordings known to the controller
#   stuck              recordings OpenVidu still shows started/stopped with no live recorder
#   repair ID          finalize a stuck recording from its chunks, seal and announce it once
#   download ID        download a recording's final MP4
#   backup             consistent backup: Redis snapshot, .env, configuration (mode 600)
#   restore ARCHIVE    load a backup's Redis snapshot into the bundled Redis
#   clean              remove this project's containers (and with flags its images, volumes)
#
# Environment: OV2HA_ENV_FILE (instead of --env-file), OV2HA_COMPOSE (compose command, e.g.
# "docker-compose"), NO_COLOR. Exit status: 0 on success, 1 on failure, 2 on bad usage.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

SCRIPT_PATH=$(readlink -f "${BASH_SOURCE[0]}")
SCRIPT_DIR=$(dirname "$SCRIPT_PATH")
REPO_DIR=$(dirname "$SCRIPT_DIR")
COMPOSE_FILE=$SCRIPT_DIR/docker-compose.yml
# shellcheck source=lib/common.sh
source "$SCRIPT_DIR/lib/common.sh"

ENV_FILE=${OV2HA_ENV_FILE:-$SCRIPT_DIR/.env}
ENV_DIR=''
CONTROLLER_URL=''
PROFILES=()
TMP_DIR=''

# ---- usage --------------------------------------------------------------------------------

# command_help NAME: the help text of one command.
command_help() {
	case $1 in
	start) cat <<'EOF'
Usage: ov2-ha-recorder.sh start [--no-build] [--timeout SECONDS]

Validates docker/.env, writes the controller's and the recorders' settings, builds missing
images (controller, generic recorder, site recorder), starts the bundled Redis and MinIO when
enabled (HA_BUNDLED_REDIS, HA_BUNDLED_S3), runs MinIO's init job, starts the controller and
waits until every part is healthy. Prints the URLs.
  --no-build         fail instead of building a missing image
  --timeout SECONDS  how long to wait for health (default 180)
EOF
		;;
	stop) cat <<'EOF'
Usage: ov2-ha-recorder.sh stop [--force]

Stops and removes the stack's containers and the free warm standby recorders. Volumes (Redis
state, MinIO chunks) are kept. Refused while recordings are in progress (no failover without
the controller) unless --force.
EOF
		;;
	restart) cat <<'EOF'
Usage: ov2-ha-recorder.sh restart [--force] [--no-build] [--timeout SECONDS]

stop, then start. Refused while recordings are in progress unless --force.
EOF
		;;
	status) cat <<'EOF'
Usage: ov2-ha-recorder.sh status [--json]

Shows each service's container state and health, the controller's health components,
recordings by status, failover counters and OpenVidu's configuration. Exit 1 when the
controller does not answer or is not UP.
  --json   the controller's health and counters as one JSON document
EOF
		;;
	logs) cat <<'EOF'
Usage: ov2-ha-recorder.sh logs [SERVICE] [--follow] [--tail N] [--no-color]

Logs of every service, or of SERVICE (controller, redis, minio, minio-init; with
HA_BUNDLED_S3=distributed minio1..minio4, minio-init-distributed). Colours only when stdout is
a terminal and NO_COLOR is unset.
  --follow, -f   keep following
  --tail N       last N lines per service (default 200)
  --no-color     no ANSI colours, even on a terminal
EOF
		;;
	health) cat <<'EOF'
Usage: ov2-ha-recorder.sh health [--quiet]

Exit 0 when the controller answers UP and every enabled service container is running and
healthy; exit 1 otherwise, with one line per failing part.
EOF
		;;
	config) cat <<'EOF'
Usage: ov2-ha-recorder.sh config

Prints every setting of docker/.env with passwords, secret keys, tokens, relay headers and
credentials inside URLs masked. Never prints a secret.
EOF
		;;
	validate) cat <<'EOF'
Usage: ov2-ha-recorder.sh validate

Checks docker/.env (mode 600, required values, formats, no relay to the controller itself,
image names OpenVidu accepts) and the host (docker, compose, recordings folder, OpenVidu's
.env pointing at this stack). Prints every problem; exit 1 when there is an error.
EOF
		;;
	reconfigure) cat <<'EOF'
Usage: ov2-ha-recorder.sh reconfigure

Applies docker/.env after an edit: rewrites the controller's and the recorders' settings,
rebuilds the site recorder image (under a second, only when the settings changed) and
recreates the containers whose configuration changed. Settings OpenVidu must know (controller
URL, webhook token) are applied to OpenVidu's .env by re-running ov2-ha-recorder-install.sh.
EOF
		;;
	build) cat <<'EOF'
Usage: ov2-ha-recorder.sh build [--no-cache] [--only controller|recorder|site]

Builds the images with the local Docker daemon (host network, never pushed):
ov2-ha-controller:<tag>, ov2-ha-recorder:<tag> (generic, no secrets) and
ov2-ha-recorder-site:<tag> (generic + recorder.env). <tag> is HA_IMAGE_TAG or the project version.
EOF
		;;
	test-api) cat <<'EOF'
Usage: ov2-ha-recorder.sh test-api

Read-only checks against the running controller: liveness, health with details, OpenAPI
document, admin listing, metrics, and that wrong or insufficient credentials are refused
(401/403), including on the webhook intake. Nothing is written and no webhook is relayed.
Exit 1 when a check fails.
EOF
		;;
	test-recording) cat <<'EOF'
Usage: ov2-ha-recorder.sh test-recording [--seconds N] [--failover] [--keep] [--timeout N]
                                         [--max-head-loss S] [--max-failover-gap S]

Records a synthetic page for N seconds (default 30) with the site recorder image, started
exactly as OpenVidu starts it (host network, /recordings bind, OpenVidu's variables), through
the controller and the chunk storage; stops it as OpenVidu does (q to /stop); waits until the
controller has written the final MP4 and reports its path and duration.
  --failover    kill the recorder after its first chunk; the controller must start a backup
                that continues the recording (the stop then goes through the admin API)
  --keep        keep the test recording (folder, registry entry) for inspection
  --timeout N   how long to wait for the final MP4 after the stop (default 180 s)
  --max-head-loss S      most seconds the MP4 may lack at its start (default 2)
  --max-failover-gap S   most seconds a failover may lose, on top of that (default 4)
Exit 0 when the MP4 exists, has a video stream and lacks at most the allowed seconds of the
time from the recorder's start to the stop (the shortfall, always reported).
The recording id starts with ov2ha-selftest-: the controller never relays its webhook events
to your application (HA_WEBHOOK_RELAY_URL).
EOF
		;;
	list-recordings) cat <<'EOF'
Usage: ov2-ha-recorder.sh list-recordings [--status STATUS] [--limit N] [--offset N] [--json]

Recordings known to the controller, newest first. STATUS: RECORDING, STOPPING, FINALIZING,
READY, FAILED, ABANDONED.
EOF
		;;
	stuck) cat <<'EOF'
Usage: ov2-ha-recorder.sh stuck [--json] [--quiet-seconds N]

Recordings whose .recording.<id> in HA_RECORDINGS_PATH is not final (started or stopped, as
after a crash), with the controller's view and a verdict:
  live          its recorder sent a heartbeat in the last N seconds (default 60): not stuck
  finalizing    the controller is joining it now
  stuck         no live recorder, not final: repair it (the controller also does this by
                itself once OpenVidu says its session is gone)
  unsealed      FAILED or ABANDONED in the controller, the file not: repair it (a new attempt)
  mismatch      READY in the controller, the file not: see the controller's log (event=finalize.*)
  unprotected   the controller does not know it (recorded without OV2 HA Recorder)
Exit 0 when none is stuck, unsealed or mismatched, 3 when some are (for cron), 1 on an error.
EOF
		;;
	repair) cat <<'EOF'
Usage: ov2-ha-recorder.sh repair RECORDING_ID [--yes] [--quiet-seconds N] [--stop-wait S]

Ends a stuck recording (see stuck): stops it in the controller (a recorder still running is
stopped; waits at most S seconds, default 30, for that), which finalizes it from its chunks,
and waits for that: the final MP4, OpenVidu's
files sealed ready (failed when nothing usable was recorded), and one final event to your
application. An unsealed one (FAILED or ABANDONED) gets a new finalization attempt. Refuses a
recording whose recorder is live (a heartbeat in the last N seconds, default 60), one being
finalized, a mismatched or an unknown one. Asks first unless --yes.
EOF
		;;
	download) cat <<'EOF'
Usage: ov2-ha-recorder.sh download RECORDING_ID [--output FILE]

Downloads the final MP4 of a recording through the controller (default file:
./<RECORDING_ID>.mp4). Fails if the recording is not final or not found.
EOF
		;;
	backup) cat <<'EOF'
Usage: ov2-ha-recorder.sh backup [--output DIR]

Writes ov2-ha-backup-<timestamp>.tar.gz (mode 600) into DIR (default docker/backups, mode 700):
a consistent Redis snapshot taken by the server (redis-cli --rdb), docker/.env, the compose
file, the monitoring files and a copy of OpenVidu's .env. Not included: the chunks in MinIO
(or the local chunk folder). Finished recordings are the MP4 files in OpenVidu's recordings
folder and need no chunks; the chunks only matter for recordings not yet finalized when the
backup is taken (docs/operations.md, "Backup and restore").
EOF
		;;
	restore) cat <<'EOF'
Usage: ov2-ha-recorder.sh restore ARCHIVE [--yes] [--force]

Replaces ALL state of the bundled Redis with the snapshot in ARCHIVE (from `backup`): checks
it against its MANIFEST, stops the controller and Redis, loads the snapshot into Redis's volume
(a new AOF written from it), starts Redis and the controller and waits until they are healthy.
Settings files in the archive (config/) are not applied. Refused while recordings are in
progress unless --force; asks first unless --yes. External Redis: use your provider's tools.
  --yes     do not ask
  --force   even while recordings are in progress (they lose their state)
EOF
		;;
	clean) cat <<'EOF'
Usage: ov2-ha-recorder.sh clean [--images] [--volumes] [--yes] [--force]

Removes this project's containers (compose project ov2-ha-recorder) and generated settings
files. Never runs a host-wide prune and never touches other containers, images or volumes.
  --images    also remove the images this installation built: ov2-ha-controller,
              ov2-ha-recorder-site and ov2-ha-recorder with its tag (HA_IMAGE_TAG, else the
              project version; other tags are kept) and the controller's untagged build-stage
              image (refused while OpenVidu's .env still names the site image)
  --volumes   also delete the volumes: ALL Redis state and stored chunks (asks first)
  --yes       do not ask
  --force     even while recordings are in progress
EOF
		;;
	*) return 1 ;;
	esac
}

# ---- settings -----------------------------------------------------------------------------

load_settings() {
	[[ -f $ENV_FILE ]] || die "settings file $ENV_FILE not found: run ov2-ha-recorder-install.sh first, or pass --env-file FILE"
	[[ -r $ENV_FILE ]] || die "cannot read $ENV_FILE (permissions: run as root or as its owner)"
	env_load "$ENV_FILE"
	ENV_DIR=$(cd "$(dirname "$ENV_FILE")" && pwd)
	local port
	port=$(cfg HA_CONTROLLER_PORT 15443)
	CONTROLLER_URL=$(cfg HA_CONTROLLER_URL "http://127.0.0.1:$port")
	CONTROLLER_URL=${CONTROLLER_URL%/}
	PROFILES=()
	bundled_redis && PROFILES+=(--profile redis)
	if distributed_s3; then
		PROFILES+=(--profile s3-distributed)
	elif bundled_s3; then
		PROFILES+=(--profile s3)
	fi
	return 0
}

bundled_redis() { [[ $(cfg HA_BUNDLED_REDIS true) == true ]]; }
# HA_BUNDLED_S3: true (one MinIO, profile s3), distributed (4 erasure-coded nodes, profile
# s3-distributed) or false; validate_all refuses any other value.
bundled_s3() { [[ $(cfg HA_BUNDLED_S3 true) =~ ^(true|distributed)$ && $(cfg HA_RECORDING_STORAGE s3) == s3 ]]; }
distributed_s3() { bundled_s3 && [[ $(cfg HA_BUNDLED_S3) == distributed ]]; }

# minio_services: the bundled MinIO's server services; minio_init_service: its init job.
minio_services() {
	if distributed_s3; then printf '%s\n' minio1 minio2 minio3 minio4; else echo minio; fi
}
minio_init_service() {
	if distributed_s3; then echo minio-init-distributed; else echo minio-init; fi
}

# enabled_services: the compose services this configuration runs.
enabled_services() {
	local s=(controller)
	bundled_redis && s+=(redis)
	printf '%s\n' "${s[@]}"
	if bundled_s3; then minio_services; fi
}

make_tmp() {
	[[ -n $TMP_DIR ]] || TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ov2ha.XXXXXX")
}

cleanup() {
	[[ -n $TMP_DIR && -d $TMP_DIR ]] && rm -rf "$TMP_DIR"
	return 0
}

# export_compose_env: what docker-compose.yml reads besides the env file. HA_IMAGE_TAG is the
# resolved tag (the project version when .env leaves it empty), so that compose runs exactly the
# images `build` made.
export_compose_env() {
	export OV2HA_ENV_DIR=$ENV_DIR
	HA_IMAGE_TAG=$(image_tag "$REPO_DIR")
	export HA_IMAGE_TAG
}

need_compose() {
	detect_compose || die "neither 'docker compose' (v2) nor 'docker-compose' (1.29+) is installed: apt-get install docker-compose, or install the compose plugin"
}

compose() {
	export_compose_env
	"${COMPOSE[@]}" -p "$OV2HA_PROJECT" -f "$COMPOSE_FILE" --env-file "$ENV_FILE" "${PROFILES[@]}" "$@"
}

need_docker() {
	command -v docker >/dev/null 2>&1 || die "docker is not installed"
	docker info >/dev/null 2>&1 || die "the Docker daemon does not answer (is it running? are you root or in the docker group?)"
}

# ---- controller API -----------------------------------------------------------------------

API_STATUS=0
API_BODY=''
# Sent with every call: the controller requires it on state-changing admin calls (a simple
# cross-site request cannot carry a custom header).
API_CLIENT_HEADER='X-Requested-By: ov2-ha-recorder'

# api_request ROLE METHOD PATH OUTPUT [CURL_ARGS...]: one request, the answer's body written to
# OUTPUT; credentials reach curl through a config on a file descriptor, never the command line.
# Sets API_STATUS (0 = no answer).
api_request() {
	local role=$1 method=$2 path=$3 output=$4 user='' pass=''
	shift 4
	case $role in
	admin) user=$(cfg HA_ADMIN_USERNAME admin) pass=$(cfg HA_ADMIN_PASSWORD) ;;
	recorder) user=$(cfg HA_RECORDER_USERNAME recorder) pass=$(cfg HA_RECORDER_PASSWORD) ;;
	metrics) user=$(cfg HA_METRICS_USERNAME metrics) pass=$(cfg HA_METRICS_PASSWORD) ;;
	wrong) user=$(cfg HA_ADMIN_USERNAME admin) pass="wrong-$(random_secret 12)" ;;
	none) ;;
	*) die "internal: unknown role $role" ;;
	esac
	API_STATUS=$(curl -sS -o "$output" -w '%{http_code}' -X "$method" --max-time "${API_TIMEOUT:-10}" \
		-H "$API_CLIENT_HEADER" -K <(curl_auth_config "$user" "$pass") "$@" "$CONTROLLER_URL$path" 2>/dev/null) ||
		API_STATUS=${API_STATUS:-0}
	[[ $API_STATUS =~ ^[1-9][0-9]{2}$ ]] || API_STATUS=0
}

# api ROLE METHOD PATH [CURL_ARGS...]: api_request with the answer's body in API_BODY.
api() {
	make_tmp
	local body=$TMP_DIR/body
	: >"$body"
	api_request "$1" "$2" "$3" "$body" "${@:4}"
	API_BODY=$(cat "$body")
}

curl_auth_config() {
	local user=$1 pass=$2
	[[ -n $user ]] || return 0
	pass=${pass//\\/\\\\}
	pass=${pass//\"/\\\"}
	user=${user//\\/\\\\}
	user=${user//\"/\\\"}
	printf 'user = "%s:%s"\n' "$user" "$pass"
}

# controller_health: prints the health status (UP, DOWN, ..., or UNREACHABLE).
controller_health() {
	api admin GET /actuator/health
	if [[ $API_STATUS == 0 ]]; then
		echo UNREACHABLE
	else
		jq -r '.status // "UNKNOWN"' <<<"$API_BODY" 2>/dev/null || echo UNKNOWN
	fi
}

# metric_sum NAME [LABEL_FILTER]: sum of the samples of NAME in METRICS (Prometheus text).
metric_sum() {
	local name=$1 filter=${2:-}
	awk -v n="$name" -v f="$filter" '
		$1 !~ /^#/ {
			split($1, a, "{"); if (a[1] != n) next
			if (f != "" && index($1, f) == 0) next
			s += $2; found = 1 }
		END { if (found) printf "%g", s; else printf "-" }' <<<"$METRICS"
}

METRICS=''
fetch_metrics() {
	api admin GET /actuator/prometheus
	if [[ $API_STATUS == 200 ]]; then METRICS=$API_BODY; else METRICS=''; fi
}

active_recordings() {
	api admin GET '/api/recordings?status=RECORDING&limit=1'
	[[ $API_STATUS == 200 ]] || { echo -1; return 0; }
	jq -r '.total // 0' <<<"$API_BODY"
}

# refuse_if_recording ACTION FORCE: refuse ACTION while recordings are in progress.
refuse_if_recording() {
	local action=$1 force=$2 n
	n=$(active_recordings)
	if ((n > 0)); then
		if [[ $force == true ]]; then
			warn "$n recording(s) in progress: $action anyway (--force); no failover until the controller is back"
		else
			die "$n recording(s) in progress: $action would leave them without failover. Wait, or use --force"
		fi
	fi
}

# ---- containers ---------------------------------------------------------------------------

# container_state SERVICE: "running healthy", "exited 0", "absent", ...
container_state() {
	local id
	id=$(docker ps -aq --filter "label=com.docker.compose.project=$OV2HA_PROJECT" \
		--filter "label=com.docker.compose.service=$1" 2>/dev/null | head -n 1)
	if [[ -z $id ]]; then
		echo absent
		return 0
	fi
	docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.ExitCode}}{{end}}' "$id" 2>/dev/null || echo absent
}

# wait_healthy SERVICE DEADLINE: until the container is running and healthy.
wait_healthy() {
	local service=$1 deadline=$2 state
	while :; do
		state=$(container_state "$service")
		[[ $state == "running healthy" ]] && return 0
		[[ $state == exited* || $state == dead* ]] && { error "$service stopped: $state"; return 1; }
		((SECONDS < deadline)) || { error "$service not healthy in time (state: $state)"; return 1; }
		sleep 2
	done
}

wait_controller() {
	local deadline=$1 status
	while :; do
		status=$(controller_health)
		[[ $status == UP ]] && return 0
		((SECONDS < deadline)) || { error "controller not UP at $CONTROLLER_URL in time (status: $status)"; return 1; }
		sleep 2
	done
}

# ---- images -------------------------------------------------------------------------------

controller_image() { printf '%s:%s' "$CONTROLLER_IMAGE_NAME" "$(image_tag "$REPO_DIR")"; }
recorder_image() { printf '%s:%s' "$RECORDER_IMAGE_NAME" "$(image_tag "$REPO_DIR")"; }
site_image() { printf '%s:%s' "$SITE_IMAGE_NAME" "$(image_tag "$REPO_DIR")"; }

# ensure_base_image: debian:bookworm-slim, the base of the controller and recorder images:
# pulled where a registry is reachable, else built locally by scripts/build-base-image.sh.
ensure_base_image() {
	local base=debian:bookworm-slim
	image_exists "$base" && return 0
	info "pulling $base"
	docker pull "$base" >/dev/null 2>&1 && return 0
	die "the base image $base is missing and cannot be pulled: build it locally (as root) with $REPO_DIR/scripts/build-base-image.sh"
}

# build_controller NOCACHE: the same build as the compose file's `controller.build`, with the
# docker CLI directly: the legacy builder works everywhere (no buildx needed), never pulls
# anything but the base image, and uses the host network (daemons without a bridge).
build_controller() {
	local nocache=$1
	ensure_base_image
	info "building $(controller_image) (first build downloads Maven dependencies: a few minutes)"
	local -a args=(build --network host -f "$SCRIPT_DIR/Dockerfile" -t "$(controller_image)"
		--label "$OV2HA_LABEL" --label io.ov2ha.component=controller)
	[[ $nocache == true ]] && args+=(--no-cache)
	DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} docker "${args[@]}" "$REPO_DIR" || die "building the controller image failed"
}

build_recorder() {
	local nocache=$1 image
	image=$(recorder_image)
	[[ -d $REPO_DIR/recorder-image ]] || die "recorder-image/ is missing from this checkout"
	ensure_base_image
	info "building $image (Chromium, ffmpeg: a minute or two)"
	if [[ -x $REPO_DIR/scripts/build-recorder-image.sh ]]; then
		NO_CACHE=$([[ $nocache == true ]] && echo 1 || echo 0) "$REPO_DIR/scripts/build-recorder-image.sh" "$image" ||
			die "building the recorder image failed"
	else
		local -a args=(build --network host -t "$image" --label "$OV2HA_LABEL")
		[[ $nocache == true ]] && args+=(--no-cache)
		DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} docker "${args[@]}" "$REPO_DIR/recorder-image" || die "building the recorder image failed"
	fi
}

# build_site: the site image = generic image + recorder.env; skipped when an image with the
# same settings and base already exists (the label holds a hash of both).
build_site() {
	local base site hash current
	base=$(recorder_image)
	site=$(site_image)
	image_exists "$base" || die "generic recorder image $base is missing: run '${0##*/} build --only recorder'"
	write_site_context "$ENV_DIR" "$SCRIPT_DIR" "$CONTROLLER_URL"
	hash=$({ cat "$ENV_DIR/site/recorder.env" "$ENV_DIR/site/Dockerfile"; docker image inspect -f '{{.Id}}' "$base"; } | sha256sum | cut -c1-64)
	current=$(docker image inspect -f '{{index .Config.Labels "io.ov2ha.site-hash"}}' "$site" 2>/dev/null || true)
	if [[ $current == "$hash" ]]; then
		info "site image $site is up to date"
		return 0
	fi
	info "building site image $site"
	DOCKER_BUILDKIT=0 docker build -q --network host --build-arg "BASE_IMAGE=$base" \
		--label "$OV2HA_LABEL" --label io.ov2ha.component=recorder-site --label "io.ov2ha.site-hash=$hash" \
		-t "$site" "$ENV_DIR/site" >/dev/null || die "building the site image failed"
	ok "site image $site built"
}

# ---- commands -----------------------------------------------------------------------------

cmd_build() {
	local nocache=false only=''
	while (($#)); do
		case $1 in
		--no-cache) nocache=true ;;
		--only) only=${2:-}; shift ;;
		*) usage_error "build: unknown option $1" ;;
		esac
		shift
	done
	[[ -z $only || $only =~ ^(controller|recorder|site)$ ]] || usage_error "build: --only controller|recorder|site"
	load_settings
	need_docker
	need_compose
	write_controller_env "$ENV_DIR"
	[[ -z $only || $only == controller ]] && build_controller "$nocache"
	[[ -z $only || $only == recorder ]] && build_recorder "$nocache"
	[[ -z $only || $only == site ]] && build_site
	ok "images ready"
}

ensure_images() {
	local nobuild=$1
	if ! image_exists "$(controller_image)"; then
		[[ $nobuild == true ]] && die "image $(controller_image) is missing (run '${0##*/} build')"
		build_controller false
	fi
	if ! image_exists "$(recorder_image)"; then
		[[ $nobuild == true ]] && die "image $(recorder_image) is missing (run '${0##*/} build')"
		build_recorder false
	fi
	build_site
}

cmd_start() {
	local nobuild=false timeout=180
	while (($#)); do
		case $1 in
		--no-build) nobuild=true ;;
		--timeout) timeout=${2:-}; shift ;;
		*) usage_error "start: unknown option $1" ;;
		esac
		shift
	done
	[[ $timeout =~ ^[0-9]+$ ]] || usage_error "--timeout needs a number of seconds"
	load_settings
	need_docker
	need_compose
	make_tmp
	validate_all >/dev/null 2>"$TMP_DIR/validate" || {
		cat "$TMP_DIR/validate" >&2
		die "settings are not valid (see above); fix $ENV_FILE"
	}
	write_controller_env "$ENV_DIR"
	ensure_images "$nobuild"
	local deadline=$((SECONDS + timeout))
	if bundled_redis; then
		info "starting redis"
		compose up -d redis
		wait_healthy redis "$deadline" || die "redis did not become healthy: ${0##*/} logs redis"
	fi
	bundled_s3 && start_minio "$deadline"
	info "starting controller"
	compose up -d controller
	wait_healthy controller "$deadline" || die "the controller did not become healthy: ${0##*/} logs controller"
	wait_controller "$deadline" || die "the controller is not UP: ${0##*/} status"
	ok "OV2 HA Recorder is running"
	print_urls
}

# start_minio DEADLINE: the bundled MinIO's server(s) up and healthy, then its init job.
start_minio() {
	local deadline=$1 service init
	local -a servers
	mapfile -t servers < <(minio_services)
	init=$(minio_init_service)
	info "starting ${servers[*]}"
	compose up -d "${servers[@]}"
	for service in "${servers[@]}"; do
		wait_healthy "$service" "$deadline" || die "$service did not become healthy: ${0##*/} logs $service"
	done
	info "running $init (bucket, users, policies)"
	compose run --rm "$init" || die "$init failed: see its output above"
}

print_urls() {
	info "  API, Swagger UI  $CONTROLLER_URL/swagger-ui.html"
	info "  Health           $CONTROLLER_URL/actuator/health"
	info "  Metrics (admin)  $CONTROLLER_URL/actuator/prometheus"
	info "  OpenVidu webhook $CONTROLLER_URL$WEBHOOK_PATH"
	if bundled_s3; then
		info "  MinIO S3 API     http://$(cfg HA_MINIO_PUBLISH_ADDRESS 127.0.0.1):$(cfg HA_MINIO_PORT 9000)"
	fi
}

cmd_stop() {
	local force=false
	while (($#)); do
		case $1 in
		--force) force=true ;;
		*) usage_error "stop: unknown option $1" ;;
		esac
		shift
	done
	load_settings
	need_docker
	need_compose
	refuse_if_recording stop "$force"
	write_controller_env "$ENV_DIR"
	compose down --remove-orphans
	remove_free_standbys
	ok "stopped (volumes kept)"
}

# remove_free_standbys: this stack's warm standby recorders (of its site image) that no
# recording was handed to (named ov2ha-standby-*), once the controller is down or its image was
# rebuilt: nobody uses them, the controller makes new ones. A standby handed a recording is a
# backup (named ov2ha-backup-*) and keeps recording.
remove_free_standbys() {
	local ids='' id image
	# this stack's site image, any tag (the tag changes with HA_IMAGE_TAG)
	while read -r id image; do
		[[ $image == "$SITE_IMAGE_NAME":* || $image == "$(cfg HA_RECORDER_IMAGE)" ]] && ids+="$id "
	done < <(docker ps -a --filter label=io.ov2ha.managed=true --filter label=io.ov2ha.role=standby \
		--filter name=ov2ha-standby- --format '{{.ID}} {{.Label "io.ov2ha.image"}}' 2>/dev/null || true)
	[[ -n $ids ]] || return 0
	# shellcheck disable=SC2086 # one id per word
	docker rm -f $ids >/dev/null 2>&1 || true
	info "removed $(wc -w <<<"$ids") free warm standby recorder(s)"
}

cmd_restart() {
	local force=false
	local -a start_args=()
	while (($#)); do
		case $1 in
		--force) force=true ;;
		--no-build) start_args+=(--no-build) ;;
		--timeout) start_args+=(--timeout "${2:-}"); shift ;;
		*) usage_error "restart: unknown option $1" ;;
		esac
		shift
	done
	if [[ $force == true ]]; then cmd_stop --force; else cmd_stop; fi
	cmd_start "${start_args[@]}"
}

cmd_status() {
	local json=false
	while (($#)); do
		case $1 in
		--json) json=true ;;
		*) usage_error "status: unknown option $1" ;;
		esac
		shift
	done
	load_settings
	local health status components failover='' service state have_docker=true
	docker_ready || have_docker=false
	api admin GET /actuator/health
	health=$API_BODY
	status=UNREACHABLE
	[[ $API_STATUS != 0 ]] && status=$(jq -r '.status // "UNKNOWN"' <<<"$health" 2>/dev/null || echo UNKNOWN)
	fetch_metrics
	api admin GET /api/failover/status
	[[ $API_STATUS == 200 ]] && failover=$API_BODY
	if [[ $json == true ]]; then
		local -a services=()
		if $have_docker; then
			while IFS= read -r service; do
				services+=("$service=$(container_state "$service")")
			done < <(enabled_services)
		fi
		jq -n --arg url "$CONTROLLER_URL" --arg status "$status" --arg health "${health:-null}" \
			--arg failover "${failover:-null}" \
			--rawfile metrics <(grep '^ov2ha_recordings{' <<<"$METRICS" || true) \
			--args '{controller: $url, status: $status,
				health: ($health | fromjson? // null),
				failover: ($failover | fromjson? // null),
				services: ($ARGS.positional | map(split("=") | {key: .[0], value: .[1]}) | from_entries),
				recordings: ([$metrics | split("\n")[] | select(startswith("ov2ha_recordings{"))
					| capture("status=\"(?<s>[A-Z]+)\"[^}]*} (?<v>[0-9.eE+-]+)") | {key: .s, value: (.v | tonumber)}] | from_entries)}' \
			"${services[@]}"
		[[ $status == UP ]]
		return
	fi
	heading "OV2 HA Recorder status"
	info "  settings        $ENV_FILE"
	if $have_docker; then
		heading "Services (compose project $OV2HA_PROJECT)"
		while IFS= read -r service; do
			state=$(container_state "$service")
			printf '  %-15s %s\n' "$service" "$state" >&2
		done < <(enabled_services)
		if bundled_s3; then
			local init
			init=$(minio_init_service)
			printf '  %-15s %s\n' "$init" "$(container_state "$init") (one-shot; run at every start)" >&2
		fi
		local backups
		backups=$(docker ps -q --filter label=io.ov2ha.managed=true --filter label=io.ov2ha.role=backup 2>/dev/null | wc -l)
		printf '  %-15s %s running\n' backups "$backups" >&2
		local standbys
		standbys=$(docker ps -q --filter label=io.ov2ha.managed=true --filter label=io.ov2ha.role=standby \
			--filter name=ov2ha-standby- 2>/dev/null | wc -l)
		printf '  %-15s %s free (HA_STANDBY_RECORDERS=%s)\n' standbys "$standbys" "$(cfg HA_STANDBY_RECORDERS 1)" >&2
	else
		warn "Docker is not reachable: container states unknown"
	fi
	heading "Controller $CONTROLLER_URL"
	printf '  %-15s %s\n' health "$status" >&2
	if [[ $status != UNREACHABLE ]]; then
		components=$(jq -r '.components // {} | to_entries[] | "  \(.key | .[0:15] | . + (" " * (15 - length))) \(.value.status)"' <<<"$health" 2>/dev/null || true)
		[[ -n $components ]] && printf '%s\n' "$components" >&2
	fi
	if [[ -n $METRICS ]]; then
		heading "Recordings"
		local s line=''
		for s in RECORDING STOPPING FINALIZING READY FAILED ABANDONED; do
			line+="$s $(metric_sum ov2ha_recordings "status=\"$s\"")   "
		done
		info "  $line"
		heading "Failovers"
		info "  started $(metric_sum ov2ha_failovers_total)   exhausted $(metric_sum ov2ha_failovers_exhausted_total)   backups active $(metric_sum ov2ha_failover_active_backups)"
		info "  warm standbys: ready $(metric_sum ov2ha_standby_recorders 'state="ready"')   handed over $(metric_sum ov2ha_standby_handovers_total)"
		info "  webhook relay: queued $(metric_sum ov2ha_webhook_relay_queue_depth)   dead letters $(metric_sum ov2ha_webhook_relay_dead_lettered_total)"
		info "  finalizations: ok $(metric_sum ov2ha_finalizations_seconds_count 'outcome="ready"')   failed $(metric_sum ov2ha_finalizations_seconds_count 'outcome="failed"')"
		info "  ('-' = not reported by this controller version)"
	fi
	if [[ -n $failover ]]; then
		info "  failover status: $(jq -c . <<<"$failover")"
	fi
	openvidu_summary
	[[ $status == UP ]]
}

# openvidu_summary: whether OpenVidu's .env points at this stack.
openvidu_summary() {
	local ov_env
	ov_env=$(cfg HA_OPENVIDU_PATH /opt/openvidu)/.env
	heading "OpenVidu ($ov_env)"
	if [[ ! -r $ov_env ]]; then
		info "  not readable here"
		return 0
	fi
	local image endpoint webhook
	image=$(env_get "$ov_env" OPENVIDU_RECORDING_IMAGE)
	endpoint=$(env_get "$ov_env" OPENVIDU_WEBHOOK_ENDPOINT)
	webhook=$(env_get "$ov_env" OPENVIDU_WEBHOOK)
	printf '  %-26s %s%s\n' OPENVIDU_RECORDING_IMAGE "${image:-<default image: no HA>}" \
		"$([[ $image == "$(cfg HA_RECORDER_IMAGE)" ]] && echo ' (this stack)')" >&2
	printf '  %-26s %s %s%s\n' OPENVIDU_WEBHOOK "${webhook:-false}" "$endpoint" \
		"$([[ ${endpoint%/} == "$CONTROLLER_URL$WEBHOOK_PATH" ]] && echo ' (this controller)')" >&2
}

cmd_logs() {
	local follow=false tail=200 service='' color=true
	# Colours only for a terminal: a file or a pipe gets plain text.
	[[ -t 1 && -z ${NO_COLOR:-} ]] || color=false
	while (($#)); do
		case $1 in
		-f | --follow) follow=true ;;
		--no-color) color=false ;;
		--tail) tail=${2:-}; shift ;;
		-*) usage_error "logs: unknown option $1" ;;
		*)
			[[ -z $service ]] || usage_error "logs: one service at most"
			service=$1
			;;
		esac
		shift
	done
	[[ $tail =~ ^[0-9]+$ ]] || usage_error "--tail needs a number"
	if [[ -n $service && ! $service =~ ^(controller|redis|minio|minio-init|minio[1-4]|minio-init-distributed)$ ]]; then
		usage_error "logs: unknown service '$service' (controller, redis, minio, minio-init, minio1..minio4, minio-init-distributed)"
	fi
	load_settings
	need_docker
	need_compose
	write_controller_env "$ENV_DIR"
	local -a args=(logs --tail "$tail")
	[[ $color == true ]] || args+=(--no-color)
	[[ $follow == true ]] && args+=(--follow)
	[[ -n $service ]] && args+=("$service")
	compose "${args[@]}"
}

cmd_health() {
	local quiet=false failed=0 service state status
	while (($#)); do
		case $1 in
		-q | --quiet) quiet=true ;;
		*) usage_error "health: unknown option $1" ;;
		esac
		shift
	done
	load_settings
	status=$(controller_health)
	if [[ $status != UP ]]; then
		failed=1
		error "controller at $CONTROLLER_URL: $status"
	fi
	if docker_ready; then
		while IFS= read -r service; do
			state=$(container_state "$service")
			if [[ $service == controller && $state == absent && $status == UP ]]; then
				continue # a controller run outside compose (it answers UP)
			fi
			if [[ $state != "running healthy" ]]; then
				failed=1
				error "$service: $state"
			fi
		done < <(enabled_services)
	else
		failed=1
		error "the Docker daemon does not answer"
	fi
	if ((failed)); then
		return 1
	fi
	[[ $quiet == true ]] || ok "healthy"
}

cmd_config() {
	(($# == 0)) || usage_error "config: no options"
	load_settings
	local key
	heading "Settings from $ENV_FILE (secrets masked)"
	for key in "${CFG_KEYS[@]}"; do
		printf '%s=%s\n' "$key" "$(mask_value "$key" "${CFG[$key]}")"
	done
	heading "Derived"
	printf 'controller URL=%s\n' "$CONTROLLER_URL"
	printf 'images=%s %s %s\n' "$(controller_image)" "$(recorder_image)" "$(site_image)"
	printf 'compose profiles=%s\n' "${PROFILES[*]:-(none)}"
}

# ---- validate -----------------------------------------------------------------------------

V_ERRORS=0
V_WARNINGS=0
v_error() { V_ERRORS=$((V_ERRORS + 1)); error "$*"; }
v_warn() { V_WARNINGS=$((V_WARNINGS + 1)); warn "$*"; }

v_required() {
	local key
	for key in "$@"; do
		[[ -n $(cfg "$key") ]] || v_error "$key is required (empty in $ENV_FILE)"
	done
}

# validate_all: every check; prints problems on stderr; returns 1 when there is an error.
validate_all() {
	V_ERRORS=0
	V_WARNINGS=0
	local mode key value
	mode=$(stat -c %a "$ENV_FILE")
	[[ $mode == 600 || $mode == 400 ]] || v_error "$ENV_FILE has mode $mode: it holds secrets, run: chmod 600 $ENV_FILE"
	for key in "${CFG_KEYS[@]}"; do
		value=${CFG[$key]}
		[[ $value == *'$'* ]] && v_warn "$key contains '\$': compose v2 expands it; avoid '\$' in values"
	done
	local profile
	profile=$(cfg HA_PROFILE production)
	[[ $profile =~ ^(production|local)$ ]] || v_error "HA_PROFILE must be production or local"
	[[ $profile == production ]] || v_warn "HA_PROFILE=$profile: use production on an OpenVidu host"
	for key in HA_CONTROLLER_PORT HA_MINIO_PORT; do
		value=$(cfg "$key")
		[[ -z $value || ($value =~ ^[0-9]+$ && value -ge 1 && value -le 65535) ]] || v_error "$key must be a TCP port"
	done
	v_required HA_ADMIN_PASSWORD HA_RECORDER_PASSWORD HA_WEBHOOK_TOKEN
	for key in HA_ADMIN_PASSWORD HA_RECORDER_PASSWORD HA_METRICS_PASSWORD HA_WEBHOOK_TOKEN; do
		value=$(cfg "$key")
		[[ -z $value || ${#value} -ge 12 ]] || v_error "$key must have at least 12 characters"
	done
	[[ -n $(cfg HA_METRICS_PASSWORD) ]] ||
		v_warn "HA_METRICS_PASSWORD is empty: no read-only metrics user, Prometheus needs the admin password (re-run the installer to generate one)"
	[[ $(cfg HA_ADMIN_PASSWORD) != "$(cfg HA_RECORDER_PASSWORD)" || -z $(cfg HA_ADMIN_PASSWORD) ]] ||
		v_error "HA_ADMIN_PASSWORD and HA_RECORDER_PASSWORD must differ"
	[[ $CONTROLLER_URL =~ ^https?://[^/]+$ ]] || v_error "HA_CONTROLLER_URL must be http(s)://host:port without a path (is: $CONTROLLER_URL)"
	local publish
	for key in HA_CONTROLLER_PUBLISH_ADDRESS HA_MINIO_PUBLISH_ADDRESS; do
		publish=$(cfg "$key" 127.0.0.1)
		[[ $publish != 0.0.0.0 && $publish != '::' ]] ||
			v_warn "$key=$publish publishes on every interface: make sure a firewall protects it"
	done
	if bundled_redis; then
		v_required HA_REDIS_PASSWORD HA_REDIS_URL
		[[ -z $(cfg HA_REDIS_URL) || $(cfg HA_REDIS_URL) == *"$(cfg HA_REDIS_PASSWORD)@redis:"* ]] ||
			v_error "HA_BUNDLED_REDIS=true but HA_REDIS_URL does not name the bundled redis with HA_REDIS_PASSWORD"
		[[ $(cfg HA_REDIS_MAXMEMORY 256mb) =~ ^[1-9][0-9]{0,12}([kmg]b?|b)?$ ]] ||
			v_error "HA_REDIS_MAXMEMORY must be Redis's memory form, e.g. 256mb or 1gb (is: $(cfg HA_REDIS_MAXMEMORY))"
	else
		v_required HA_REDIS_URL
	fi
	[[ -z $(cfg HA_REDIS_URL) || $(cfg HA_REDIS_URL) =~ ^rediss?:// ]] || v_error "HA_REDIS_URL must start with redis:// or rediss://"
	[[ $(cfg HA_BUNDLED_S3 true) =~ ^(true|false|distributed)$ ]] ||
		v_error "HA_BUNDLED_S3 must be true, false or distributed (is: $(cfg HA_BUNDLED_S3))"
	local storage
	storage=$(cfg HA_RECORDING_STORAGE s3)
	case $storage in
	s3)
		v_required HA_S3_ENDPOINT HA_S3_BUCKET HA_S3_ACCESS_KEY HA_S3_SECRET_KEY
		if bundled_s3; then
			v_required HA_MINIO_ROOT_PASSWORD HA_RECORDER_S3_ACCESS_KEY HA_RECORDER_S3_SECRET_KEY HA_RECORDER_S3_ENDPOINT
		elif [[ -z $(cfg HA_RECORDER_S3_ACCESS_KEY) || -z $(cfg HA_RECORDER_S3_SECRET_KEY) ]]; then
			v_warn "HA_RECORDER_S3_ACCESS_KEY/SECRET_KEY are empty: recorders get the controller's S3 credentials; create a user limited to the prefix $(cfg HA_S3_PREFIX recordings/)"
		fi
		[[ $(cfg HA_S3_BUCKET) =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ || -z $(cfg HA_S3_BUCKET) ]] ||
			v_error "HA_S3_BUCKET must be an S3 bucket name (3-63 of a-z 0-9 . -)"
		;;
	local) ;;
	*) v_error "HA_RECORDING_STORAGE must be s3 or local" ;;
	esac
	seconds_of "$(cfg HA_CHUNK_DURATION 10)" >/dev/null || v_error "HA_CHUNK_DURATION must be seconds (10 or 10s)"
	seconds_of "$(cfg HA_HEARTBEAT_INTERVAL 1)" >/dev/null || v_error "HA_HEARTBEAT_INTERVAL must be seconds (1 or 1s)"
	local relay
	relay=$(cfg HA_WEBHOOK_RELAY_URL)
	if [[ -n $relay ]]; then
		[[ $relay =~ ^https?:// ]] || v_error "HA_WEBHOOK_RELAY_URL must be an http(s) URL"
		if is_controller_webhook_url "$relay" "$CONTROLLER_URL"; then
			v_error "HA_WEBHOOK_RELAY_URL points at this controller's own webhook: it would relay every event to itself. Set your application's endpoint, or leave it empty"
		elif [[ $(container_reachable_url "$relay") != "$relay" ]]; then
			v_error "HA_WEBHOOK_RELAY_URL=$(mask_value URL "$relay") is on the loopback: inside the controller's container that is the container itself, so nothing would be delivered. Use $(mask_value URL "$(container_reachable_url "$relay")") (the host; your application must listen on an address Docker's bridge networks reach), or re-run ov2-ha-recorder-install.sh, which does this"
		fi
	fi
	local headers
	headers=$(cfg HA_WEBHOOK_RELAY_HEADERS)
	if [[ -n $headers ]] && ! jq -e 'type == "array" and all(.[]; type == "string" and test("^[^:]+: .+"))' <<<"$headers" >/dev/null 2>&1; then
		v_error "HA_WEBHOOK_RELAY_HEADERS must be a JSON array of \"Name: Value\" strings (OpenVidu's format)"
	fi
	local image
	image=$(cfg HA_RECORDER_IMAGE)
	if [[ -z $image ]]; then
		v_error "HA_RECORDER_IMAGE is empty (the installer sets it to $(site_image))"
	elif ! valid_image_ref "$image"; then
		v_error "HA_RECORDER_IMAGE=$image: OpenVidu needs exactly <name>:<tag> (one ':', no registry port)"
	elif [[ $image != "$(site_image)" ]]; then
		v_warn "HA_RECORDER_IMAGE=$image is not this stack's site image $(site_image)"
	fi
	local rec
	rec=$(cfg HA_RECORDINGS_PATH /opt/openvidu/recordings)
	[[ $rec == /* ]] || v_error "HA_RECORDINGS_PATH must be an absolute path"
	[[ -d $rec ]] || v_error "HA_RECORDINGS_PATH=$rec does not exist (OpenVidu's OPENVIDU_RECORDING_PATH)"
	if command -v docker >/dev/null 2>&1; then
		docker info >/dev/null 2>&1 || v_error "the Docker daemon does not answer"
	else
		v_error "docker is not installed"
	fi
	detect_compose || v_error "no compose: install docker-compose (1.29+) or the docker compose plugin"
	validate_openvidu
	if ((V_ERRORS > 0)); then
		error "$V_ERRORS error(s), $V_WARNINGS warning(s)"
		return 1
	fi
	return 0
}

# validate_openvidu: OpenVidu's .env names our image and our webhook with our token.
validate_openvidu() {
	local ov_env
	ov_env=$(cfg HA_OPENVIDU_PATH /opt/openvidu)/.env
	if [[ ! -r $ov_env ]]; then
		v_warn "OpenVidu's $ov_env is not readable: cannot check that it uses this stack"
		return 0
	fi
	local image endpoint headers webhook token
	image=$(env_get "$ov_env" OPENVIDU_RECORDING_IMAGE)
	webhook=$(env_get "$ov_env" OPENVIDU_WEBHOOK)
	endpoint=$(env_get "$ov_env" OPENVIDU_WEBHOOK_ENDPOINT)
	headers=$(env_get "$ov_env" OPENVIDU_WEBHOOK_HEADERS)
	token=$(cfg HA_WEBHOOK_TOKEN)
	[[ $image == "$(cfg HA_RECORDER_IMAGE)" ]] ||
		v_warn "OpenVidu's OPENVIDU_RECORDING_IMAGE is '${image:-<unset>}', not $(cfg HA_RECORDER_IMAGE): recordings are not protected. Run ov2-ha-recorder-install.sh"
	[[ $webhook == true && ${endpoint%/} == "$CONTROLLER_URL$WEBHOOK_PATH" ]] ||
		v_warn "OpenVidu's webhook does not point at $CONTROLLER_URL$WEBHOOK_PATH. Run ov2-ha-recorder-install.sh"
	if [[ -n $token && $headers != *"$WEBHOOK_AUTH_HEADER: Bearer $token"* ]]; then
		v_warn "OpenVidu's OPENVIDU_WEBHOOK_HEADERS does not carry HA_WEBHOOK_TOKEN: the controller will refuse its webhooks. Run ov2-ha-recorder-install.sh"
	fi
}

cmd_validate() {
	(($# == 0)) || usage_error "validate: no options"
	load_settings
	if validate_all; then
		ok "valid ($V_WARNINGS warning(s))"
	else
		return 1
	fi
}

cmd_reconfigure() {
	(($# == 0)) || usage_error "reconfigure: no options"
	load_settings
	need_docker
	need_compose
	validate_all || die "settings are not valid; nothing changed"
	write_controller_env "$ENV_DIR"
	build_site
	if [[ $(container_state controller) == absent ]]; then
		info "the stack is not running: the new settings apply at the next start"
		return 0
	fi
	bundled_redis && compose up -d redis
	bundled_s3 && start_minio $((SECONDS + 120))
	# the site image was rebuilt: standbys of the old one carry the old settings; removed while
	# no controller can hand them a recording
	compose stop controller
	remove_free_standbys
	compose up -d controller
	wait_controller $((SECONDS + 180)) || die "the controller did not come back UP"
	ok "reconfigured"
}

# ---- test-api -----------------------------------------------------------------------------

T_FAILED=0
check() {
	local what=$1 expected=$2
	if [[ " $expected " == *" $API_STATUS "* ]]; then
		printf '  %sPASS%s %-58s %s\n' "$C_GRN" "$C_OFF" "$what" "$API_STATUS" >&2
		return 0
	fi
	T_FAILED=$((T_FAILED + 1))
	printf '  %sFAIL%s %-58s %s (expected %s)\n' "$C_RED" "$C_OFF" "$what" "${API_STATUS/#0/no answer}" "$expected" >&2
	return 1
}

cmd_test_api() {
	(($# == 0)) || usage_error "test-api: no options"
	load_settings
	T_FAILED=0
	heading "API checks against $CONTROLLER_URL (read-only)"
	api none GET /actuator/health/liveness
	check "liveness (public)" 200
	api none GET /actuator/health
	check "health (public, no details)" 200
	if [[ $API_STATUS == 200 ]] && jq -e '[.. | objects | select(has("details"))] | length > 0' <<<"$API_BODY" >/dev/null 2>&1; then
		T_FAILED=$((T_FAILED + 1))
		printf '  %sFAIL%s %-58s\n' "$C_RED" "$C_OFF" "anonymous health shows details (it must not)" >&2
	fi
	api admin GET /actuator/health
	if check "health with details (admin)" 200; then
		local st
		st=$(jq -r .status <<<"$API_BODY")
		if [[ $st != UP ]]; then
			T_FAILED=$((T_FAILED + 1))
			printf '  %sFAIL%s %-58s %s\n' "$C_RED" "$C_OFF" "controller status" "$st: $(jq -c '.components // {} | map_values(.status)' <<<"$API_BODY")" >&2
		fi
	fi
	api none GET /v3/api-docs
	if check "OpenAPI document (public)" 200; then
		local n
		n=$(jq '[.paths[] | keys[]] | length' <<<"$API_BODY" 2>/dev/null || echo 0)
		info "       $n operations documented"
	fi
	api admin GET '/api/recordings?limit=1'
	check "list recordings (admin)" 200
	api admin GET /actuator/prometheus
	check "metrics (admin)" 200
	api none GET '/api/recordings?limit=1'
	check "list recordings without credentials is refused" 401
	api wrong GET '/api/recordings?limit=1'
	check "list recordings with a wrong password is refused" 401
	api recorder GET '/api/recordings?limit=1'
	check "list recordings as recorder is forbidden" 403
	api recorder GET /actuator/prometheus
	check "metrics as recorder are forbidden" 403
	if [[ -n $(cfg HA_METRICS_PASSWORD) ]]; then
		api metrics GET /actuator/prometheus
		check "metrics (read-only metrics user)" 200
		api metrics GET '/api/recordings?limit=1'
		check "list recordings as metrics user is forbidden" 403
	fi
	# The webhook intake must refuse a request without the token; it is not stored, so it is
	# never relayed to the customer's endpoint (an empty body, no event).
	api none POST "$WEBHOOK_PATH" -H 'Content-Type: application/json' --data '{}'
	check "webhook without token is refused" "401 403"
	if ((T_FAILED > 0)); then
		error "$T_FAILED check(s) failed"
		return 1
	fi
	ok "all API checks passed"
}

# ---- list, download -----------------------------------------------------------------------

cmd_list_recordings() {
	local status='' limit=50 offset=0 json=false
	while (($#)); do
		case $1 in
		--status) status=${2:-}; shift ;;
		--limit) limit=${2:-}; shift ;;
		--offset) offset=${2:-}; shift ;;
		--json) json=true ;;
		*) usage_error "list-recordings: unknown option $1" ;;
		esac
		shift
	done
	[[ -z $status || $status =~ ^[A-Za-z]+$ ]] || usage_error "--status: one of RECORDING STOPPING FINALIZING READY FAILED ABANDONED"
	[[ $limit =~ ^[0-9]+$ && $offset =~ ^[0-9]+$ ]] || usage_error "--limit and --offset need numbers"
	load_settings
	local query="limit=$limit&offset=$offset"
	[[ -n $status ]] && query+="&status=${status^^}"
	api admin GET "/api/recordings?$query"
	api_ok "listing recordings"
	if [[ $json == true ]]; then
		jq . <<<"$API_BODY"
		return 0
	fi
	jq -r '
		(["RECORDING_ID", "STATUS", "EPOCH", "FAILOVERS", "CHUNKS", "SECONDS", "CREATED (UTC)"] | @tsv),
		(.items[] | [.recordingId, .status, .epoch, .failoverCount, .chunkCount, (.chunkSeconds | floor),
			((.createdAt / 1000 | floor) | todate)] | @tsv)' <<<"$API_BODY" | column -t -s $'\t'
	jq -r '"\(.items | length) of \(.total) recording(s)"' <<<"$API_BODY" >&2
}

# api_ok WHAT: dies with the problem's detail unless the last answer was 2xx.
api_ok() {
	[[ $API_STATUS =~ ^2 ]] && return 0
	if [[ $API_STATUS == 0 ]]; then
		die "$1: no answer from the controller at $CONTROLLER_URL (${0##*/} status)"
	fi
	local detail
	detail=$(jq -r '[.title, .detail] | map(select(. != null)) | join(": ")' <<<"$API_BODY" 2>/dev/null || true)
	die "$1: HTTP $API_STATUS${detail:+ ($detail)}"
}

# require_recording_id ID: a usage error (exit 2) unless ID is a valid recording id.
require_recording_id() {
	valid_recording_id "$1" || usage_error "invalid recording id '$1' (allowed: A-Z a-z 0-9 _ ~ -, 1 to 128)"
}

# stuck_verdict CONTROLLER_STATUS HEARTBEAT_AGE_S QUIET_S: the verdict on one recording whose
# .recording.<id> is not final (see `stuck --help`). Age empty: no heartbeat; a negative age (the
# ops host's clock behind the controller's) counts as live.
stuck_verdict() {
	local status=$1 age=$2 quiet=$3
	case $status in
	'') echo unprotected ;;
	FINALIZING) echo finalizing ;;
	FAILED | ABANDONED) echo unsealed ;;
	READY) echo mismatch ;;
	*)
		if [[ -n $age ]] && ((age < quiet)); then echo live; else echo stuck; fi
		;;
	esac
}

# stuck_rows QUIET_S: one TSV row (id, file status, controller status or -, heartbeat age in
# s or empty, verdict) per recording folder whose .recording.<id> is neither ready nor failed.
# Call make_tmp first: in $(...) the temporary folder would be the subshell's, never removed.
stuck_rows() {
	local quiet=$1 rec file id fstatus cstatus at age now t
	rec=$(cfg HA_RECORDINGS_PATH /opt/openvidu/recordings)
	[[ -d $rec ]] || die "HA_RECORDINGS_PATH=$rec does not exist (OpenVidu's OPENVIDU_RECORDING_PATH)"
	now=$(date +%s)
	for file in "$rec"/*/.recording.*; do
		[[ -f $file ]] || continue
		id=${file##*/.recording.}
		[[ ${file%/.recording.*} == "$rec/$id" ]] || continue
		valid_recording_id "$id" || continue
		fstatus=$(jq -r '.status // "unknown"' "$file" 2>/dev/null) || fstatus=unreadable
		[[ $fstatus == ready || $fstatus == failed ]] && continue
		api admin GET "/api/recordings/$id"
		cstatus='' age=''
		if [[ $API_STATUS == 200 ]]; then
			cstatus=$(jq -r '.status // ""' <<<"$API_BODY")
			at=$(jq -r '.lastHeartbeat.at // empty' <<<"$API_BODY")
			if [[ -n $at ]] && t=$(date -d "$at" +%s 2>/dev/null); then
				age=$((now - t))
			fi
		elif [[ $API_STATUS != 404 ]]; then
			api_ok "reading recording $id"
		fi
		printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$fstatus" "${cstatus:--}" "$age" \
			"$(stuck_verdict "$cstatus" "$age" "$quiet")"
	done
}

cmd_stuck() {
	local json=false quiet=60
	while (($#)); do
		case $1 in
		--json) json=true ;;
		--quiet-seconds) quiet=${2:-}; shift ;;
		*) usage_error "stuck: unknown option $1" ;;
		esac
		shift
	done
	[[ $quiet =~ ^[0-9]+$ ]] || usage_error "--quiet-seconds needs a number"
	load_settings
	make_tmp
	local rows bad
	rows=$(stuck_rows "$quiet")
	if [[ $json == true ]]; then
		jq -Rn '[inputs | select(length > 0) | split("\t") | {recordingId: .[0], fileStatus: .[1],
			controllerStatus: (if .[2] == "-" then null else .[2] end),
			heartbeatAgeSeconds: (if .[3] == "" then null else (.[3] | tonumber) end), verdict: .[4]}]' <<<"$rows"
	else
		{
			printf 'RECORDING_ID\tFILE\tCONTROLLER\tHEARTBEAT_AGE_S\tVERDICT\n'
			[[ -z $rows ]] || awk -F'\t' -v OFS='\t' '$4 == "" { $4 = "-" } { print }' <<<"$rows"
		} | column -t -s $'\t'
	fi
	bad=$(awk -F'\t' '$5 == "stuck" || $5 == "unsealed" || $5 == "mismatch"' <<<"$rows" | grep -c . || true)
	if ((bad > 0)); then
		[[ $json == true ]] || info "$bad recording(s) to repair: ${0##*/} repair RECORDING_ID"
		return 3
	fi
	[[ $json == true ]] || info "no stuck recording"
}

cmd_repair() {
	local id='' yes=false quiet=60 stop_wait=30
	while (($#)); do
		case $1 in
		--yes | -y) yes=true ;;
		--quiet-seconds) quiet=${2:-}; shift ;;
		--stop-wait) stop_wait=${2:-}; shift ;;
		-*) usage_error "repair: unknown option $1" ;;
		*)
			[[ -z $id ]] || usage_error "repair: one RECORDING_ID"
			id=$1
			;;
		esac
		shift
	done
	[[ -n $id ]] || usage_error "repair: RECORDING_ID is required (see ${0##*/} stuck)"
	require_recording_id "$id"
	[[ $quiet =~ ^[0-9]+$ && $stop_wait =~ ^[0-9]+$ ]] || usage_error "--quiet-seconds and --stop-wait need numbers"
	load_settings
	make_tmp
	local row verdict
	row=$(stuck_rows "$quiet" | awk -F'\t' -v id="$id" '$1 == id')
	[[ -n $row ]] || die "$id: its .recording.$id is final or missing: nothing to repair"
	verdict=$(cut -f5 <<<"$row")
	case $verdict in
	stuck | unsealed) ;;
	live) die "$id: its recorder is live (a heartbeat in the last $quiet s): stop it through OpenVidu" ;;
	finalizing) die "$id: the controller is finalizing it now: wait, then ${0##*/} stuck" ;;
	mismatch) die "$id: READY in the controller, but its .recording.$id says $(cut -f2 <<<"$row"): see the controller's log (event=finalize.*)" ;;
	*) die "$id: the controller does not know it (recorded without OV2 HA Recorder): nothing to join" ;;
	esac
	if [[ $yes != true ]]; then
		local answer=''
		read -r -p "Finalize $id from its chunks and announce it? [y/N] " answer || true
		[[ $answer =~ ^[yY] ]] || die "cancelled"
	fi
	if [[ $verdict == stuck ]]; then
		# the controller stops what may still run of its recorder, then finalizes: wait for the
		# stop (its last chunk), then join that finalization (never a second attempt beside it)
		api admin POST "/api/recordings/$id/stop"
		api_ok "stopping $id"
		local deadline=$((SECONDS + stop_wait))
		while ((SECONDS < deadline)); do
			api admin GET "/api/recordings/$id"
			[[ $API_STATUS == 200 && $(jq -r '.status // ""' <<<"$API_BODY") == STOPPING ]] || break
			sleep 1
		done
		api admin POST "/api/recordings/$id/finalize?waitSeconds=25"
	else
		# FAILED or ABANDONED: a new attempt
		api admin POST "/api/recordings/$id/finalize?force=true&waitSeconds=25"
	fi
	# 409 recording-final: it ended meanwhile (the stop's own finalization, or the controller's repair)
	[[ $API_STATUS == 409 && $(jq -r '.type // ""' <<<"$API_BODY") == *recording-final ]] ||
		api_ok "finalizing $id"
	api admin GET "/api/recordings/$id/finalization"
	api_ok "reading the finalization of $id"
	local state
	state=$(jq -r '.state // "?"' <<<"$API_BODY")
	case $state in
	DONE) ok "$id: READY ($(jq -r '"\(.keptChunks | length) chunk(s), \(.output.durationSeconds // 0) s"' <<<"$API_BODY")), sealed and announced" ;;
	FAILED) warn "$id: FAILED ($(jq -r '.error // "no reason"' <<<"$API_BODY")), sealed failed and announced" ;;
	*) info "$id: finalization $state: the controller goes on (${0##*/} stuck shows when it is done)" ;;
	esac
}

cmd_download() {
	local id='' output=''
	while (($#)); do
		case $1 in
		-o | --output) output=${2:-}; shift ;;
		-*) usage_error "download: unknown option $1" ;;
		*)
			[[ -z $id ]] || usage_error "download: one recording id"
			id=$1
			;;
		esac
		shift
	done
	[[ -n $id ]] || usage_error "download: RECORDING_ID is required"
	require_recording_id "$id"
	load_settings
	output=${output:-./$id.mp4}
	[[ ! -e $output ]] || die "$output exists: choose another --output"
	local part=$output.part
	[[ ! -e $part ]] || die "$part exists (an interrupted download?): remove it first"
	: >"$part" || die "cannot write $part"
	API_TIMEOUT=3600 api_request admin GET "/api/recordings/$id/download" "$part"
	if [[ ! $API_STATUS =~ ^2 ]]; then
		# An error answer is a small problem document; never read a large file into a variable.
		API_BODY=$(head -c 65536 "$part" | tr -d '\0' || true)
		rm -f "$part"
		[[ $API_STATUS == 404 ]] && die "recording $id not found, or its final MP4 is not available (yet)"
		api_ok "downloading $id"
	fi
	mv -f "$part" "$output"
	ok "downloaded $output ($(stat -c %s "$output") bytes)"
}

# ---- backup -------------------------------------------------------------------------------

# redis_snapshot FILE: an RDB snapshot produced by the Redis server itself (replication
# protocol), consistent at one instant. The password travels in REDISCLI_AUTH.
redis_snapshot() {
	local out=$1
	if bundled_redis; then
		local id
		id=$(docker ps -q --filter "label=com.docker.compose.project=$OV2HA_PROJECT" --filter label=com.docker.compose.service=redis | head -n 1)
		[[ -n $id ]] || die "the redis container is not running: ${0##*/} start"
		# redis-cli reports its progress on stderr: kept for the error message only.
		docker exec "$id" sh -c 'REDISCLI_AUTH="$HA_REDIS_PASSWORD" redis-cli --rdb /tmp/ov2ha-backup.rdb' \
			>/dev/null 2>"$TMP_DIR/redis.err" || die "redis snapshot failed: $(tail -n 1 "$TMP_DIR/redis.err")"
		docker cp "$id:/tmp/ov2ha-backup.rdb" "$out" >/dev/null
		docker exec "$id" rm -f /tmp/ov2ha-backup.rdb
		return 0
	fi
	[[ -z $(cfg HA_REDIS_SENTINELS) ]] ||
		die "backup of a Redis behind Sentinel (HA_REDIS_SENTINELS) is not done here: back up its primary with your Redis tooling"
	local url host port db pass userinfo
	url=$(cfg HA_REDIS_URL)
	[[ $url =~ ^redis://(([^@]*)@)?([^:/]+)(:([0-9]+))?(/([0-9]+))?$ ]] ||
		die "backup of an external Redis needs HA_REDIS_URL as redis://[:password@]host:port[/db] (rediss:// is not supported here; use your provider's backups)"
	userinfo=${BASH_REMATCH[2]}
	host=${BASH_REMATCH[3]}
	port=${BASH_REMATCH[5]:-6379}
	db=${BASH_REMATCH[7]:-0}
	local user=''
	if [[ $userinfo == *:* ]]; then
		user=${userinfo%%:*} pass=${userinfo#*:}
	else
		pass=$userinfo
	fi
	local -a args=(-h "$host" -p "$port" -n "$db")
	[[ -n $user ]] && args+=(--user "$user")
	if command -v redis-cli >/dev/null 2>&1; then
		REDISCLI_AUTH=$pass redis-cli "${args[@]}" --rdb "$out" >/dev/null 2>"$TMP_DIR/redis.err" ||
			die "redis snapshot failed: $(tail -n 1 "$TMP_DIR/redis.err") (managed Redis services may refuse SYNC: use their backups)"
	else
		local image
		image=$(cfg HA_REDIS_IMAGE redis:7.2.7-alpine)
		image_exists "$image" || die "redis-cli is needed for the backup: apt-get install redis-tools"
		# The password in a private env file, never on a command line (visible in `ps`).
		(umask 077 && printf 'REDISCLI_AUTH=%s\n' "$pass" >"$TMP_DIR/redis-auth.env")
		docker run --rm --pull never --network host --env-file "$TMP_DIR/redis-auth.env" -v "$(dirname "$out"):/out" "$image" \
			redis-cli "${args[@]}" --rdb "/out/$(basename "$out")" >/dev/null 2>"$TMP_DIR/redis.err" ||
			die "redis snapshot failed: $(tail -n 1 "$TMP_DIR/redis.err")"
		rm -f "$TMP_DIR/redis-auth.env"
	fi
}

cmd_backup() {
	local outdir=''
	while (($#)); do
		case $1 in
		-o | --output) outdir=${2:-}; shift ;;
		*) usage_error "backup: unknown option $1" ;;
		esac
		shift
	done
	load_settings
	make_tmp
	outdir=${outdir:-$ENV_DIR/backups}
	(umask 077 && mkdir -p "$outdir")
	local stamp name stage
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	name=ov2-ha-backup-$stamp
	stage=$TMP_DIR/$name
	(umask 077 && mkdir -p "$stage/config")
	info "taking a Redis snapshot through the server"
	redis_snapshot "$stage/redis.rdb"
	[[ -s $stage/redis.rdb ]] || die "the Redis snapshot is empty"
	cp "$ENV_FILE" "$stage/config/env"
	cp "$COMPOSE_FILE" "$stage/config/docker-compose.yml"
	cp -r "$SCRIPT_DIR/monitoring" "$stage/config/monitoring" 2>/dev/null || true
	local ov_env
	ov_env=$(cfg HA_OPENVIDU_PATH /opt/openvidu)/.env
	[[ -r $ov_env ]] && cp "$ov_env" "$stage/config/openvidu.env"
	{
		echo "created=$stamp"
		echo "version=$(project_version "$REPO_DIR")"
		echo "image_tag=$(image_tag "$REPO_DIR")"
		echo "redis_rdb_sha256=$(sha256sum "$stage/redis.rdb" | cut -c1-64)"
	} >"$stage/MANIFEST"
	chmod -R go-rwx "$stage"
	local archive=$outdir/$name.tar.gz
	(umask 077 && tar -C "$TMP_DIR" -czf "$archive" "$name")
	chmod 600 "$archive"
	ok "backup written: $archive (mode 600; it contains secrets)"
}

# ---- restore ------------------------------------------------------------------------------

# backup_unpack ARCHIVE: extracts ARCHIVE into TMP_DIR and prints the backup's folder, after
# checking the snapshot against the MANIFEST.
backup_unpack() {
	local archive=$1 dir sum
	[[ -f $archive && -r $archive ]] || die "backup $archive not found or not readable"
	(umask 077 && mkdir -p "$TMP_DIR/restore")
	tar -C "$TMP_DIR/restore" -xzf "$archive" 2>"$TMP_DIR/tar.err" ||
		die "$archive is not a backup archive: $(tail -n 1 "$TMP_DIR/tar.err")"
	dir=$(find "$TMP_DIR/restore" -mindepth 1 -maxdepth 1 -type d -name 'ov2-ha-backup-*' | head -n 1)
	[[ -n $dir && -s $dir/redis.rdb && -f $dir/MANIFEST ]] || die "$archive holds no ov2-ha-backup-*/redis.rdb and MANIFEST"
	sum=$(env_get "$dir/MANIFEST" redis_rdb_sha256)
	[[ $sum == "$(sha256sum "$dir/redis.rdb" | cut -c1-64)" ]] || die "$archive: the snapshot does not match its MANIFEST (damaged)"
	printf '%s' "$dir"
}

cmd_restore() {
	local archive='' yes=false force=false
	while (($#)); do
		case $1 in
		--yes | -y) yes=true ;;
		--force) force=true ;;
		-*) usage_error "restore: unknown option $1" ;;
		*)
			[[ -z $archive ]] || usage_error "restore: one archive"
			archive=$1
			;;
		esac
		shift
	done
	[[ -n $archive ]] || usage_error "restore: ARCHIVE is required (docker/backups/ov2-ha-backup-*.tar.gz)"
	load_settings
	bundled_redis || die "restore loads the snapshot into the bundled Redis; with an external Redis (HA_BUNDLED_REDIS=false) load redis.rdb from the archive with your Redis provider's tools"
	need_docker
	need_compose
	make_tmp
	local dir created image
	dir=$(backup_unpack "$archive")
	created=$(env_get "$dir/MANIFEST" created)
	image=$(cfg HA_REDIS_IMAGE redis:7.2.7-alpine)
	image_exists "$image" || die "the Redis image $image is missing: ${0##*/} start (it runs the bundled Redis)"
	if [[ $(controller_health) == UP ]]; then
		refuse_if_recording restore "$force"
	fi
	if [[ $yes != true ]]; then
		local answer=''
		read -r -p "Replace ALL Redis state of $OV2HA_PROJECT with the snapshot of $created? Type RESTORE: " answer || true
		[[ $answer == RESTORE ]] || die "cancelled; nothing changed"
	fi
	write_controller_env "$ENV_DIR"
	info "stopping the controller and Redis"
	compose stop controller
	compose up --no-start redis
	compose stop redis
	local id
	id=$(docker ps -aq --filter "label=com.docker.compose.project=$OV2HA_PROJECT" --filter label=com.docker.compose.service=redis | head -n 1)
	[[ -n $id ]] || die "no redis container of $OV2HA_PROJECT to restore into"
	info "loading the snapshot of $created into Redis's volume"
	docker run --rm --pull never --network none --volumes-from "$id" -v "$dir:/restore:ro" \
		-v "$SCRIPT_DIR/redis-restore.sh:/ov2ha/redis-restore.sh:ro" --entrypoint sh "$image" \
		/ov2ha/redis-restore.sh /restore/redis.rdb /data || die "loading the snapshot failed (Redis and the controller are stopped: ${0##*/} start)"
	local deadline=$((SECONDS + 180))
	info "starting Redis and the controller"
	compose up -d redis
	wait_healthy redis "$deadline" || die "redis did not become healthy: ${0##*/} logs redis"
	compose up -d controller
	wait_healthy controller "$deadline" || die "the controller did not become healthy: ${0##*/} logs controller"
	wait_controller "$deadline" || die "the controller is not UP: ${0##*/} status"
	ok "restored the Redis state of $created (settings files in the archive's config/ were not applied)"
}

# ---- clean --------------------------------------------------------------------------------

# remove_images: the images this installation built, and nothing else: its tag (HA_IMAGE_TAG,
# else the project version) of the controller, generic recorder and site recorder images, and
# the controller's untagged build-stage images (label io.ov2ha.build-stage=controller, set in
# docker/Dockerfile). Other tags of the same names are kept.
remove_images() {
	local ref id
	for ref in "$(controller_image)" "$(site_image)" "$(recorder_image)"; do
		image_exists "$ref" || continue
		if docker image rm "$ref" >/dev/null; then
			info "removed image $ref"
		else
			warn "could not remove image $ref (a container still uses it?)"
		fi
	done
	while IFS= read -r id; do
		[[ -n $id ]] || continue
		if docker image rm "$id" >/dev/null 2>&1; then
			info "removed the controller's build-stage image ${id#sha256:}"
		fi
	done < <(docker images -q --no-trunc --filter dangling=true --filter "label=$BUILD_STAGE_LABEL" | sort -u)
}

cmd_clean() {
	local images=false volumes=false yes=false force=false
	while (($#)); do
		case $1 in
		--images) images=true ;;
		--volumes) volumes=true ;;
		--yes | -y) yes=true ;;
		--force) force=true ;;
		*) usage_error "clean: unknown option $1" ;;
		esac
		shift
	done
	load_settings
	need_docker
	need_compose
	if [[ $(controller_health) == UP ]]; then
		refuse_if_recording clean "$force"
	fi
	local backups
	backups=$(docker ps -q --filter label=io.ov2ha.managed=true --filter label=io.ov2ha.role=backup | wc -l)
	if ((backups > 0)) && [[ $force != true ]]; then
		die "$backups backup recorder(s) are running (recordings in progress); use --force to clean anyway (they keep running)"
	fi
	if [[ $images == true ]]; then
		local ov_env image
		ov_env=$(cfg HA_OPENVIDU_PATH /opt/openvidu)/.env
		image=$(env_get "$ov_env" OPENVIDU_RECORDING_IMAGE)
		if [[ $image == "$SITE_IMAGE_NAME":* ]]; then
			die "OpenVidu's .env still uses $image: removing it would break OpenVidu's recordings. Run ov2-ha-recorder-install.sh --uninstall first"
		fi
	fi
	if [[ $volumes == true && $yes != true ]]; then
		local answer=''
		read -r -p "Delete the volumes of $OV2HA_PROJECT (ALL Redis state and stored chunks)? Type DELETE: " answer || true
		[[ $answer == DELETE ]] || die "cancelled"
	fi
	write_controller_env "$ENV_DIR"
	local -a down=(down --remove-orphans)
	[[ $volumes == true ]] && down+=(--volumes)
	# All profiles: containers of services in any profile of this project go.
	PROFILES=(--profile redis --profile s3 --profile s3-distributed)
	compose "${down[@]}"
	remove_free_standbys
	[[ $images == true ]] && remove_images
	rm -f "$ENV_DIR/controller.env"
	rm -rf "$ENV_DIR/site"
	ok "cleaned project $OV2HA_PROJECT only (no prune)"
}

# ---- test-recording -----------------------------------------------------------------------

SELFTEST_CONTAINER=''
# Self-test recordings carry this reserved id prefix: the controller never relays their webhook
# events to the customer's endpoint (docs/operations.md).
SELFTEST_ID_PREFIX=ov2ha-selftest-

selftest_cleanup_container() {
	if [[ -n $SELFTEST_CONTAINER ]]; then
		docker rm -f "$SELFTEST_CONTAINER" >/dev/null 2>&1 || true
	fi
}

# recording_field JQ: a field of the last GET /api/recordings/{id}.
recording_field() {
	jq -r "$1 // empty" <<<"$API_BODY" 2>/dev/null || true
}

# media_duration FOLDER NAME ID: the final MP4's duration in seconds: from <id>.info (the
# controller's ffprobe JSON), else ffprobe, else ffprobe inside the site image.
media_duration() {
	local dir=$1 name=$2 id=$3 d=''
	if [[ -r $dir/$id.info ]]; then
		d=$(jq -r '.format.duration // empty' "$dir/$id.info" 2>/dev/null || true)
	fi
	if [[ -z $d ]] && command -v ffprobe >/dev/null 2>&1; then
		d=$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$dir/$name.mp4" 2>/dev/null || true)
	fi
	if [[ -z $d ]]; then
		d=$(docker run --rm --pull never --network none -v "$dir:/r:ro" --entrypoint ffprobe "$(site_image)" \
			-v error -show_entries format=duration -of default=nw=1:nk=1 "/r/$name.mp4" 2>/dev/null || true)
	fi
	printf '%s' "$d"
}

has_video_stream() {
	local dir=$1 name=$2 id=$3
	if [[ -r $dir/$id.info ]] && jq -e '[.streams[]? | select(.codec_type == "video")] | length > 0' "$dir/$id.info" >/dev/null 2>&1; then
		return 0
	fi
	if command -v ffprobe >/dev/null 2>&1; then
		[[ -n $(ffprobe -v error -select_streams v -show_entries stream=codec_type -of csv=p=0 "$dir/$name.mp4" 2>/dev/null) ]]
		return
	fi
	[[ -n $(docker run --rm --pull never --network none -v "$dir:/r:ro" --entrypoint ffprobe "$(site_image)" \
		-v error -select_streams v -show_entries stream=codec_type -of csv=p=0 "/r/$name.mp4" 2>/dev/null) ]]
}

# selftest_verdict RECORDED_MS DURATION FAILOVER HEAD_MAX GAP_MAX: whether the final MP4 holds
# what was recorded. The shortfall (from the recorder's start to the stop, minus the MP4's
# duration) may be at most the head-loss target, plus the failover-gap target when a failover
# happened. Prints the measures; returns 1 when the shortfall is larger.
selftest_verdict() {
	local recorded_ms=$1 duration=$2 failover=$3 head_max=$4 gap_max=$5 allowed what
	allowed=$head_max
	what="head loss <= $head_max s"
	if [[ $failover == true ]]; then
		allowed=$(awk -v h="$head_max" -v g="$gap_max" 'BEGIN { printf "%g", h + g }')
		what+=" + failover gap <= $gap_max s"
	fi
	local line
	line=$(awk -v r="$recorded_ms" -v d="$duration" -v a="$allowed" 'BEGIN {
		s = r / 1000 - d
		printf "%.1f %.1f %d", r / 1000, s, (s > a) }')
	local recorded shortfall over
	read -r recorded shortfall over <<<"$line"
	info "  shortfall   $shortfall s (recorded $recorded s from the recorder's start to the stop, MP4 $duration s; allowed $allowed s: $what)"
	if ((over)); then
		error "the final MP4 lacks $shortfall s of the $recorded s recorded: more than the $allowed s allowed ($what; options --max-head-loss, --max-failover-gap)"
		return 1
	fi
}

cmd_test_recording() {
	local seconds=30 failover=false keep=false timeout=180 head_max=2 gap_max=4
	while (($#)); do
		case $1 in
		--seconds) seconds=${2:-}; shift ;;
		--max-head-loss) head_max=${2:-}; shift ;;
		--max-failover-gap) gap_max=${2:-}; shift ;;
		--failover) failover=true ;;
		--keep) keep=true ;;
		--timeout) timeout=${2:-}; shift ;;
		*) usage_error "test-recording: unknown option $1" ;;
		esac
		shift
	done
	if [[ ! $seconds =~ ^[0-9]+$ ]] || ((seconds < 10 || seconds > 3600)); then
		usage_error "--seconds: 10 to 3600"
	fi
	[[ $timeout =~ ^[0-9]+$ ]] || usage_error "--timeout needs a number of seconds"
	[[ $head_max =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage_error "--max-head-loss needs a number of seconds"
	[[ $gap_max =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage_error "--max-failover-gap needs a number of seconds"
	load_settings
	need_docker
	local image rec status chunk_s
	image=$(site_image)
	rec=$(cfg HA_RECORDINGS_PATH /opt/openvidu/recordings)
	chunk_s=$(seconds_of "$(cfg HA_CHUNK_DURATION 10)") || chunk_s=10
	[[ $(controller_health) == UP ]] || die "the controller at $CONTROLLER_URL is not UP: ${0##*/} status"
	image_exists "$image" || die "the site recorder image $image is missing: ${0##*/} build"
	[[ -d $rec && -w $rec ]] || die "the recordings folder $rec is missing or not writable here (run as root)"
	((seconds >= 2 * chunk_s)) || warn "--seconds $seconds is less than two chunks of ${chunk_s}s"

	local id created name url json cid
	id=$SELFTEST_ID_PREFIX$(date -u +%Y%m%d%H%M%S)-$(random_secret 4)
	created=$(($(date +%s%N) / 1000000))
	name=$id
	# A page the recorder's browser can open on the host network: the controller's API docs.
	url=$CONTROLLER_URL/swagger-ui/index.html
	json=$(jq -cn --arg id "$id" --argjson created "$created" '{id: $id, object: "recording", name: $id,
		outputMode: "COMPOSED", resolution: "640x360", frameRate: 15, recordingLayout: "BEST_FIT",
		sessionId: "ov2ha-selftest", uniqueSessionId: ("ov2ha-selftest_" + ($created | tostring)),
		createdAt: $created, size: 0, duration: 0.0, url: null, hasAudio: false, hasVideo: true,
		status: "started"}')
	heading "Test recording $id (${seconds}s$([[ $failover == true ]] && echo ', with failover'))"
	SELFTEST_CONTAINER=ov2ha-selftest-primary-${id#"$SELFTEST_ID_PREFIX"}
	trap 'selftest_cleanup_container; cleanup' EXIT
	# Exactly OpenVidu's container parameters (environment in OpenVidu's order), another name.
	local started_ms stopped_ms
	started_ms=$(date +%s%3N)
	cid=$(docker run -d --pull never --name "$SELFTEST_CONTAINER" --network host --shm-size 536870912 \
		-v "$rec/:/recordings" --label "$OV2HA_LABEL" --label io.ov2ha.selftest=true \
		-e DEBUG_MODE=false -e CONTAINER_WORKING_MODE=COMPOSED -e "URL=$url" -e ONLY_VIDEO=true \
		-e RESOLUTION=640x360 -e FRAMERATE=15 -e "VIDEO_ID=$id" -e "VIDEO_NAME=$name" -e VIDEO_FORMAT=mp4 \
		-e "RECORDING_JSON=$json" "$image") || die "could not start the recorder container"
	local t0=$SECONDS deadline
	info "  recorder started (container ${cid:0:12})"

	# OpenVidu's rule: a non-empty <name>.mp4 within 30 s.
	deadline=$((SECONDS + 30))
	until [[ -s $rec/$id/$name.mp4 ]]; do
		if ((SECONDS >= deadline)) || [[ $(docker inspect -f '{{.State.Running}}' "$cid" 2>/dev/null) != true ]]; then
			docker logs --tail 30 "$cid" >&2 2>&1 || true
			die "no non-empty $rec/$id/$name.mp4 within 30 s (OpenVidu would fail this recording)"
		fi
		sleep 0.5
	done
	info "  placeholder $name.mp4 present after $((SECONDS - t0)) s"
	deadline=$((SECONDS + 30))
	until api admin GET "/api/recordings/$id" && [[ $API_STATUS == 200 ]]; do
		((SECONDS < deadline)) || die "the recorder did not register with the controller within 30 s (docker logs $SELFTEST_CONTAINER)"
		sleep 1
	done
	info "  registered with the controller (epoch $(recording_field .epoch))"

	if [[ $failover == true ]]; then
		deadline=$((SECONDS + chunk_s * 3 + 30))
		until api admin GET "/api/recordings/$id" && [[ $(recording_field .chunks.count) -ge 1 ]]; do
			((SECONDS < deadline)) || die "no chunk reported within $((chunk_s * 3 + 30)) s"
			sleep 1
		done
		info "  first chunk stored; killing the recorder (docker kill)"
		local killed_at=$SECONDS
		docker kill "$cid" >/dev/null
		deadline=$((SECONDS + 60))
		until api admin GET "/api/recordings/$id" && [[ $(recording_field .epoch) -ge 1 ]]; do
			if ((SECONDS >= deadline)); then
				die "no backup recorder started within 60 s of the kill (status: $(recording_field .status); is failover enabled? ${0##*/} status)"
			fi
			sleep 0.5
		done
		info "  backup started by the controller after $((SECONDS - killed_at)) s (epoch $(recording_field .epoch))"
	fi

	local left=$((seconds - (SECONDS - t0)))
	if ((left > 0)); then
		info "  recording for $left more second(s)"
		sleep "$left"
	fi

	stopped_ms=$(date +%s%3N)
	if [[ $failover == true ]]; then
		info "  stopping through the admin API (OpenVidu's own container is dead)"
		api admin POST "/api/recordings/$id/stop"
		api_ok "stopping $id"
	else
		info "  stopping as OpenVidu does: q to /stop"
		docker exec "$cid" bash -c "echo 'q' > stop" || die "docker exec into the recorder failed"
		if ! timeout 35 docker wait "$cid" >/dev/null; then
			die "the recorder did not exit within 30 s of the stop (OpenVidu would mark the recording failed)"
		fi
		info "  recorder exited $(docker inspect -f '{{.State.ExitCode}}' "$cid") after the stop"
	fi

	deadline=$((SECONDS + timeout))
	while :; do
		api admin GET "/api/recordings/$id"
		status=$(recording_field .status)
		case $status in READY | FAILED | ABANDONED) break ;; esac
		((SECONDS < deadline)) || break
		sleep 1
	done
	local detail=$API_BODY dir=$rec/$id failovers chunks
	failovers=$(jq -r '.failoverCount // 0' <<<"$detail")
	chunks=$(jq -r '.chunks.count // 0' <<<"$detail")
	heading "Result"
	info "  status      ${status:-unknown}"
	info "  chunks      $chunks, failovers $failovers, epoch $(jq -r '.epoch // 0' <<<"$detail")"
	local result=0 duration=''
	if [[ -s $dir/$name.mp4 ]]; then
		duration=$(media_duration "$dir" "$name" "$id")
		info "  final MP4   $dir/$name.mp4 ($(stat -c %s "$dir/$name.mp4") bytes)"
		info "  duration    ${duration:-unknown} s (recorded for ${seconds} s)"
	else
		info "  final MP4   missing"
	fi
	local gaps
	gaps=$(jq -c '[.. | objects | .gaps? // empty | .[]?] | unique' <<<"$detail" 2>/dev/null || echo '[]')
	[[ $gaps == '[]' || -z $gaps ]] || info "  chunk gaps  $gaps (sequence numbers missing from the final, as the controller reports them)"
	if [[ $status != READY ]]; then
		error "the recording did not become READY within ${timeout} s after the stop (status: ${status:-unknown})"
		result=1
	elif [[ -z $duration ]] || ! has_video_stream "$dir" "$name" "$id"; then
		error "the final MP4 is missing or has no video stream"
		result=1
	elif ! selftest_verdict $((stopped_ms - started_ms)) "$duration" "$failover" "$head_max" "$gap_max"; then
		result=1
	fi

	selftest_cleanup_container
	local backup
	while IFS= read -r backup; do
		if [[ -n $backup ]]; then
			docker rm -f "$backup" >/dev/null 2>&1 || true
		fi
	done < <(docker ps -aq --filter "label=io.ov2ha.recording-id=$id" 2>/dev/null)
	if [[ $keep == true ]]; then
		info "  kept: $dir and the registry entry (remove later: DELETE /api/recordings/$id?force=true, rm -r $dir)"
	else
		api admin DELETE "/api/recordings/$id?force=true"
		# Files were written by root in the containers; remove them the same way. $id is validated.
		docker run --rm --pull never --network none -v "$rec/:/recordings" --entrypoint rm "$image" -rf "/recordings/$id" ||
			warn "could not remove $dir"
		info "  test recording removed (chunks in S3 follow HA_CHUNK_RETENTION)"
	fi
	if ((result == 0)); then
		ok "test recording PASSED"
	else
		error "test recording FAILED"
	fi
	return "$result"
}

# ---- main ---------------------------------------------------------------------------------

main() {
	trap cleanup EXIT
	while (($#)); do
		case $1 in
		--env-file)
			[[ -n ${2:-} ]] || usage_error "--env-file needs a file"
			ENV_FILE=$2
			shift 2
			;;
		-h | --help | help)
			if [[ $1 == help && -n ${2:-} ]]; then
				command_help "$2" || usage_error "unknown command: $2"
			else
				usage
			fi
			return 0
			;;
		-*) usage_error "unknown option $1" ;;
		*) break ;;
		esac
	done
	(($#)) || { usage >&2; exit 2; }
	local command=$1
	shift
	local arg
	for arg in "$@"; do
		if [[ $arg == -h || $arg == --help ]]; then
			command_help "$command" || usage_error "unknown command: $command"
			return 0
		fi
	done
	require_command curl "apt-get install curl"
	require_command jq "apt-get install jq"
	case $command in
	start) cmd_start "$@" ;;
	stop) cmd_stop "$@" ;;
	restart) cmd_restart "$@" ;;
	status) cmd_status "$@" ;;
	logs) cmd_logs "$@" ;;
	health) cmd_health "$@" ;;
	config) cmd_config "$@" ;;
	validate) cmd_validate "$@" ;;
	reconfigure) cmd_reconfigure "$@" ;;
	build) cmd_build "$@" ;;
	test-api) cmd_test_api "$@" ;;
	test-recording) cmd_test_recording "$@" ;;
	list-recordings) cmd_list_recordings "$@" ;;
	download) cmd_download "$@" ;;
	stuck) cmd_stuck "$@" ;;
	repair) cmd_repair "$@" ;;
	backup) cmd_backup "$@" ;;
	restore) cmd_restore "$@" ;;
	clean) cmd_clean "$@" ;;
	*) usage_error "unknown command: $command" ;;
	esac
}

# is_sourced: true when this file is sourced (the tests call its functions), not run.
is_sourced() {
	[[ ${#FUNCNAME[@]} -ge 2 && ${FUNCNAME[0]} == is_sourced && ${FUNCNAME[1]} == source ]]
}

if ! is_sourced; then
	main "$@"
fi
