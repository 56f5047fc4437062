#!/usr/bin/env bats
# ov2-ha-recorder-install.sh against a fake OpenVidu 2 CE folder (its docker-compose.yml and
# .env), configuration only (--config-only: no image build, no stack start here).

load helpers

setup() {
	OV=$BATS_TEST_TMPDIR/openvidu
	CFGDIR=$BATS_TEST_TMPDIR/cfg
	ENVF=$CFGDIR/.env
	mkdir -p "$CFGDIR"
	fake_openvidu "$OV"
	cp "$OV/.env" "$BATS_TEST_TMPDIR/openvidu.env.pristine"
}

install() {
	"$INSTALLER" --auto --config-only --openvidu-path "$OV" --env-file "$ENVF" "$@"
}

# secrets_not_printed: no generated secret appears in $output.
secrets_not_printed() {
	local key value
	for key in HA_ADMIN_PASSWORD HA_RECORDER_PASSWORD HA_WEBHOOK_TOKEN HA_REDIS_PASSWORD \
		HA_MINIO_ROOT_PASSWORD HA_S3_SECRET_KEY HA_RECORDER_S3_SECRET_KEY; do
		value=$(env_value "$ENVF" "$key")
		[ -n "$value" ]
		if [[ $output == *"$value"* ]]; then
			echo "$key was printed" >&2
			return 1
		fi
	done
}

@test "--help exits 0; an unknown option exits 2" {
	run "$INSTALLER" --help
	[ "$status" -eq 0 ]
	[[ $output == *"Usage: ov2-ha-recorder-install.sh"* ]]
	[[ $output == *"--uninstall"* ]]
	run "$INSTALLER" --bogus
	[ "$status" -eq 2 ]
}

@test "fresh install: settings (mode 600) with generated secrets, OpenVidu's owned keys only" {
	run install
	[ "$status" -eq 0 ]
	secrets_not_printed
	[ "$(stat -c %a "$ENVF")" = 600 ]
	[ "$(stat -c %a "$CFGDIR/site")" = 700 ]
	[ "$(stat -c %a "$CFGDIR/site/recorder.env")" = 600 ]
	[ "$(stat -c %a "$CFGDIR/controller.env")" = 600 ]
	# Secrets: generated, long, distinct.
	local admin recorder token
	admin=$(env_value "$ENVF" HA_ADMIN_PASSWORD)
	recorder=$(env_value "$ENVF" HA_RECORDER_PASSWORD)
	token=$(env_value "$ENVF" HA_WEBHOOK_TOKEN)
	[ "${#admin}" -ge 24 ] && [ "${#token}" -ge 32 ] && [ "$admin" != "$recorder" ]
	[ "$(env_value "$ENVF" HA_RECORDINGS_PATH)" = "$OV/recordings" ]
	[ "$(env_value "$ENVF" HA_OPENVIDU_PATH)" = "$OV" ]
	[ "$(env_value "$ENVF" HA_REDIS_URL)" = "redis://:$(env_value "$ENVF" HA_REDIS_PASSWORD)@redis:6379/0" ]
	local image
	image=$(env_value "$ENVF" HA_RECORDER_IMAGE)
	[[ $image =~ ^ov2-ha-recorder-site:[A-Za-z0-9_.-]+$ ]]
	# OpenVidu's .env: exactly the owned keys changed, everything else byte-identical.
	[ "$(env_value "$OV/.env" OPENVIDU_RECORDING_IMAGE)" = "$image" ]
	[ "$(env_value "$OV/.env" OPENVIDU_WEBHOOK)" = true ]
	[ "$(env_value "$OV/.env" OPENVIDU_WEBHOOK_ENDPOINT)" = "http://127.0.0.1:15443/openvidu/webhook" ]
	[ "$(env_value "$OV/.env" OPENVIDU_WEBHOOK_HEADERS)" = "[\"Authorization: Bearer $token\"]" ]
	diff <(grep -vE '^(OPENVIDU_RECORDING_IMAGE|OPENVIDU_WEBHOOK|OPENVIDU_WEBHOOK_ENDPOINT|OPENVIDU_WEBHOOK_HEADERS)=|^# OV2 HA Recorder' "$OV/.env") \
		<(grep -vE '^(OPENVIDU_RECORDING_IMAGE|OPENVIDU_WEBHOOK|OPENVIDU_WEBHOOK_ENDPOINT|OPENVIDU_WEBHOOK_HEADERS)=' "$BATS_TEST_TMPDIR/openvidu.env.pristine")
	[ "$(stat -c %a "$OV/.env")" = 644 ]
	cmp "$OV/.env.ov2ha-original" "$BATS_TEST_TMPDIR/openvidu.env.pristine"
	ls "$OV"/.env.ov2ha-backup-* >/dev/null
	# The recorders' settings: the recorder user, seconds, the host-network endpoints.
	local rec=$CFGDIR/site/recorder.env
	[ "$(env_value "$rec" HA_CONTROLLER_URL)" = "http://127.0.0.1:15443" ]
	[ "$(env_value "$rec" HA_RECORDER_PASSWORD)" = "$recorder" ]
	[ "$(env_value "$rec" HA_HEARTBEAT_INTERVAL)" = 1 ]
	[ "$(env_value "$rec" HA_CHUNK_DURATION)" = 10 ]
	[ "$(env_value "$rec" HA_S3_ENDPOINT)" = "http://127.0.0.1:9000" ]
	[ "$(env_value "$rec" HA_S3_ACCESS_KEY)" = ov2ha-recorder ]
	[ "$(env_value "$rec" HA_S3_SECRET_KEY)" = "$(env_value "$ENVF" HA_RECORDER_S3_SECRET_KEY)" ]
	# The controller's settings: no MinIO root or recorder S3 secrets.
	run grep -cE '^HA_(MINIO_ROOT_PASSWORD|RECORDER_S3_SECRET_KEY|REDIS_PASSWORD)=' "$CFGDIR/controller.env"
	[ "$output" = 0 ]
	grep -q '^HA_ADMIN_PASSWORD=' "$CFGDIR/controller.env"
}

