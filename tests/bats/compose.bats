#!/usr/bin/env bats
# docker/docker-compose.yml: valid for the compose available here (docker-compose 1.29, and
# `docker compose` v2 when installed), safe defaults, and consistent with .env_template.
# Also: shellcheck of every deployment script, and MinIO's init job against a fake `mc`.

load helpers

# Settings read by the deployment that belong to issues 3-5 and are listed in .env_template
# by their branches. The lead empties this list at merge; then every name must be listed.
setup() {
	# A copy of docker/ next to a recorder-image/ folder (compose 1.29 checks build contexts),
	# with settings written by the installer.
	T=$BATS_TEST_TMPDIR/tree
	mkdir -p "$T/recorder-image"
	cp -r "$REPO_DIR/docker" "$T/docker"
	rm -f "$T/docker/.env" "$T/docker/controller.env"
	OV=$BATS_TEST_TMPDIR/openvidu
	fake_openvidu "$OV"
	"$INSTALLER" --auto --config-only --openvidu-path "$OV" --env-file "$T/docker/.env" >/dev/null 2>&1
}

compose_v1() {
	(cd "$T/docker" && OV2HA_ENV_DIR="$T/docker" docker-compose -p ov2ha-bats --env-file .env \
		--profile redis --profile s3 --profile s3-distributed --profile build "$@")
}

# rendered: the resolved compose file as JSON.
rendered() {
	compose_v1 config | python3 -c 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'
}

