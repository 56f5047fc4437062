#!/usr/bin/env bash
# shellcheck disable=SC2034 # S3PROXY_* variables are set for the scripts that source this file
# S3Proxy for tests: an S3-compatible server on a loopback port with a filesystem backend.
# Source this file after scripts/lib/common.sh; it only defines functions and variables. Needs java (17+), curl
# (7.75+, for --aws-sigv4), jq and sha1sum.
#
#   s3proxy_fetch                         jar from Maven Central into the cache (sha1 checked);
#                                         prints the jar path
#   s3proxy_start DATA_DIR [PORT]         starts S3Proxy (PORT empty: a free loopback port);
#                                         sets S3PROXY_PID, S3PROXY_PORT, S3PROXY_ENDPOINT,
#                                         S3PROXY_ACCESS_KEY, S3PROXY_SECRET_KEY
#   s3proxy_stop                          stops the S3Proxy this shell started (by pid)
#   s3proxy_create_bucket NAME            PUT bucket
#   s3proxy_list_keys BUCKET [PREFIX]     one key per line
#   s3proxy_get BUCKET KEY OUT_FILE       download one object
#
# Settings: S3PROXY_VERSION (4.1.0), S3PROXY_SHA1 (pinned for 4.1.0), S3PROXY_CACHE_DIR
# (~/.cache/ov2-ha-recorder), S3PROXY_ACCESS_KEY / S3PROXY_SECRET_KEY (generated test keys),
# S3PROXY_REGION (us-east-1), JAVA (java).

S3PROXY_VERSION=${S3PROXY_VERSION:-4.1.0}
S3PROXY_SHA1=${S3PROXY_SHA1:-0a0b89e982bc1b1b5757d45b61109e05a840dd87}
S3PROXY_CACHE_DIR=${S3PROXY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ov2-ha-recorder}
S3PROXY_REGION=${S3PROXY_REGION:-us-east-1}
S3PROXY_MAVEN_URL=${S3PROXY_MAVEN_URL:-https://repo1.maven.org/maven2}
S3PROXY_PID=${S3PROXY_PID:-}

_s3proxy_log() { printf '%s s3proxy %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

s3proxy_fetch() {
	local name jar url sum
	name="s3proxy-${S3PROXY_VERSION}-jar-with-dependencies.jar"
	jar="$S3PROXY_CACHE_DIR/$name"
	url="$S3PROXY_MAVEN_URL/org/gaul/s3proxy/$S3PROXY_VERSION/$name"
	mkdir -p "$S3PROXY_CACHE_DIR"
	if [[ -f $jar ]] && [[ $(sha1sum "$jar" | cut -d' ' -f1) == "$S3PROXY_SHA1" ]]; then
		printf '%s' "$jar"
		return 0
	fi
	_s3proxy_log "event=download url=$url"
	if ! curl -fsSL --retry 3 --retry-delay 2 --connect-timeout 10 -o "$jar.part" "$url"; then
		rm -f "$jar.part"
		_s3proxy_log "error=\"download failed: $url\""
		return 1
	fi
	sum=$(sha1sum "$jar.part" | cut -d' ' -f1)
	if [[ $sum != "$S3PROXY_SHA1" ]]; then
		rm -f "$jar.part"
		_s3proxy_log "error=\"sha1 mismatch: got $sum, expected $S3PROXY_SHA1\""
		return 1
	fi
	mv -f "$jar.part" "$jar"
	printf '%s' "$jar"
}

s3proxy_start() {
	local data_dir=$1 port=${2:-} jar i code
	command -v "${JAVA:-java}" >/dev/null || {
		_s3proxy_log "error=\"java is missing (S3Proxy needs Java 17+)\""
		return 1
	}
	jar=$(s3proxy_fetch) || return 1
	[[ -n $port ]] || port=$(free_port) || return 1
	S3PROXY_ACCESS_KEY=${S3PROXY_ACCESS_KEY:-test-$RANDOM$RANDOM}
	S3PROXY_SECRET_KEY=${S3PROXY_SECRET_KEY:-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')}
	mkdir -p "$data_dir/objects"
	(
		umask 077
		cat >"$data_dir/s3proxy.properties" <<-PROPS
			s3proxy.endpoint=http://127.0.0.1:$port
			s3proxy.authorization=aws-v2-or-v4
			s3proxy.identity=$S3PROXY_ACCESS_KEY
			s3proxy.credential=$S3PROXY_SECRET_KEY
			jclouds.provider=filesystem
			jclouds.filesystem.basedir=$data_dir/objects
		PROPS
	)
	"${JAVA:-java}" -Xmx256m -jar "$jar" --properties "$data_dir/s3proxy.properties" \
		>"$data_dir/s3proxy.log" 2>&1 </dev/null &
	S3PROXY_PID=$!
	S3PROXY_PORT=$port
	S3PROXY_ENDPOINT="http://127.0.0.1:$port"
	for ((i = 0; i < 300; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$S3PROXY_ENDPOINT/" || true)
		if [[ $code != 000 ]]; then
			_s3proxy_log "event=started pid=$S3PROXY_PID endpoint=$S3PROXY_ENDPOINT"
			return 0
		fi
		if ! kill -0 "$S3PROXY_PID" 2>/dev/null; then
			_s3proxy_log "error=\"S3Proxy exited\" log=$data_dir/s3proxy.log"
			tail -n 5 "$data_dir/s3proxy.log" >&2
			S3PROXY_PID=''
			return 1
		fi
		sleep 0.1
	done
	_s3proxy_log "error=\"S3Proxy not ready after 30s\" log=$data_dir/s3proxy.log"
	s3proxy_stop
	return 1
}

s3proxy_stop() {
	[[ -n ${S3PROXY_PID:-} ]] || return 0
	stop_pid "$S3PROXY_PID"
	_s3proxy_log "event=stopped pid=$S3PROXY_PID"
	S3PROXY_PID=''
}

# _s3proxy_curl ARGS...: curl with AWS SigV4; the keys go through a config on stdin.
_s3proxy_curl() {
	printf 'user = "%s:%s"\n' "$S3PROXY_ACCESS_KEY" "$S3PROXY_SECRET_KEY" |
		curl -K - -sS --fail --max-time 30 --aws-sigv4 "aws:amz:$S3PROXY_REGION:s3" \
			-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}

s3proxy_create_bucket() {
	_s3proxy_curl -o /dev/null -X PUT "$S3PROXY_ENDPOINT/$1"
}

s3proxy_list_keys() {
	local bucket=$1 prefix=${2:-}
	# Query parameters sorted and fully encoded: curl signs the query string as written.
	prefix=$(jq -rn --arg p "$prefix" '$p | @uri')
	_s3proxy_curl "$S3PROXY_ENDPOINT/$bucket?max-keys=1000&prefix=$prefix" |
		grep -oE '<Key>[^<]*</Key>' | sed -E 's#</?Key>##g'
}

s3proxy_get() {
	local bucket=$1 key=$2 out=$3
	_s3proxy_curl -o "$out" "$S3PROXY_ENDPOINT/$bucket/$key"
}
