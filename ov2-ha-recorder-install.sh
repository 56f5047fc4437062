#!/usr/bin/env bash
# OV2 HA Recorder installer: run once on the OpenVidu 2 CE host (again at any time: a re-run
# changes nothing that is already right).
#
# Usage: ov2-ha-recorder-install.sh [OPTIONS] [OPENVIDU_PATH]
#
# What it does:
#   1. checks the prerequisites (docker, compose, curl, jq, free disk);
#   2. finds OpenVidu 2 CE (default /opt/openvidu): its version from docker-compose.yml, the
#      recordings folder, domain and webhook settings from its .env;
#   3. writes docker/.env from .env_template (mode 600): random secrets generated once, your
#      existing values kept;
#   4. builds the images (controller, recorder, site recorder with its settings baked in),
#      starts the stack and waits until it is healthy;
#   5. edits OpenVidu's .env (timestamped backup, only the keys it owns):
#      OPENVIDU_RECORDING_IMAGE, OPENVIDU_WEBHOOK, OPENVIDU_WEBHOOK_ENDPOINT,
#      OPENVIDU_WEBHOOK_HEADERS (and adds recordingStatusChanged to OPENVIDU_WEBHOOK_EVENTS if
#      a list without it is set). A webhook endpoint of yours already there becomes the
#      controller's relay target (HA_WEBHOOK_RELAY_URL), never the controller itself;
#   6. tells you to restart OpenVidu, or does it with --restart-openvidu.
#
# Options:
#   --openvidu-path PATH   OpenVidu's folder (default: /opt/openvidu, or HA_OPENVIDU_PATH)
#   --auto                 non-interactive: no questions, defaults and detected values
#   --dry-run              print every change, change nothing
#   --uninstall            stop the stack, restore OpenVidu's .env from the backup
#   --restart-openvidu     restart OpenVidu after changing its .env (interrupts sessions)
#   --config-only          write the configuration only: no image build, no start/stop
#   --controller-url URL   controller URL for recorders and OpenVidu (default
#                          http://127.0.0.1:<HA_CONTROLLER_PORT>)
#   --external-redis URL   use this Redis (redis://[:password@]host:port[/db]) instead of the
#                          bundled one
#   --storage s3|local     chunk storage (default s3 with the bundled MinIO)
#   --env-file FILE        settings file to write (default docker/.env next to this script)
#   --show-secrets         print the generated passwords and tokens in the final summary
#   --force                uninstall or restart even while recordings are in progress
#   -h, --help             this help
#
# Exit status: 0 on success, 1 on failure, 2 on bad usage.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

SCRIPT_PATH=$(readlink -f "${BASH_SOURCE[0]}")
REPO_DIR=$(dirname "$SCRIPT_PATH")
DOCKER_DIR=$REPO_DIR/docker
OPS=$DOCKER_DIR/ov2-ha-recorder.sh
TEMPLATE=$REPO_DIR/.env_template
# shellcheck source=docker/lib/common.sh
source "$DOCKER_DIR/lib/common.sh"

OPENVIDU_PATH=''
AUTO=false
DRY_RUN=false
UNINSTALL=false
RESTART_OPENVIDU=false
CONFIG_ONLY=false
SHOW_SECRETS=false
FORCE=false
CONTROLLER_URL_ARG=''
EXTERNAL_REDIS=''
STORAGE_ARG=''
ENV_FILE=$DOCKER_DIR/.env
ENV_DIR=''
STATE_FILE=''
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
# Keys of OpenVidu's .env this installer owns; nothing else is ever changed there.
OWNED_KEYS=(OPENVIDU_RECORDING_IMAGE OPENVIDU_WEBHOOK OPENVIDU_WEBHOOK_ENDPOINT OPENVIDU_WEBHOOK_HEADERS
	OPENVIDU_WEBHOOK_EVENTS)
GENERATED_SECRETS=()
MIN_FREE_GB=2
WARN_FREE_GB=10