@test "docker-compose 1.29 validates the compose file with every profile" {
	command -v docker-compose >/dev/null || skip "docker-compose is not installed (apt-get install docker-compose)"
	run compose_v1 config -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "docker compose v2 validates the compose file when it is installed" {
	docker compose version >/dev/null 2>&1 || skip "docker compose v2 is not installed here"
	run bash -c "cd '$T/docker' && OV2HA_ENV_DIR='$T/docker' docker compose -p ov2ha-bats --env-file .env --profile redis --profile s3 --profile s3-distributed --profile build config -q"
	[ "$status" -eq 0 ]
}

@test "profile s3-distributed: four erasure-coded MinIO nodes, no console, only minio1 published, the same init job" {
	command -v docker-compose >/dev/null || skip "docker-compose is not installed"
	local json single n node
	json=$(cd "$T/docker" && OV2HA_ENV_DIR="$T/docker" docker-compose -p ov2ha-bats --env-file .env \
		--profile s3-distributed config | python3 -c 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))')
	single=$(rendered)
	# The profile's services: the four nodes and their init job (plus the controller, in no
	# profile); not the single MinIO nor its init job. docker-compose 1.29's `config` prints every
	# service with its profiles.
	json=$(jq '.services |= with_entries(select((.value.profiles // ["none"]) | index("s3-distributed") or . == ["none"]))' <<<"$json")
	[ "$(jq -r '.services | keys | join(" ")' <<<"$json")" = "controller minio-init-distributed minio1 minio2 minio3 minio4" ]
	[ "$(jq -c '[.services[].profiles // [] | .[]] | unique' <<<"$json")" = '["s3-distributed"]' ]
	for n in 1 2 3 4; do
		node=$(jq --arg s "minio$n" '.services[$s]' <<<"$json")
		# one erasure set over the four nodes' drives
		[ "$(jq -c .command <<<"$node")" = '["server","http://minio{1...4}/data"]' ]
		[ "$(jq -r .hostname <<<"$node")" = "minio$n" ]
		# its own volume
		[ "$(jq -r '.volumes | length' <<<"$node")" -eq 1 ]
		[[ $(jq -r '.volumes[0] | if type == "string" then . else .source + ":" + .target end' <<<"$node") == "minio$n-data:/data"* ]]
		# the single MinIO's image, root credentials, health check, labels and logging; no console
		[ "$(jq -r .image <<<"$node")" = "$(jq -r .services.minio.image <<<"$single")" ]
		[ "$(jq -c .environment <<<"$node")" = "$(jq -c .services.minio.environment <<<"$single")" ]
		[ "$(jq -r .environment.MINIO_BROWSER <<<"$node")" = off ]
		[ "$(jq -r .environment.MINIO_ROOT_PASSWORD <<<"$node")" = "$(env_value "$T/docker/.env" HA_MINIO_ROOT_PASSWORD)" ]
		[ "$(jq -c .healthcheck <<<"$node")" = "$(jq -c .services.minio.healthcheck <<<"$single")" ]
		[ "$(jq -c .labels <<<"$node")" = "$(jq -c .services.minio.labels <<<"$single")" ]
		[ "$(jq -c .logging <<<"$node")" = "$(jq -c .services.minio.logging <<<"$single")" ]
		[ "$(jq -r .restart <<<"$node")" = unless-stopped ]
		# the alias the controller's http://minio:9000 resolves to
		jq -e '.networks.default.aliases | index("minio")' <<<"$node" >/dev/null
	done
	# only minio1's S3 port, on loopback by default; nothing else published (no console)
	[ "$(jq -c .services.minio1.ports <<<"$json")" = '["127.0.0.1:9000:9000/tcp"]' ]
	[ "$(jq '[.services[] | select(.ports) | .ports[]] | length' <<<"$json")" -eq 2 ] # minio1, controller
	run jq -r '.services[].command // [] | if type == "array" then join(" ") else . end' <<<"$json"
	[[ $output != *console* ]]
	# the same init job against minio1, after every node is healthy
	local init
	init=$(jq '.services["minio-init-distributed"]' <<<"$json")
	[ "$(jq -r .environment.MINIO_URL <<<"$init")" = http://minio1:9000 ]
	[ "$(jq -c '.environment | del(.MINIO_URL)' <<<"$init")" = "$(jq -c '.services["minio-init"].environment | del(.MINIO_URL)' <<<"$single")" ]
	for key in image entrypoint volumes labels restart; do
		[ "$(jq -c ".$key" <<<"$init")" = "$(jq -c ".services[\"minio-init\"].$key" <<<"$single")" ]
	done
	[ "$(jq -c '.depends_on | to_entries | map(.key + "=" + .value.condition)' <<<"$init")" = \
		'["minio1=service_healthy","minio2=service_healthy","minio3=service_healthy","minio4=service_healthy"]' ]
	[ "$(jq -r '.volumes | keys | map(select(test("^minio[0-9]"))) | join(" ")' <<<"$json")" = "minio1-data minio2-data minio3-data minio4-data" ]
}

@test "safe defaults: Redis unpublished, ports on loopback, pinned images, least privilege" {
	command -v docker-compose >/dev/null || skip "docker-compose is not installed"
	local json
	json=$(rendered)
	[ "$(jq '.services.redis.ports // [] | length' <<<"$json")" -eq 0 ]
	[ "$(jq -r '.services.minio.ports[0]' <<<"$json")" = "127.0.0.1:9000:9000/tcp" ]
	[ "$(jq -r '.services.controller.ports[0]' <<<"$json")" = "127.0.0.1:15443:15443/tcp" ]
	# Pinned: no image without a tag or with :latest.
	run jq -r '.services[].image' <<<"$json"
	local image
	for image in $output; do
		[[ $image == *:* && $image != *:latest ]]
	done
	# Redis: AOF, noeviction, password not on its command line.
	local redis_cmd
	redis_cmd=$(jq -r '.services.redis.command | join(" ")' <<<"$json")
	[[ $redis_cmd == *"--appendonly yes"* && $redis_cmd == *"--maxmemory-policy noeviction"* ]]
	# a memory limit (HA_REDIS_MAXMEMORY, 256mb by default), so Redis and not the host runs out first
	[[ $redis_cmd == *'--maxmemory "'*'{HA_REDIS_MAXMEMORY:-256mb}" --maxmemory-policy noeviction'* ]]
	[ "$(jq -r '.services.redis.environment.HA_REDIS_MAXMEMORY' <<<"$json")" = 256mb ]
	[[ $redis_cmd != *"$(env_value "$T/docker/.env" HA_REDIS_PASSWORD)"* ]]
	# MinIO: no console.
	[ "$(jq -r '.services.minio.environment.MINIO_BROWSER' <<<"$json")" = off ]
	# Controller: all capabilities dropped but the ones the entrypoint keeps; no new privileges.
	[ "$(jq -r '.services.controller.cap_drop[0]' <<<"$json")" = ALL ]
	[ "$(jq -r '.services.controller.cap_add | sort | join(",")' <<<"$json")" = CHOWN,DAC_OVERRIDE,FOWNER,SETGID,SETPCAP,SETUID ]
	[[ $(jq -r '.services.controller.security_opt[0]' <<<"$json") == no-new-privileges* ]]
	# The recordings folder at the same path as on the host.
	local rec
	rec=$(env_value "$T/docker/.env" HA_RECORDINGS_PATH)
	jq -e --arg v "$rec:$rec:rw" '.services.controller.volumes | map(select(. == $v)) | length == 1' <<<"$json" >/dev/null ||
		jq -e --arg s "$rec" '.services.controller.volumes | map(select(type == "object" and .source == $s and .target == $s)) | length == 1' <<<"$json" >/dev/null
}

@test "the bundled Redis's password file works with a password holding \" and \\" {
	command -v docker-compose >/dev/null || skip "docker-compose is not installed"
	local pw='p"w\\x\"q\n$x`y' dir=$BATS_TEST_TMPDIR/redis script port
	mkdir -p "$dir/bin"
	sed -i "s/^HA_REDIS_PASSWORD=.*/HA_REDIS_PASSWORD=ok/" "$T/docker/.env"
	# The container's command, with the config written here instead of the container's /tmp.
	script=$(rendered | jq -r '.services.redis.command[2]')
	[[ $script == *'/tmp/ov2ha-auth.conf'* ]]
	script=${script//\/tmp\/ov2ha-auth.conf/$dir/auth.conf}
	script=${script//'$$'/'$'} # `config` prints compose's escaped form
	printf '#!/bin/sh\nexit 0\n' >"$dir/bin/chown"
	printf '#!/bin/sh\nexit 0\n' >"$dir/bin/docker-entrypoint.sh"
	chmod +x "$dir/bin/chown" "$dir/bin/docker-entrypoint.sh"
	HA_REDIS_PASSWORD=$pw PATH="$dir/bin:$PATH" sh -c "$script"
	[ "$(stat -c %a "$dir/auth.conf")" = 600 ]
	port=$(free_port)
	redis-server "$dir/auth.conf" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
		--daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" 3>&-
	wait_until 10 test -s "$dir/redis.pid"
	run env REDISCLI_AUTH="$pw" redis-cli -p "$port" ping
	local answer=$output
	run env REDISCLI_AUTH=wrong redis-cli -p "$port" ping
	kill "$(cat "$dir/redis.pid")"
	[ "$answer" = PONG ]
	[[ $output != PONG ]]
}

@test "the controller gets its settings but not MinIO's, Redis's or the recorders' secrets" {
	command -v docker-compose >/dev/null || skip "docker-compose is not installed"
	(cd "$T/docker" && bash -c "source lib/common.sh; env_load .env; write_controller_env '$T/docker'")
	local env
	env=$(rendered | jq '.services.controller.environment')
	[ "$(jq -r .HA_ADMIN_PASSWORD <<<"$env")" = "$(env_value "$T/docker/.env" HA_ADMIN_PASSWORD)" ]
	[ "$(jq -r .HA_DATA_DIR <<<"$env")" = /var/lib/ov2-ha ]
	[ "$(jq -r .HA_CONTROLLER_BIND_ADDRESS <<<"$env")" = 0.0.0.0 ]
	[ "$(jq '[keys[] | select(test("^HA_(MINIO_|RECORDER_S3_|REDIS_PASSWORD)"))] | length' <<<"$env")" -eq 0 ]
	# An empty value in .env is left out (the controller's default applies), never passed as "".
	[ "$(jq '[to_entries[] | select(.value == "")] | length' <<<"$env")" -eq 0 ]
}

@test "every HA_* variable the deployment and the recorder image read is listed in .env_template" {
	local used listed name missing=()
	used=$(grep -ohE '\bHA_[A-Z][A-Z0-9_]*[A-Z0-9]\b' "$REPO_DIR/docker/docker-compose.yml" "$REPO_DIR/docker/ov2-ha-recorder.sh" \
		"$REPO_DIR/docker/lib/common.sh" "$REPO_DIR/ov2-ha-recorder-install.sh" "$REPO_DIR/docker/minio/minio-init.sh" \
		"$REPO_DIR"/recorder-image/*.sh "$REPO_DIR"/recorder-image/scripts/*.sh "$REPO_DIR"/recorder-image/scripts/lib/*.sh | sort -u)
	listed=$(grep -oE '^HA_[A-Z0-9_]+' "$REPO_DIR/.env_template" | sort -u)
	for name in $used; do
		grep -qx "$name" <<<"$listed" && continue
		missing+=("$name")
	done
	if ((${#missing[@]} > 0)); then
		echo "not in .env_template: ${missing[*]}" >&2
		return 1
	fi
}

@test "every deployment-only variable in .env_template is used by the deployment" {
	local section name
	section=$(sed -n '/^# Deployment: docker\/docker-compose.yml/,$p' "$REPO_DIR/.env_template")
	[ -n "$section" ]
	for name in $(grep -oE '^HA_[A-Z0-9_]+' <<<"$section"); do
		grep -qw "$name" "$REPO_DIR/docker/docker-compose.yml" "$REPO_DIR/docker/ov2-ha-recorder.sh" \
			"$REPO_DIR/docker/lib/common.sh" "$REPO_DIR/ov2-ha-recorder-install.sh" \
			"$REPO_DIR/docker/controller-entrypoint.sh" "$REPO_DIR/docker/Dockerfile" || {
			echo "$name is listed but not used" >&2
			return 1
		}
	done
}

@test "shellcheck: every deployment script is clean" {
	command -v shellcheck >/dev/null || skip "shellcheck is not installed"
	cd "$REPO_DIR"
	run shellcheck -x ov2-ha-recorder-install.sh docker/ov2-ha-recorder.sh docker/lib/common.sh \
		docker/controller-entrypoint.sh docker/redis-restore.sh tests/bats/helpers.bash
	echo "$output"
	[ "$status" -eq 0 ]
	run shellcheck -s sh docker/minio/minio-init.sh
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "MinIO init: private bucket, two users, recorder policy limited to the chunk prefix, idempotent" {
	local bin=$BATS_TEST_TMPDIR/bin out=$BATS_TEST_TMPDIR/mc
	mkdir -p "$bin" "$out"
	cat >"$bin/mc" <<'EOF'
#!/bin/sh
echo "mc $*" >>"$MC_OUT/log"
case "$1 $2 $3" in
"admin policy create") cp "$6" "$MC_OUT/$5.json" ;;
"admin policy attach")
	if [ -f "$MC_OUT/attached-$5" ]; then echo "policy is already attached"; exit 1; fi
	touch "$MC_OUT/attached-$5" ;;
esac
exit 0
EOF
	chmod +x "$bin/mc"
	local run
	for run in 1 2; do
		env -i PATH="$bin:/usr/bin:/bin" MC_OUT="$out" MINIO_URL=http://minio:9000 MINIO_ROOT_USER=root \
			MINIO_ROOT_PASSWORD=rootpw-123 HA_S3_BUCKET=ov2ha-recordings HA_S3_PREFIX=recordings/ \
			HA_S3_ACCESS_KEY=ctl HA_S3_SECRET_KEY=ctl-secret HA_RECORDER_S3_ACCESS_KEY=rec \
			HA_RECORDER_S3_SECRET_KEY=rec-secret sh "$REPO_DIR/docker/minio/minio-init.sh"
	done
	grep -q '^mc anonymous set none ov2ha/ov2ha-recordings$' "$out/log"
	! grep -q 'rootpw-123' "$out/log" || false
	local rec=$out/ov2ha-recorder.json
	jq -e . "$rec" >/dev/null
	jq -e . "$out/ov2ha-controller.json" >/dev/null
	# The recorder may write and read back under the prefix, list names under it, nothing else.
	[ "$(jq -r '[.Statement[].Resource[]] | sort | join(" ")' "$rec")" = "arn:aws:s3:::ov2ha-recordings arn:aws:s3:::ov2ha-recordings/recordings/*" ]
	[ "$(jq -r '[.Statement[].Action[]] | map(select(test("Delete|\\*"))) | length' "$rec")" -eq 0 ]
	[ "$(jq -r '.Statement[] | select(.Action == ["s3:ListBucket"]) | .Condition.StringLike["s3:prefix"][0]' "$rec")" = "recordings/*" ]
	# Same user for both is refused.
	run env -i PATH="$bin:/usr/bin:/bin" MC_OUT="$out" MINIO_ROOT_USER=root MINIO_ROOT_PASSWORD=x HA_S3_BUCKET=b1b \
		HA_S3_ACCESS_KEY=same HA_S3_SECRET_KEY=a HA_RECORDER_S3_ACCESS_KEY=same HA_RECORDER_S3_SECRET_KEY=b \
		sh "$REPO_DIR/docker/minio/minio-init.sh"
	[ "$status" -eq 1 ]
	[[ $output == *"must differ"* ]]
}
