#!/usr/bin/env bash
# shellcheck disable=SC2034  # constants and arrays used by the scripts that source this file
# Shared helpers of the installer (ov2-ha-recorder-install.sh) and the ops script
# (docker/ov2-ha-recorder.sh). Source it; it defines functions and constants only.
#
# Settings files are KEY=value lines. They are parsed here, never sourced: a value is taken
# literally (no quotes removed, no expansion), exactly as compose reads docker/.env.

OV2HA_PROJECT=${OV2HA_PROJECT:-ov2-ha-recorder}
OV2HA_LABEL=io.ov2ha.project=ov2-ha-recorder
CONTROLLER_IMAGE_NAME=ov2-ha-controller
RECORDER_IMAGE_NAME=ov2-ha-recorder
SITE_IMAGE_NAME=ov2-ha-recorder-site
RECORDER_ENV_PATH=/etc/ov2-ha-recorder/recorder.env
# The label of the controller image's build stage (docker/Dockerfile): `clean --images` finds
# the untagged image the legacy builder leaves behind by it.
BUILD_STAGE_LABEL=io.ov2ha.build-stage=controller
# The header OpenVidu sends with every webhook (OPENVIDU_WEBHOOK_HEADERS); the controller
# accepts a webhook only with "Authorization: Bearer <HA_WEBHOOK_TOKEN>".
WEBHOOK_AUTH_HEADER=Authorization
WEBHOOK_PATH=/openvidu/webhook
# Settings the controller container does not receive: they belong to MinIO, Redis or the
# recorders (least privilege). Everything else non-empty in .env goes to controller.env.
CONTROLLER_ENV_EXCLUDED_RE='^HA_(MINIO_[A-Z0-9_]+|RECORDER_S3_[A-Z0-9_]+|REDIS_PASSWORD|REDIS_IMAGE)$'

if [[ -t 2 && -z ${NO_COLOR:-} ]]; then
	C_RED=$'\e[31m' C_YEL=$'\e[33m' C_GRN=$'\e[32m' C_BLD=$'\e[1m' C_OFF=$'\e[0m'
else
	C_RED='' C_YEL='' C_GRN='' C_BLD='' C_OFF=''
fi

info() { printf '%s\n' "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$C_YEL" "$C_OFF" "$*" >&2; }
error() { printf '%serror:%s %s\n' "$C_RED" "$C_OFF" "$*" >&2; }
die() {
	error "$*"
	exit 1
}
ok() { printf '%s%s%s\n' "$C_GRN" "$*" "$C_OFF" >&2; }

# usage: the calling script's header comment (SCRIPT_PATH), as its --help.
usage() {
	awk 'NR > 1 && !/^#/ { exit } NR > 1 && !/^# shellcheck/' "$SCRIPT_PATH" | sed 's/^# \{0,1\}//'
}

# usage_error MESSAGE: a wrong command line: the message, a pointer to --help, exit 2.
usage_error() {
	error "$*"
	info "Run: ${0##*/} --help"
	exit 2
}

heading() { printf '\n%s%s%s\n' "$C_BLD" "$*" "$C_OFF" >&2; }

# require_command NAME HINT: dies with HINT when NAME is not on the PATH.
require_command() {
	command -v "$1" >/dev/null 2>&1 || die "$1 is required but not installed. $2"
}

# ---- settings files ---------------------------------------------------------------------