@test "re-running changes nothing that is already right" {
	install
	local before
	before=$(snapshot "$OV" "$CFGDIR")
	sleep 1 # a new backup would get another timestamp
	run install
	[ "$status" -eq 0 ]
	[[ $output == *"up to date"* ]]
	[ "$(snapshot "$OV" "$CFGDIR")" = "$before" ]
}

@test "existing settings and secrets are kept; a removed secret is generated again" {
	install
	local admin
	admin=$(env_value "$ENVF" HA_ADMIN_PASSWORD)
	sed -i 's/^HA_MAX_MISSED_HEARTBEATS=.*/HA_MAX_MISSED_HEARTBEATS=5/; s/^HA_RECORDER_PASSWORD=.*/HA_RECORDER_PASSWORD=/' "$ENVF"
	run install
	[ "$status" -eq 0 ]
	[ "$(env_value "$ENVF" HA_ADMIN_PASSWORD)" = "$admin" ]
	[ "$(env_value "$ENVF" HA_MAX_MISSED_HEARTBEATS)" = 5 ]
	[ -n "$(env_value "$ENVF" HA_RECORDER_PASSWORD)" ]
	[ "$(stat -c %a "$ENVF")" = 600 ]
	ls "$ENVF".bak-* >/dev/null
	[ "$(stat -c %a "$(ls "$ENVF".bak-* | head -n 1)")" = 600 ]
}

@test "--dry-run on a fresh host changes nothing" {
	local before
	before=$(snapshot "$OV" "$CFGDIR")
	run install --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"Dry run"* ]]
	[[ $output == *"OPENVIDU_WEBHOOK_ENDPOINT"* ]]
	[[ $output == *"dry run: not written"* ]]
	[ "$(snapshot "$OV" "$CFGDIR")" = "$before" ]
	[ ! -e "$ENVF" ]
}

@test "--dry-run after an installation changes nothing" {
	install
	sed -i 's/^HA_CONTROLLER_PORT=.*/HA_CONTROLLER_PORT=15999/' "$ENVF"
	local before
	before=$(snapshot "$OV" "$CFGDIR")
	run install --dry-run --controller-url http://10.0.0.5:15999
	[ "$status" -eq 0 ]
	[[ $output == *"http://10.0.0.5:15999/openvidu/webhook"* ]]
	[ "$(snapshot "$OV" "$CFGDIR")" = "$before" ]
}