parse_args() {
	while (($#)); do
		case $1 in
		--openvidu-path) OPENVIDU_PATH=${2:?--openvidu-path needs a folder}; shift ;;
		--auto) AUTO=true ;;
		--dry-run) DRY_RUN=true ;;
		--uninstall) UNINSTALL=true ;;
		--restart-openvidu) RESTART_OPENVIDU=true ;;
		--config-only) CONFIG_ONLY=true ;;
		--controller-url) CONTROLLER_URL_ARG=${2:?--controller-url needs a URL}; shift ;;
		--external-redis) EXTERNAL_REDIS=${2:?--external-redis needs a URL}; shift ;;
		--storage) STORAGE_ARG=${2:?--storage needs s3 or local}; shift ;;
		--env-file) ENV_FILE=${2:?--env-file needs a file}; shift ;;
		--show-secrets) SHOW_SECRETS=true ;;
		--force) FORCE=true ;;
		-h | --help) usage; exit 0 ;;
		-*) usage_error "unknown option $1" ;;
		*)
			[[ -z $OPENVIDU_PATH ]] || usage_error "one OpenVidu path at most"
			OPENVIDU_PATH=$1
			;;
		esac
		shift
	done
	[[ -z $STORAGE_ARG || $STORAGE_ARG =~ ^(s3|local)$ ]] || usage_error "--storage: s3 or local"
	[[ -z $CONTROLLER_URL_ARG ]] || valid_controller_url "$CONTROLLER_URL_ARG" ||
		usage_error "--controller-url must be http(s)://host[:port] (letters, digits, '.', '-', or [IPv6]; port 1-65535; no path, no spaces or control characters)"
	[[ -z $EXTERNAL_REDIS || $EXTERNAL_REDIS =~ ^rediss?:// ]] || usage_error "--external-redis must be a redis:// or rediss:// URL"
	CONTROLLER_URL_ARG=${CONTROLLER_URL_ARG%/}
	ENV_DIR=$(cd "$(dirname "$ENV_FILE")" 2>/dev/null && pwd) || usage_error "folder of $ENV_FILE does not exist"
	ENV_FILE=$ENV_DIR/$(basename "$ENV_FILE")
	STATE_FILE=$ENV_DIR/.install-state
	return 0
}

# ask QUESTION DEFAULT: the answer (DEFAULT in --auto/--dry-run mode or on an empty answer).
ask() {
	local question=$1 default=$2 answer=''
	if [[ $AUTO == true || $DRY_RUN == true ]]; then
		printf '%s' "$default"
		return 0
	fi
	[[ -r /dev/tty ]] || die "no terminal to ask on: run with --auto"
	read -r -p "$question [$default]: " answer </dev/tty || true
	printf '%s' "${answer:-$default}"
}

confirm() {
	local answer=''
	[[ $AUTO == true ]] && return 0
	[[ -r /dev/tty ]] || die "no terminal to ask on: run with --auto"
	read -r -p "$1 [y/N]: " answer </dev/tty || true
	[[ $answer =~ ^[Yy] ]]
}

# ---- prerequisites ------------------------------------------------------------------------

free_gb() {
	local path=$1
	while [[ ! -e $path && $path != / ]]; do path=$(dirname "$path"); done
	df -Pk "$path" 2>/dev/null | awk 'NR == 2 { printf "%d", $4 / 1048576 }'
}

check_prerequisites() {
	heading "Prerequisites"
	local failed=0 c
	for c in curl jq awk sed sha256sum; do
		if command -v "$c" >/dev/null 2>&1; then
			info "  $c: ok"
		else
			error "$c is missing: apt-get install ${c/sha256sum/coreutils}"
			failed=1
		fi
	done
	if ! command -v docker >/dev/null 2>&1; then
		error "docker is missing: install Docker Engine (Debian: apt-get install docker.io)"
		failed=1
	elif ! docker info >/dev/null 2>&1; then
		error "the Docker daemon does not answer: start it, and run this as root or a member of the docker group"
		failed=1
	else
		info "  docker: $(docker version -f '{{.Server.Version}}' 2>/dev/null || echo ok)"
	fi
	if detect_compose; then
		info "  compose: ${COMPOSE[*]}"
	else
		error "no compose: install the docker compose plugin, or Debian's docker-compose (1.29+)"
		failed=1
	fi
	((failed == 0)) || die "prerequisites missing (see above)"
}

check_disk() {
	local rec=$1 gb docker_root
	gb=$(free_gb "$rec")
	if [[ -n $gb ]]; then
		((gb >= MIN_FREE_GB)) || die "only ${gb} GB free for $rec: recordings need at least ${MIN_FREE_GB} GB"
		((gb >= WARN_FREE_GB)) || warn "only ${gb} GB free for $rec (chunks and final MP4s live there)"
		info "  free disk for recordings: ${gb} GB"
	fi
	docker_root=$(docker info -f '{{.DockerRootDir}}' 2>/dev/null || true)
	if [[ -n $docker_root ]]; then
		gb=$(free_gb "$docker_root")
		if [[ -n $gb ]]; then
			((gb >= MIN_FREE_GB)) || die "only ${gb} GB free in $docker_root: the images need about 2.5 GB"
			((gb >= 5)) || warn "only ${gb} GB free in $docker_root (images about 2.5 GB, MinIO chunks)"
			info "  free disk for Docker: ${gb} GB"
		fi
	fi
}

# ---- OpenVidu -----------------------------------------------------------------------------

OV_ENV=''
OV_VERSION=''
OV_RECORDINGS=''
OV_DOMAIN=''
OV_HTTPS_PORT=''
OV_COMPOSED_URL=''

detect_openvidu() {
	local default=/opt/openvidu existing
	existing=$(env_get "$ENV_FILE" HA_OPENVIDU_PATH)
	[[ -n $existing ]] && default=$existing
	if [[ -z $OPENVIDU_PATH ]]; then
		OPENVIDU_PATH=$(ask "OpenVidu 2 CE folder" "$default")
	fi
	OPENVIDU_PATH=${OPENVIDU_PATH%/}
	heading "OpenVidu at $OPENVIDU_PATH"
	[[ -d $OPENVIDU_PATH ]] || die "$OPENVIDU_PATH does not exist: pass OpenVidu's folder (where its docker-compose.yml and .env are)"
	[[ -f $OPENVIDU_PATH/docker-compose.yml ]] || die "$OPENVIDU_PATH/docker-compose.yml not found: is this an OpenVidu 2 CE installation?"
	OV_ENV=$OPENVIDU_PATH/.env
	[[ -f $OV_ENV ]] || die "$OV_ENV not found: is this an OpenVidu 2 CE installation?"
	[[ -r $OV_ENV ]] || die "cannot read $OV_ENV: run as root"
	OV_VERSION=$(grep -oE 'openvidu/openvidu-server(-pro)?:[^"'\''[:space:]]+' "$OPENVIDU_PATH/docker-compose.yml" | head -n 1 | cut -d: -f2 || true)
	if [[ -z $OV_VERSION ]]; then
		warn "no openvidu/openvidu-server image in $OPENVIDU_PATH/docker-compose.yml: version unknown"
	elif [[ ! $OV_VERSION =~ ^2\. ]]; then
		die "OpenVidu $OV_VERSION found: this product supports OpenVidu 2 only"
	fi
	info "  version: ${OV_VERSION:-unknown}"
	OV_RECORDINGS=$(env_get "$OV_ENV" OPENVIDU_RECORDING_PATH)
	OV_RECORDINGS=${OV_RECORDINGS:-/opt/openvidu/recordings}
	[[ $OV_RECORDINGS != / ]] && OV_RECORDINGS=${OV_RECORDINGS%/}
	[[ $OV_RECORDINGS == /* ]] || die "OPENVIDU_RECORDING_PATH=$OV_RECORDINGS in $OV_ENV is not an absolute path"
	info "  recordings: $OV_RECORDINGS"
	OV_DOMAIN=$(env_get "$OV_ENV" DOMAIN_OR_PUBLIC_IP)
	OV_HTTPS_PORT=$(env_get "$OV_ENV" HTTPS_PORT)
	OV_COMPOSED_URL=$(env_get "$OV_ENV" OPENVIDU_RECORDING_COMPOSED_URL)
	info "  public address: ${OV_DOMAIN:-<not set>}${OV_HTTPS_PORT:+ (https port $OV_HTTPS_PORT)}"
	if [[ $(env_get "$OV_ENV" OPENVIDU_RECORDING) != true ]]; then
		warn "OPENVIDU_RECORDING is not true in $OV_ENV: OpenVidu records nothing until you enable it"
	fi
	[[ $DRY_RUN == true || -w $OV_ENV ]] || die "cannot write $OV_ENV: run as root"
}

# ---- docker/.env --------------------------------------------------------------------------

# pristine_openvidu_env: OpenVidu's .env before this installer first changed it (its backup),
# or the current file.
pristine_openvidu_env() {
	if [[ -f $OPENVIDU_PATH/.env.ov2ha-original ]]; then
		printf '%s' "$OPENVIDU_PATH/.env.ov2ha-original"
	else
		printf '%s' "$OV_ENV"
	fi
}

NEW_ENV=''

EXTRA_MARKER='# Settings not (or no longer) in .env_template: kept from the previous .env or set by the installer'

# set_value KEY VALUE: in NEW_ENV (the text of the new docker/.env). A key the template does
# not list goes below one marker line at the end.
set_value() {
	if ! grep -q "^$1=" <<<"$NEW_ENV" && [[ $NEW_ENV != *"$EXTRA_MARKER"* ]]; then
		NEW_ENV+=$'\n'"$EXTRA_MARKER"
	fi
	NEW_ENV=$(env_set_in_text "$1" "$2" <<<"$NEW_ENV")
	CFG[$1]=$2
}

# secret KEY [LENGTH]: keeps an existing value, else generates one.
secret() {
	local key=$1 length=${2:-32}
	if [[ -z $(cfg "$key") ]]; then
		set_value "$key" "$(random_secret "$length")"
		GENERATED_SECRETS+=("$key")
	fi
}

default_value() {
	[[ -n $(cfg "$1") ]] || set_value "$1" "$2"
}

# compose_env: NEW_ENV from the template, the existing docker/.env values, detected values and
# generated secrets. Sets CFG to the result.
compose_env() {
	[[ -r $TEMPLATE ]] || die "$TEMPLATE is missing: run the installer from a complete checkout"
	local key
	declare -A old=()
	local -a old_keys=()
	if [[ -f $ENV_FILE ]]; then
		env_load "$ENV_FILE"
		for key in "${CFG_KEYS[@]}"; do
			old[$key]=${CFG[$key]}
			old_keys+=("$key")
		done
	fi
	NEW_ENV=$(cat "$TEMPLATE")
	env_load "$TEMPLATE"
	for key in "${old_keys[@]}"; do
		set_value "$key" "${old[$key]}"
	done

	set_value HA_OPENVIDU_PATH "$OPENVIDU_PATH"
	set_value HA_RECORDINGS_PATH "$OV_RECORDINGS"
	default_value HA_PROFILE production

	# Controller address: recorders (host network) and OpenVidu (host network) use it.
	local port publish url
	port=$(cfg HA_CONTROLLER_PORT 15443)
	publish=$(cfg HA_CONTROLLER_PUBLISH_ADDRESS 127.0.0.1)
	if [[ -n $CONTROLLER_URL_ARG ]]; then
		url=$CONTROLLER_URL_ARG
	else
		# The template's URL names the default port: derived again unless the existing .env
		# set a URL, so that a changed HA_CONTROLLER_PORT is what recorders and OpenVidu use.
		url=${old[HA_CONTROLLER_URL]:-}
		if [[ -z $url ]]; then
			[[ $publish == 0.0.0.0 || $publish == '::' ]] && publish=127.0.0.1
			url="http://$publish:$port"
		fi
		url=$(ask "Controller URL for the recorders and OpenVidu (host network)" "$url")
	fi
	valid_controller_url "$url" ||
		die "controller URL '$url' is not http(s)://host[:port] (no path, no spaces or control characters); nothing changed"
	set_value HA_CONTROLLER_URL "${url%/}"

	# Credentials and tokens: generated once, kept afterwards.
	secret HA_ADMIN_PASSWORD 32
	secret HA_RECORDER_PASSWORD 32
	# read-only Prometheus user (GET /actuator/prometheus only)
	secret HA_METRICS_PASSWORD 32
	secret HA_WEBHOOK_TOKEN 40

	# Redis.
	if [[ -n $EXTERNAL_REDIS ]]; then
		set_value HA_BUNDLED_REDIS false
		set_value HA_REDIS_URL "$EXTERNAL_REDIS"
	fi
	if [[ $(cfg HA_BUNDLED_REDIS true) == true ]]; then
		secret HA_REDIS_PASSWORD 32
		set_value HA_REDIS_URL "redis://:$(cfg HA_REDIS_PASSWORD)@redis:6379/0"
	fi

	# Chunk storage.
	[[ -n $STORAGE_ARG ]] && set_value HA_RECORDING_STORAGE "$STORAGE_ARG"
	default_value HA_RECORDING_STORAGE s3
	if [[ $(cfg HA_RECORDING_STORAGE) == s3 ]]; then
		default_value HA_S3_BUCKET ov2ha-recordings
		default_value HA_S3_REGION us-east-1
		default_value HA_S3_PREFIX recordings/
		# true: one MinIO; distributed: four nodes, each with the network alias minio.
		if [[ $(cfg HA_BUNDLED_S3 true) =~ ^(true|distributed)$ ]]; then
			set_value HA_S3_ENDPOINT http://minio:9000
			local mpub
			mpub=$(cfg HA_MINIO_PUBLISH_ADDRESS 127.0.0.1)
			[[ $mpub == 0.0.0.0 || $mpub == '::' ]] && mpub=127.0.0.1
			set_value HA_RECORDER_S3_ENDPOINT "http://$mpub:$(cfg HA_MINIO_PORT 9000)"
			default_value HA_MINIO_ROOT_USER ov2ha-root
			secret HA_MINIO_ROOT_PASSWORD 32
			default_value HA_S3_ACCESS_KEY ov2ha-controller
			secret HA_S3_SECRET_KEY 40
			default_value HA_RECORDER_S3_ACCESS_KEY ov2ha-recorder
			secret HA_RECORDER_S3_SECRET_KEY 40
		fi
	fi

	# The image OpenVidu and the controller start: the site image, exactly <name>:<tag>.
	local image
	image=$(cfg HA_RECORDER_IMAGE)
	if [[ -z $image || $image == "$SITE_IMAGE_NAME":* ]]; then
		set_value HA_RECORDER_IMAGE "$SITE_IMAGE_NAME:$(image_tag "$REPO_DIR")"
	else
		warn "HA_RECORDER_IMAGE=$image is kept (not this installer's site image)"
	fi

	# OpenVidu's public URL, for the controller's calls to OpenVidu and the host (and port) a
	# recorder's layout URL must name; a separate OPENVIDU_RECORDING_COMPOSED_URL adds its host.
	if [[ -z $(cfg HA_OPENVIDU_URL) && -n $OV_DOMAIN ]]; then
		local ov_url="https://$OV_DOMAIN"
		[[ -n $OV_HTTPS_PORT && $OV_HTTPS_PORT != 443 ]] && ov_url+=":$OV_HTTPS_PORT"
		set_value HA_OPENVIDU_URL "$ov_url"
	fi
	if [[ -z $(cfg HA_RECORDER_URL_HOSTS) && -n $OV_COMPOSED_URL ]]; then
		local composed=${OV_COMPOSED_URL#*://}
		composed=${composed%%[/?#]*}
		composed=${composed##*@}
		composed=${composed%:*}
		if [[ $composed =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; then
			set_value HA_RECORDER_URL_HOSTS "$composed"
		else
			warn "OPENVIDU_RECORDING_COMPOSED_URL names no plain host: set HA_RECORDER_URL_HOSTS yourself"
		fi
	fi
	# OpenVidu's secret: the controller asks OpenVidu's REST API whether a recording's session
	# still exists before it starts a backup and while one records (never printed).
	local ov_secret
	ov_secret=$(env_get "$OV_ENV" OPENVIDU_SECRET)
	if [[ -n $ov_secret && $(cfg HA_OPENVIDU_SECRET) != "$ov_secret" ]]; then
		set_value HA_OPENVIDU_SECRET "$ov_secret"
	fi
	[[ -n $(cfg HA_OPENVIDU_URL) || -n $(cfg HA_RECORDER_URL_HOSTS) ]] ||
		warn "HA_OPENVIDU_URL is not set (no DOMAIN_OR_PUBLIC_IP in $OV_ENV): the controller refuses recorders until it is"

	migrate_webhook
	NEW_ENV+=$'\n'
}

# migrate_webhook: a customer endpoint in OpenVidu's .env (before our change) becomes the relay
# target; a relay target that is the controller itself is removed.
migrate_webhook() {
	local controller relay source enabled endpoint headers
	controller=$(cfg HA_CONTROLLER_URL)
	relay=$(cfg HA_WEBHOOK_RELAY_URL)
	if [[ -n $relay ]] && is_controller_webhook_url "$relay" "$controller"; then
		warn "HA_WEBHOOK_RELAY_URL pointed at this controller's own webhook (a relay loop): cleared"
		set_value HA_WEBHOOK_RELAY_URL ''
		set_value HA_WEBHOOK_RELAY_HEADERS ''
		relay=''
	fi
	if [[ -n $relay ]]; then
		set_relay_url "$relay"
		return 0
	fi
	source=$(pristine_openvidu_env)
	enabled=$(env_get "$source" OPENVIDU_WEBHOOK)
	endpoint=$(env_get "$source" OPENVIDU_WEBHOOK_ENDPOINT)
	headers=$(env_get "$source" OPENVIDU_WEBHOOK_HEADERS)
	[[ $enabled == true && -n $endpoint ]] || return 0
	if is_controller_webhook_url "$endpoint" "$controller"; then
		return 0
	fi
	if [[ -n $headers && $headers != '[]' ]]; then
		set_value HA_WEBHOOK_RELAY_HEADERS "$headers"
	fi
	info "  your webhook endpoint $(mask_value URL "$endpoint") becomes the relay target (HA_WEBHOOK_RELAY_URL)"
	set_relay_url "$endpoint"
}

# set_relay_url URL: HA_WEBHOOK_RELAY_URL, reachable from the controller container: a loopback
# host (127.0.0.1, localhost, ::1) would be the container itself, so it becomes
# host.docker.internal, which the compose file maps to the host.
set_relay_url() {
	local url=$1 reachable
	reachable=$(container_reachable_url "$url")
	if [[ $reachable != "$url" ]]; then
		warn "the relay target $(mask_value URL "$url") is on the host's loopback, which the controller (a container on a bridge network) cannot reach: using $(mask_value URL "$reachable") instead. Your application must accept connections from Docker's bridge networks there (listen on 0.0.0.0 or the docker0 address, not only on 127.0.0.1)"
		[[ $url != https:* ]] || warn "an https relay target's certificate must also be valid for host.docker.internal"
	fi
	set_value HA_WEBHOOK_RELAY_URL "$reachable"
}

# print_env_changes OLD_FILE: the keys whose values change, secrets masked.
print_env_changes() {
	local old_file=$1 key before after n=0
	declare -A new=()
	local -a keys=()
	env_load <(printf '%s\n' "$NEW_ENV")
	for key in "${CFG_KEYS[@]}"; do
		new[$key]=${CFG[$key]}
		keys+=("$key")
	done
	if [[ -f $old_file ]]; then env_load "$old_file"; else CFG=() CFG_KEYS=(); fi
	for key in "${keys[@]}"; do
		before=${CFG[$key]:-}
		after=${new[$key]}
		[[ $before == "$after" ]] && continue
		n=$((n + 1))
		if is_secret_key "$key" || [[ $key == HA_REDIS_URL ]]; then
			if [[ -z $before ]]; then
				printf '    %s = %s\n' "$key" "$(mask_value "$key" "$after") (new)" >&2
			else
				printf '    %s changes (%s)\n' "$key" "$(mask_value "$key" "$after")" >&2
			fi
		else
			printf '    %s: %s -> %s\n' "$key" "${before:-<empty>}" "${after:-<empty>}" >&2
		fi
	done
	((n > 0)) || info "    (no change)"
	# Leave CFG as the new settings.
	env_load <(printf '%s\n' "$NEW_ENV")
}

ENV_CHANGED=false

plan_env() {
	heading "Settings $ENV_FILE"
	local current=''
	[[ -f $ENV_FILE ]] && current=$(cat "$ENV_FILE"; echo x)
	if [[ -n $current && ${current%x} == "$NEW_ENV" ]]; then
		info "  up to date"
		return 0
	fi
	ENV_CHANGED=true
	if [[ -f $ENV_FILE ]]; then
		print_env_changes "$ENV_FILE"
	else
		info "  new file from .env_template; values set or generated:"
		print_env_changes "$TEMPLATE"
	fi
	[[ $DRY_RUN == true ]] && info "  (dry run: not written)"
	return 0
}

apply_env() {
	if [[ $ENV_CHANGED != true ]]; then
		chmod 600 "$ENV_FILE"
		env_load "$ENV_FILE"
		return 0
	fi
	if [[ -f $ENV_FILE ]]; then
		(umask 077 && cp -p "$ENV_FILE" "$ENV_FILE.bak-$STAMP")
		chmod 600 "$ENV_FILE.bak-$STAMP"
		info "  $ENV_FILE written; previous version kept as $ENV_FILE.bak-$STAMP"
	else
		info "  $ENV_FILE written (mode 600)"
	fi
	printf '%s' "$NEW_ENV" | write_private "$ENV_FILE" || true
	env_load "$ENV_FILE"
}

write_site() {
	[[ $DRY_RUN == true ]] && { info "  would write $ENV_DIR/site/recorder.env (mode 600) for the site image"; return 0; }
	write_site_context "$ENV_DIR" "$DOCKER_DIR" "$(cfg HA_CONTROLLER_URL)"
	write_controller_env "$ENV_DIR"
}

# ---- OpenVidu's .env ----------------------------------------------------------------------

# openvidu_env_text FILE: FILE with the owned keys set (stdout). Keys with an uncommented line
# are changed in place; absent keys are appended under one marker line.
openvidu_env_text() {
	local file=$1 text key value appended=''
	local -A want=()
	want[OPENVIDU_RECORDING_IMAGE]=$(cfg HA_RECORDER_IMAGE)
	want[OPENVIDU_WEBHOOK]=true
	want[OPENVIDU_WEBHOOK_ENDPOINT]=$(cfg HA_CONTROLLER_URL)$WEBHOOK_PATH
	want[OPENVIDU_WEBHOOK_HEADERS]="[\"$WEBHOOK_AUTH_HEADER: Bearer $(cfg HA_WEBHOOK_TOKEN)\"]"
	local events
	events=$(env_get "$file" OPENVIDU_WEBHOOK_EVENTS)
	if [[ -n $events && $events != *recordingStatusChanged* ]]; then
		if [[ $events =~ ^\[[[:space:]]*\]$ ]]; then
			want[OPENVIDU_WEBHOOK_EVENTS]='[recordingStatusChanged]'
		else
			want[OPENVIDU_WEBHOOK_EVENTS]="${events%]},recordingStatusChanged]"
		fi
	fi
	text=$(cat "$file"; echo x)
	text=${text%x}
	for key in "${OWNED_KEYS[@]}"; do
		[[ -v want[$key] ]] || continue
		value=${want[$key]}
		if grep -q "^$key=" "$file"; then
			text=$(KEY=$key VALUE=$value awk '
				BEGIN { k = ENVIRON["KEY"]; v = ENVIRON["VALUE"] }
				index($0, k "=") == 1 { print k "=" v; next }
				{ print }' <<<"${text%$'\n'}"; echo x)
			text=${text%x}
		else
			appended+="$key=$value"$'\n'
		fi
	done
	if [[ -n $appended ]]; then
		[[ -z $text || $text == *$'\n' ]] || text+=$'\n'
		text+="# OV2 HA Recorder (ov2-ha-recorder-install.sh; --uninstall restores the original)"$'\n'
		text+=$appended
	fi
	printf '%s' "$text"
}

# private_copy FILE COPY: COPY of FILE with mode 600 from the start (it holds the webhook token),
# owner and times kept.
private_copy() {
	(umask 077 && cp "$1" "$2")
	chmod 600 "$2"
	touch -r "$1" "$2"
	chown --reference="$1" "$2" 2>/dev/null || true
}

OV_CHANGED=false
OV_NEW=''
OV_NEEDS_WRITE=false

plan_openvidu() {
	heading "OpenVidu settings $OV_ENV"
	local current key before after
	OV_NEW=$(openvidu_env_text "$OV_ENV"; echo x)
	OV_NEW=${OV_NEW%x}
	current=$(cat "$OV_ENV"; echo x)
	if [[ $OV_NEW == "${current%x}" ]]; then
		info "  up to date"
		return 0
	fi
	OV_NEEDS_WRITE=true
	for key in "${OWNED_KEYS[@]}"; do
		before=$(env_get "$OV_ENV" "$key")
		after=$(env_get <(printf '%s' "$OV_NEW") "$key")
		[[ $before == "$after" ]] && continue
		printf '    %s: %s -> %s\n' "$key" "$(mask_value "$key" "$before")" "$(mask_value "$key" "$after")" >&2
	done
	[[ $DRY_RUN == true ]] && info "  (dry run: not written; a backup would be kept as $OV_ENV.ov2ha-backup-$STAMP)"
	return 0
}

apply_openvidu() {
	[[ $OV_NEEDS_WRITE == true ]] || return 0
	[[ -f $OPENVIDU_PATH/.env.ov2ha-original ]] || cp -p "$OV_ENV" "$OPENVIDU_PATH/.env.ov2ha-original"
	private_copy "$OV_ENV" "$OV_ENV.ov2ha-backup-$STAMP"
	local tmp
	tmp=$(mktemp "$OV_ENV.XXXXXX")
	printf '%s' "$OV_NEW" >"$tmp"
	chmod --reference="$OV_ENV" "$tmp"
	chown --reference="$OV_ENV" "$tmp" 2>/dev/null || true
	mv -f "$tmp" "$OV_ENV"
	OV_CHANGED=true
	{
		echo "openvidu_env=$OV_ENV"
		echo "original=$OPENVIDU_PATH/.env.ov2ha-original"
		echo "written_sha256=$(sha256sum "$OV_ENV" | cut -c1-64)"
	} | write_private "$STATE_FILE" || true
	ok "  $OV_ENV written (backup: $OV_ENV.ov2ha-backup-$STAMP; original: $OPENVIDU_PATH/.env.ov2ha-original)"
}

openvidu_compose() {
	(cd "$OPENVIDU_PATH" && "${COMPOSE[@]}" "$@")
}

restart_openvidu() {
	if [[ $RESTART_OPENVIDU != true ]]; then
		if [[ $OV_CHANGED == true ]]; then
			heading "Next step"
			info "  Restart OpenVidu to apply its new settings (this interrupts running sessions):"
			info "    cd $OPENVIDU_PATH && ${COMPOSE[*]} up -d"
			info "  or run this installer again with --restart-openvidu."
		fi
		return 0
	fi
	if [[ $DRY_RUN == true ]]; then
		info "  would restart OpenVidu: cd $OPENVIDU_PATH && ${COMPOSE[*]} up -d"
		return 0
	fi
	heading "Restarting OpenVidu"
	openvidu_compose up -d || die "restarting OpenVidu failed: cd $OPENVIDU_PATH && ${COMPOSE[*]} up -d"
	ok "  OpenVidu restarted (containers whose settings changed were recreated)"
}

# ---- stack --------------------------------------------------------------------------------

ops() {
	"$OPS" --env-file "$ENV_FILE" "$@"
}

start_stack() {
	heading "Images and stack"
	if [[ $CONFIG_ONLY == true ]]; then
		info "  --config-only: not building or starting. Before OpenVidu restarts, run:"
		info "    $OPS build && $OPS start"
		return 0
	fi
	if [[ $DRY_RUN == true ]]; then
		info "  would build missing images ($CONTROLLER_IMAGE_NAME, $RECORDER_IMAGE_NAME, $(cfg HA_RECORDER_IMAGE)) and start the stack"
		return 0
	fi
	ops start || die "the stack did not start: $OPS status, $OPS logs"
}

# ---- summary ------------------------------------------------------------------------------

summary() {
	heading "Done"
	local url
	url=$(cfg HA_CONTROLLER_URL)
	info "  Controller        $url (Swagger UI: $url/swagger-ui.html)"
	info "  Settings          $ENV_FILE (mode 600)"
	info "  Recorder image    $(cfg HA_RECORDER_IMAGE) (OPENVIDU_RECORDING_IMAGE)"
	info "  Daily operations  $OPS --help  (status, logs, test-api, test-recording, backup, ...)"
	if [[ $SHOW_SECRETS == true ]]; then
		heading "Secrets (keep them safe; they are in $ENV_FILE)"
		local key
		for key in HA_ADMIN_USERNAME HA_ADMIN_PASSWORD HA_RECORDER_USERNAME HA_RECORDER_PASSWORD \
			HA_METRICS_USERNAME HA_METRICS_PASSWORD HA_WEBHOOK_TOKEN \
			HA_MINIO_ROOT_USER HA_MINIO_ROOT_PASSWORD; do
			[[ -n $(cfg "$key") ]] && printf '  %s=%s\n' "$key" "$(cfg "$key")"
		done
	else
		info "  Admin user        $(cfg HA_ADMIN_USERNAME admin) (password: HA_ADMIN_PASSWORD in $ENV_FILE, or --show-secrets)"
	fi
	if ((${#GENERATED_SECRETS[@]} > 0)); then
		info "  Generated now     ${GENERATED_SECRETS[*]}"
	fi
}

# ---- uninstall ----------------------------------------------------------------------------

state_get() {
	env_get "$STATE_FILE" "$1"
}

# restore_owned_keys ORIGINAL: OpenVidu's current .env with each owned key as in ORIGINAL
# (its line back, or removed when ORIGINAL had none) and without our marker line.
restore_owned_keys() {
	local original=$1 text key line
	text=$(grep -v '^# OV2 HA Recorder (ov2-ha-recorder-install.sh' "$OV_ENV"; echo x)
	text=${text%x}
	for key in "${OWNED_KEYS[@]}"; do
		if grep -q "^$key=" "$original"; then
			line=$(grep "^$key=" "$original" | tail -n 1)
			text=$(KEY=$key LINE=$line awk 'BEGIN { k = ENVIRON["KEY"] }
				index($0, k "=") == 1 { print ENVIRON["LINE"]; next } { print }' <<<"${text%$'\n'}"; echo x)
		else
			text=$(KEY=$key awk 'BEGIN { k = ENVIRON["KEY"] } index($0, k "=") == 1 { next } { print }' <<<"${text%$'\n'}"; echo x)
		fi
		text=${text%x}
	done
	printf '%s' "$text"
}

uninstall() {
	if [[ -f $ENV_FILE ]]; then
		env_load "$ENV_FILE"
		[[ -n $OPENVIDU_PATH ]] || OPENVIDU_PATH=$(cfg HA_OPENVIDU_PATH)
	fi
	OPENVIDU_PATH=${OPENVIDU_PATH:-/opt/openvidu}
	OPENVIDU_PATH=${OPENVIDU_PATH%/}
	OV_ENV=$OPENVIDU_PATH/.env
	local original=$OPENVIDU_PATH/.env.ov2ha-original
	heading "Uninstall (OpenVidu at $OPENVIDU_PATH)"
	detect_compose || true

	if [[ $CONFIG_ONLY != true && -f $ENV_FILE ]]; then
		if [[ $DRY_RUN == true ]]; then
			info "  would stop the stack (volumes and images kept)"
		else
			local -a stop=(stop)
			[[ $FORCE == true ]] && stop+=(--force)
			ops "${stop[@]}" || die "stopping the stack failed (recordings in progress? use --force)"
		fi
	fi

	[[ -f $OV_ENV ]] || die "$OV_ENV not found"
	if [[ ! -f $original ]]; then
		info "  $OV_ENV was never changed by this installer (no $original): nothing to restore"
		return 0
	fi
	local written current
	written=$(state_get written_sha256)
	current=$(sha256sum "$OV_ENV" | cut -c1-64)
	if [[ -n $written && $written == "$current" ]]; then
		if [[ $DRY_RUN == true ]]; then
			info "  would restore $OV_ENV from $original (byte for byte)"
		else
			private_copy "$OV_ENV" "$OV_ENV.ov2ha-uninstalled-$STAMP"
			cp -p "$original" "$OV_ENV.tmp-$STAMP"
			mv -f "$OV_ENV.tmp-$STAMP" "$OV_ENV"
			ok "  restored $OV_ENV from $original"
		fi
	else
		warn "$OV_ENV changed after the installation: restoring only the keys this installer owns (${OWNED_KEYS[*]})"
		local new
		new=$(restore_owned_keys "$original"; echo x)
		new=${new%x}
		if [[ $DRY_RUN == true ]]; then
			info "  would restore ${OWNED_KEYS[*]} in $OV_ENV to their original values"
		else
			private_copy "$OV_ENV" "$OV_ENV.ov2ha-uninstalled-$STAMP"
			local tmp
			tmp=$(mktemp "$OV_ENV.XXXXXX")
			printf '%s' "$new" >"$tmp"
			chmod --reference="$OV_ENV" "$tmp"
			chown --reference="$OV_ENV" "$tmp" 2>/dev/null || true
			mv -f "$tmp" "$OV_ENV"
			ok "  restored the owned keys (previous file: $OV_ENV.ov2ha-uninstalled-$STAMP)"
		fi
	fi
	if [[ $DRY_RUN != true ]]; then
		mv -f "$original" "$original-$STAMP"
		rm -f "$STATE_FILE"
		OV_CHANGED=true
	fi
	if ((${#COMPOSE[@]} > 0)); then
		restart_openvidu
	fi
	heading "Kept"
	info "  $ENV_FILE, the images and the volumes (Redis state, MinIO chunks). To remove them:"
	info "    $OPS clean --images --volumes"
}

# ---- main ---------------------------------------------------------------------------------

main() {
	parse_args "$@"
	[[ $DRY_RUN == true ]] && info "${C_BLD}Dry run: nothing will be changed.${C_OFF}"
	if [[ $UNINSTALL == true ]]; then
		uninstall
		return 0
	fi
	check_prerequisites
	detect_openvidu
	check_disk "$OV_RECORDINGS"
	compose_env
	plan_env
	plan_openvidu
	if [[ $DRY_RUN == true ]]; then
		[[ -d $OV_RECORDINGS ]] || info "  would create the recordings folder $OV_RECORDINGS"
		write_site
		start_stack
		restart_openvidu
		return 0
	fi
	if [[ $AUTO != true ]]; then
		confirm "Apply: write the settings, build and start the stack, then update $OV_ENV?" || die "cancelled; nothing changed"
	fi
	apply_env
	[[ -d $OV_RECORDINGS ]] || mkdir -p "$OV_RECORDINGS"
	write_site
	start_stack
	apply_openvidu
	restart_openvidu
	summary
}

main "$@"