# env_load FILE: reads FILE into the associative array CFG (KEY -> value) and the list
# CFG_KEYS (file order). Comments, blank lines and malformed lines are skipped.
declare -gA CFG=()
declare -ga CFG_KEYS=()
env_load() {
	local file=$1 line key
	CFG=()
	CFG_KEYS=()
	[[ -r $file ]] || return 1
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		[[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
		key=${BASH_REMATCH[1]}
		[[ -v CFG[$key] ]] || CFG_KEYS+=("$key")
		CFG[$key]=${BASH_REMATCH[2]}
	done <"$file"
}

# cfg KEY [DEFAULT]: the loaded value of KEY, or DEFAULT when it is absent or empty.
cfg() {
	local value=${CFG[$1]:-}
	printf '%s' "${value:-${2:-}}"
}

# env_get FILE KEY: the value of KEY in FILE (last uncommented assignment), empty if none.
env_get() {
	local file=$1 key=$2
	[[ -r $file ]] || return 0
	awk -v k="$key" '
		{ sub(/\r$/, "") }
		index($0, k "=") == 1 { v = substr($0, length(k) + 2); found = 1 }
		END { if (found) printf "%s", v }' "$file"
}

# env_set_in_text KEY VALUE: filter stdin -> stdout, replacing the value of the first
# uncommented KEY= line (later duplicates are dropped); appends KEY=VALUE when absent.
env_set_in_text() {
	KEY=$1 VALUE=$2 awk '
		BEGIN { k = ENVIRON["KEY"]; v = ENVIRON["VALUE"] }
		index($0, k "=") == 1 { if (!done) { print k "=" v; done = 1 }; next }
		{ print }
		END { if (!done) print k "=" v }'
}

# ---- secrets ------------------------------------------------------------------------------

# random_secret [LENGTH]: letters and digits from /dev/urandom (safe in URLs, JSON, .env).
random_secret() {
	local length=${1:-32} out=''
	while ((${#out} < length)); do
		out+=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
	done
	printf '%s' "${out:0:length}"
}

# is_secret_key KEY: settings whose values are never printed.
is_secret_key() {
	[[ $1 =~ (PASSWORD|SECRET|TOKEN|_SECRET_KEY|RELAY_HEADERS|OPENVIDU_WEBHOOK_HEADERS)$ ]]
}

# mask_value KEY VALUE: the value as it may be shown: secrets as ****, credentials inside URLs
# (scheme://user:password@host) with the password masked.
mask_value() {
	local key=$1 value=$2
	if [[ -z $value ]]; then
		printf ''
	elif is_secret_key "$key"; then
		printf '****'
	elif [[ $value =~ ^([a-z][a-z0-9+.-]*://)([^/@]*):([^/@]*)@(.*)$ ]]; then
		printf '%s%s:****@%s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]}"
	else
		printf '%s' "$value"
	fi
}

# ---- paths, versions, images -------------------------------------------------------------

# project_version REPO_DIR: the version in the parent pom.xml (the default image tag).
project_version() {
	local pom=$1/pom.xml version
	version=$(awk '
		/<artifactId>ov2-ha-recorder<\/artifactId>/ { seen = 1; next }
		seen && /<version>/ { gsub(/.*<version>|<\/version>.*/, ""); print; exit }' "$pom" 2>/dev/null)
	printf '%s' "${version:-dev}"
}

# image_tag REPO_DIR: HA_IMAGE_TAG from CFG, else the project version.
image_tag() {
	local tag
	tag=$(cfg HA_IMAGE_TAG)
	[[ -n $tag ]] || tag=$(project_version "$1")
	printf '%s' "$tag"
}

# valid_image_ref REF: exactly <name>:<tag>, one colon, no registry port (OpenVidu's rule).
valid_image_ref() {
	[[ $1 =~ ^[a-z0-9]+([._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]
}

valid_recording_id() {
	[[ $1 =~ ^[A-Za-z0-9_~-]{1,128}$ ]]
}

# seconds_of DURATION: "10", "10s", "2m", "500ms" (rounded up) -> whole seconds.
seconds_of() {
	local v=$1
	case $v in
	*ms) v=${v%ms}; [[ $v =~ ^[0-9]+$ ]] || return 1; printf '%s' $(((v + 999) / 1000)) ;;
	*s) v=${v%s}; [[ $v =~ ^[0-9]+$ ]] || return 1; printf '%s' "$v" ;;
	*m) v=${v%m}; [[ $v =~ ^[0-9]+$ ]] || return 1; printf '%s' $((v * 60)) ;;
	*) [[ $v =~ ^[0-9]+$ ]] || return 1; printf '%s' "$v" ;;
	esac
}

# valid_controller_url URL: http(s)://host[:port][/], nothing else: it is written into
# OpenVidu's .env and the recorders' settings, so no control character, space or quote.
valid_controller_url() {
	local url=$1 port
	[[ $url != *[[:cntrl:]]* ]] || return 1
	[[ $url =~ ^https?://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:([0-9]{1,5}))?/?$ ]] || return 1
	port=${BASH_REMATCH[4]}
	[[ -z $port ]] || ((10#$port >= 1 && 10#$port <= 65535))
}

# url_host_port URL: "host port" of an http(s) URL (default ports 80/443).
url_host_port() {
	local url=$1 rest host port
	[[ $url =~ ^(https?)://([^/?#]+) ]] || return 1
	rest=${BASH_REMATCH[2]}
	rest=${rest##*@}
	if [[ $rest =~ ^\[([^]]+)\](:([0-9]+))?$ ]]; then
		host=${BASH_REMATCH[1]} port=${BASH_REMATCH[3]}
	elif [[ $rest =~ ^([^:]+)(:([0-9]+))?$ ]]; then
		host=${BASH_REMATCH[1]} port=${BASH_REMATCH[3]}
	else
		return 1
	fi
	if [[ -z $port ]]; then
		[[ $url == https:* ]] && port=443 || port=80
	fi
	printf '%s %s' "${host,,}" "$port"
}

# is_loopback_host HOST: localhost, 127.0.0.0/8, ::1 (with or without brackets), 0.0.0.0.
is_loopback_host() {
	local host=${1,,}
	host=${host#[}
	host=${host%]}
	[[ $host == localhost || $host == localhost. || $host =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ || $host == ::1 ||
		$host == 0:0:0:0:0:0:0:1 || $host == 0.0.0.0 ]]
}

# container_reachable_url URL: URL as the controller container must call it. The controller runs
# on a bridge network, where 127.0.0.1 is the container itself: a loopback host becomes
# host.docker.internal (the compose file maps it to the host). Other URLs are unchanged.
container_reachable_url() {
	local url=$1 scheme userinfo host rest
	if [[ $url =~ ^(https?://)([^/@?#]*@)?(\[[^]/]*\]|[^]/:?#]+)(.*)$ ]]; then
		scheme=${BASH_REMATCH[1]} userinfo=${BASH_REMATCH[2]} host=${BASH_REMATCH[3]} rest=${BASH_REMATCH[4]}
		if is_loopback_host "$host"; then
			printf '%s%shost.docker.internal%s' "$scheme" "$userinfo" "$rest"
			return 0
		fi
	fi
	printf '%s' "$url"
}

# local_addresses: loopback names and every address of this host.
local_addresses() {
	printf '%s\n' localhost 127.0.0.1 ::1 0.0.0.0 host.docker.internal "$(hostname 2>/dev/null)"
	hostname -I 2>/dev/null | tr ' ' '\n'
	ip -o addr show 2>/dev/null | awk '{ split($4, a, "/"); print a[1] }'
}

# is_controller_webhook_url URL CONTROLLER_URL: true when URL would deliver to this host's
# controller (same URL, or any local address with the controller's port and the webhook
# path). A relay target must never be the controller itself.
is_controller_webhook_url() {
	local url=${1%/} controller=${2%/} hp chp host port addr
	[[ -n $url ]] || return 1
	[[ $url == "$controller$WEBHOOK_PATH" ]] && return 0
	hp=$(url_host_port "$url") || return 1
	chp=$(url_host_port "$controller") || return 1
	read -r host port <<<"$hp"
	[[ $port == "${chp#* }" ]] || return 1
	[[ $host == "${chp%% *}" ]] && return 0
	while IFS= read -r addr; do
		[[ -n $addr && ${addr,,} == "$host" ]] && return 0
	done < <(local_addresses)
	return 1
}

# ---- docker and compose -------------------------------------------------------------------

# detect_compose: sets COMPOSE (array): OV2HA_COMPOSE if given, else `docker compose` (v2),
# else `docker-compose` (1.29+). Returns 1 when neither exists.
detect_compose() {
	COMPOSE=()
	if [[ -n ${OV2HA_COMPOSE:-} ]]; then
		read -r -a COMPOSE <<<"$OV2HA_COMPOSE"
	elif docker compose version >/dev/null 2>&1; then
		COMPOSE=(docker compose)
	elif command -v docker-compose >/dev/null 2>&1; then
		COMPOSE=(docker-compose)
	else
		return 1
	fi
}

docker_ready() {
	command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}

image_exists() {
	docker image inspect "$1" >/dev/null 2>&1
}

# ---- generated files ----------------------------------------------------------------------

# write_private FILE: stdin -> FILE atomically, mode 600. Returns 0 when the content changed,
# 1 when FILE already had it (then FILE is left untouched apart from its mode).
write_private() {
	local file=$1 tmp
	tmp=$(mktemp "$file.XXXXXX")
	chmod 600 "$tmp"
	cat >"$tmp"
	if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
		rm -f "$tmp"
		chmod 600 "$file"
		return 1
	fi
	mv -f "$tmp" "$file"
	return 0
}

# write_controller_env DIR: DIR/controller.env, the controller container's settings from CFG:
# every non-empty HA_* except the secrets of MinIO, Redis and the recorders. An empty value
# in .env means "the controller's default", so it is left out rather than passed as "".
write_controller_env() {
	local dir=$1 key
	{
		echo "# Generated by ov2-ha-recorder.sh from .env; do not edit (edit .env, then reconfigure)."
		for key in "${CFG_KEYS[@]}"; do
			[[ $key == HA_* && -n ${CFG[$key]} ]] || continue
			[[ $key =~ $CONTROLLER_ENV_EXCLUDED_RE ]] && continue
			printf '%s=%s\n' "$key" "${CFG[$key]}"
		done
	} | write_private "$dir/controller.env" || true
}

# recorder_env_text CONTROLLER_URL: the recorders' settings file from CFG (the contract is
# docs/recorder-protocol.md). Durations become whole seconds, as the recorder expects.
recorder_env_text() {
	local url=$1 chunk heartbeat storage endpoint
	chunk=$(seconds_of "$(cfg HA_CHUNK_DURATION 10)") || die "HA_CHUNK_DURATION must be seconds, e.g. 10 or 10s"
	heartbeat=$(seconds_of "$(cfg HA_HEARTBEAT_INTERVAL 1)") || die "HA_HEARTBEAT_INTERVAL must be seconds, e.g. 1 or 1s"
	storage=$(cfg HA_RECORDING_STORAGE s3)
	echo "# OV2 HA recorder settings, generated from docker/.env by the installer and ov2-ha-recorder.sh."
	echo "HA_CONTROLLER_URL=$url"
	echo "HA_RECORDER_USERNAME=$(cfg HA_RECORDER_USERNAME recorder)"
	echo "HA_RECORDER_PASSWORD=$(cfg HA_RECORDER_PASSWORD)"
	echo "HA_RECORDING_STORAGE=$storage"
	echo "HA_CHUNK_DURATION=$chunk"
	echo "HA_HEARTBEAT_INTERVAL=$heartbeat"
	echo "HA_S3_PREFIX=$(cfg HA_S3_PREFIX recordings/)"
	if [[ $storage == s3 ]]; then
		endpoint=$(cfg HA_RECORDER_S3_ENDPOINT "$(cfg HA_S3_ENDPOINT)")
		echo "HA_S3_ENDPOINT=$endpoint"
		echo "HA_S3_REGION=$(cfg HA_S3_REGION us-east-1)"
		echo "HA_S3_BUCKET=$(cfg HA_S3_BUCKET)"
		echo "HA_S3_ACCESS_KEY=$(cfg HA_RECORDER_S3_ACCESS_KEY "$(cfg HA_S3_ACCESS_KEY)")"
		echo "HA_S3_SECRET_KEY=$(cfg HA_RECORDER_S3_SECRET_KEY "$(cfg HA_S3_SECRET_KEY)")"
	fi
}

# write_site_context DIR DOCKER_DIR CONTROLLER_URL: DIR/site (mode 700), the build context of
# the site image: recorder.env (600) and the Dockerfile. Nothing else, never under /recordings.
write_site_context() {
	local dir=$1/site docker_dir=$2 url=$3 text
	text=$(recorder_env_text "$url") || return 1
	(umask 077 && mkdir -p "$dir")
	chmod 700 "$dir"
	printf '%s\n' "$text" | write_private "$dir/recorder.env" || true
	write_private "$dir/Dockerfile" <"$docker_dir/recorder-site.Dockerfile" || true
}