@test "--uninstall restores OpenVidu's .env byte for byte" {
	install
	run "$INSTALLER" --uninstall --config-only --env-file "$ENVF"
	[ "$status" -eq 0 ]
	cmp "$OV/.env" "$BATS_TEST_TMPDIR/openvidu.env.pristine"
	[ "$(stat -c %a "$OV/.env")" = 644 ]
	[[ $output == *"restored"* ]]
	# A second uninstall has nothing to do; a new install works again.
	run "$INSTALLER" --uninstall --config-only --env-file "$ENVF"
	[ "$status" -eq 0 ]
	[[ $output == *"nothing to restore"* ]]
	run install
	[ "$status" -eq 0 ]
	[ "$(env_value "$OV/.env" OPENVIDU_WEBHOOK)" = true ]
}

@test "--uninstall after other edits restores only the owned keys and keeps the edits" {
	install
	ov_set "$OV" OPENVIDU_RECORDING_AUTOSTOP_TIMEOUT 300
	run "$INSTALLER" --uninstall --config-only --env-file "$ENVF"
	[ "$status" -eq 0 ]
	[[ $output == *"restoring only the keys"* ]]
	[ "$(env_value "$OV/.env" OPENVIDU_RECORDING_AUTOSTOP_TIMEOUT)" = 300 ]
	ov_set "$OV" OPENVIDU_RECORDING_AUTOSTOP_TIMEOUT 120
	cmp "$OV/.env" "$BATS_TEST_TMPDIR/openvidu.env.pristine"
}

@test "--uninstall --dry-run changes nothing" {
	install
	local before
	before=$(snapshot "$OV" "$CFGDIR")
	run "$INSTALLER" --uninstall --dry-run --config-only --env-file "$ENVF"
	[ "$status" -eq 0 ]
	[[ $output == *"would restore"* ]]
	[ "$(snapshot "$OV" "$CFGDIR")" = "$before" ]
}

@test "an existing webhook endpoint becomes the relay target, with its headers" {
	ov_set "$OV" OPENVIDU_WEBHOOK true
	ov_set "$OV" OPENVIDU_WEBHOOK_ENDPOINT https://app.example.com/openvidu-events
	ov_set "$OV" OPENVIDU_WEBHOOK_HEADERS '["Authorization: Basic YXBwOnNlY3JldA=="]'
	run install
	[ "$status" -eq 0 ]
	[ "$(env_value "$ENVF" HA_WEBHOOK_RELAY_URL)" = https://app.example.com/openvidu-events ]
	[ "$(env_value "$ENVF" HA_WEBHOOK_RELAY_HEADERS)" = '["Authorization: Basic YXBwOnNlY3JldA=="]' ]
	[[ $output != *YXBwOnNlY3JldA* ]]
	[ "$(env_value "$OV/.env" OPENVIDU_WEBHOOK_ENDPOINT)" = "http://127.0.0.1:15443/openvidu/webhook" ]
	# Re-run: the relay target stays the customer's endpoint (never the controller).
	run install
	[ "$status" -eq 0 ]
	[ "$(env_value "$ENVF" HA_WEBHOOK_RELAY_URL)" = https://app.example.com/openvidu-events ]
	# Uninstall gives the customer's endpoint back to OpenVidu.
	"$INSTALLER" --uninstall --config-only --env-file "$ENVF"
	[ "$(env_value "$OV/.env" OPENVIDU_WEBHOOK_ENDPOINT)" = https://app.example.com/openvidu-events ]
}

@test "a webhook endpoint on the host's loopback becomes host.docker.internal, with a clear message" {
	ov_set "$OV" OPENVIDU_WEBHOOK true
	ov_set "$OV" OPENVIDU_WEBHOOK_ENDPOINT http://127.0.0.1:5055/openvidu-events
	run install
	[ "$status" -eq 0 ]
	[ "$(env_value "$ENVF" HA_WEBHOOK_RELAY_URL)" = http://host.docker.internal:5055/openvidu-events ]
	[[ $output == *"cannot reach"*"host.docker.internal:5055"* ]]
	grep -q '^HA_WEBHOOK_RELAY_URL=http://host.docker.internal:5055/openvidu-events$' "$CFGDIR/controller.env"
	# The compose file maps that name to the host.
	grep -q '"host.docker.internal:host-gateway"' "$REPO_DIR/docker/docker-compose.yml"
	run "$OPS" --env-file "$ENVF" validate
	[[ $output != *"is on the loopback"* ]]
	# A loopback relay target already in the settings (an older installation) is rewritten too.
	sed -i 's#^HA_WEBHOOK_RELAY_URL=.*#HA_WEBHOOK_RELAY_URL=http://localhost:5055/x#' "$ENVF"
	run install
	[ "$status" -eq 0 ]
	[ "$(env_value "$ENVF" HA_WEBHOOK_RELAY_URL)" = http://host.docker.internal:5055/x ]
	# Uninstall gives OpenVidu its own loopback endpoint back.
	"$INSTALLER" --uninstall --config-only --env-file "$ENVF"
	[ "$(env_value "$OV/.env" OPENVIDU_WEBHOOK_ENDPOINT)" = http://127.0.0.1:5055/openvidu-events ]
}

@test "validate refuses a relay target on the loopback and names the reachable one" {
	install
	sed -i 's#^HA_WEBHOOK_RELAY_URL=.*#HA_WEBHOOK_RELAY_URL=http://127.0.0.1:5055/hook#' "$ENVF"
	run "$OPS" --env-file "$ENVF" validate
	[ "$status" -eq 1 ]
	[[ $output == *"HA_WEBHOOK_RELAY_URL=http://127.0.0.1:5055/hook is on the loopback"* ]]
	[[ $output == *"Use http://host.docker.internal:5055/hook"* ]]
}

@test "an endpoint that is the controller itself never becomes the relay target" {
	ov_set "$OV" OPENVIDU_WEBHOOK true
	ov_set "$OV" OPENVIDU_WEBHOOK_ENDPOINT http://localhost:15443/openvidu/webhook
	run install
	[ "$status" -eq 0 ]
	[ -z "$(env_value "$ENVF" HA_WEBHOOK_RELAY_URL)" ]
}

@test "a relay target pointing at the controller is removed from the settings" {
	install
	sed -i '/^HA_WEBHOOK_RELAY_URL=/d' "$ENVF"
	echo "HA_WEBHOOK_RELAY_URL=http://127.0.0.1:15443/openvidu/webhook" >>"$ENVF"
	run install
	[ "$status" -eq 0 ]
	[[ $output == *"relay loop"* ]]
	[ -z "$(env_value "$ENVF" HA_WEBHOOK_RELAY_URL)" ]
}

@test "an event list without recordingStatusChanged gets it added" {
	ov_set "$OV" OPENVIDU_WEBHOOK_EVENTS '[sessionCreated,sessionDestroyed]'
	run install
	[ "$status" -eq 0 ]
	[ "$(env_value "$OV/.env" OPENVIDU_WEBHOOK_EVENTS)" = '[sessionCreated,sessionDestroyed,recordingStatusChanged]' ]
	run install
	[ "$(env_value "$OV/.env" OPENVIDU_WEBHOOK_EVENTS)" = '[sessionCreated,sessionDestroyed,recordingStatusChanged]' ]
}

@test "--controller-url refuses a newline, spaces, a path or a bad port, and nothing changes" {
	local before url
	before=$(snapshot "$OV" "$CFGDIR")
	for url in $'http://127.0.0.1:15443\nOPENVIDU_SECRET=x' 'http://127.0.0.1:15443 x' \
		'http://127.0.0.1:99999' 'ftp://127.0.0.1:15443' 'http://127.0.0.1:15443/ctl' $'http://127.0.0.1:15443\t'; do
		run install --controller-url "$url"
		[ "$status" -eq 2 ]
		[[ $output == *"--controller-url must be http(s)://host[:port]"* ]]
	done
	[ "$(snapshot "$OV" "$CFGDIR")" = "$before" ]
	run install --controller-url http://10.0.0.5:15443/
	[ "$status" -eq 0 ]
	[ "$(env_value "$ENVF" HA_CONTROLLER_URL)" = http://10.0.0.5:15443 ]
}

@test "OpenVidu .env copies holding the webhook token are mode 600" {
	install
	sed -i 's/^HA_CONTROLLER_PORT=.*/HA_CONTROLLER_PORT=15999/' "$ENVF"
	install --controller-url http://127.0.0.1:15999
	local f
	for f in "$OV"/.env.ov2ha-backup-*; do
		[ "$(stat -c %a "$f")" = 600 ]
	done
	ov_set "$OV" OPENVIDU_RECORDING_AUTOSTOP_TIMEOUT 300
	run "$INSTALLER" --uninstall --config-only --env-file "$ENVF"
	[ "$status" -eq 0 ]
	f=$(ls "$OV"/.env.ov2ha-uninstalled-*)
	grep -q "Bearer $(env_value "$ENVF" HA_WEBHOOK_TOKEN)" "$f"
	[ "$(stat -c %a "$f")" = 600 ]
	[ "$(stat -c %a "$OV/.env")" = 644 ]
}

@test "--show-secrets prints the admin password in the summary; the default never does" {
	run install
	secrets_not_printed
	run install --show-secrets
	[ "$status" -eq 0 ]
	[[ $output == *"HA_ADMIN_PASSWORD=$(env_value "$ENVF" HA_ADMIN_PASSWORD)"* ]]
}

@test "OpenVidu's public URL and its composed-recording host become the recorder URL checks" {
	ov_set "$OV" OPENVIDU_RECORDING_COMPOSED_URL "https://composer.example.com:4443/base"
	run install
	[ "$status" -eq 0 ]
	[ "$(env_value "$ENVF" HA_OPENVIDU_URL)" = "https://openvidu.example.com" ]
	[ "$(env_value "$ENVF" HA_RECORDER_URL_HOSTS)" = composer.example.com ]
	# OpenVidu's secret, for the controller's questions to OpenVidu's REST API; never printed
	[ "$(env_value "$ENVF" HA_OPENVIDU_SECRET)" = MY_SECRET ]
	grep -q '^HA_OPENVIDU_SECRET=MY_SECRET$' "$CFGDIR/controller.env"
	[[ $output != *MY_SECRET* ]]
	grep -q '^HA_RECORDER_URL_HOSTS=composer.example.com$' "$CFGDIR/controller.env"
}

@test "--external-redis and --storage local are kept in the settings" {
	run install --external-redis redis://:pw-external-1234@10.0.0.9:6379/2 --storage local
	[ "$status" -eq 0 ]
	[[ $output != *pw-external-1234* ]]
	[ "$(env_value "$ENVF" HA_BUNDLED_REDIS)" = false ]
	[ "$(env_value "$ENVF" HA_REDIS_URL)" = redis://:pw-external-1234@10.0.0.9:6379/2 ]
	[ "$(env_value "$ENVF" HA_RECORDING_STORAGE)" = local ]
	run grep -c '^HA_S3_ENDPOINT=' "$CFGDIR/site/recorder.env"
	[ "$output" = 0 ]
	run install
	[ "$(env_value "$ENVF" HA_BUNDLED_REDIS)" = false ]
	[ "$(env_value "$ENVF" HA_RECORDING_STORAGE)" = local ]
}

@test "clear errors: no OpenVidu folder, no .env, OpenVidu 3" {
	run "$INSTALLER" --auto --config-only --openvidu-path "$BATS_TEST_TMPDIR/nope" --env-file "$ENVF"
	[ "$status" -eq 1 ]
	[[ $output == *"does not exist"* ]]
	mv "$OV/.env" "$OV/env.moved"
	run install
	[ "$status" -eq 1 ]
	[[ $output == *".env not found"* ]]
	mv "$OV/env.moved" "$OV/.env"
	sed -i 's#openvidu/openvidu-server:2.32.1#openvidu/openvidu-server:3.0.0#' "$OV/docker-compose.yml"
	run install
	[ "$status" -eq 1 ]
	[[ $output == *"OpenVidu 2 only"* ]]
	[ ! -e "$ENVF" ]
	cmp "$OV/.env" "$BATS_TEST_TMPDIR/openvidu.env.pristine"
}

@test "the written settings pass the ops script's validation" {
	install
	run "$OPS" --env-file "$ENVF" validate
	[ "$status" -eq 0 ]
	secrets_not_printed
}

@test "a controller port set in .env before the installation is the port of the derived controller URL" {
	printf 'HA_CONTROLLER_PORT=15999\n' >"$ENVF"
	chmod 600 "$ENVF"
	run install
	[ "$status" -eq 0 ]
	[ "$(env_value "$ENVF" HA_CONTROLLER_URL)" = http://127.0.0.1:15999 ]
	[ "$(env_value "$OV/.env" OPENVIDU_WEBHOOK_ENDPOINT)" = http://127.0.0.1:15999/openvidu/webhook ]
	# a URL the .env sets is kept on a re-run
	sed -i 's#^HA_CONTROLLER_URL=.*#HA_CONTROLLER_URL=http://10.0.0.5:15999#' "$ENVF"
	run install
	[ "$status" -eq 0 ]
	[ "$(env_value "$ENVF" HA_CONTROLLER_URL)" = http://10.0.0.5:15999 ]
}
