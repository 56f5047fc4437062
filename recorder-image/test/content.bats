#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2034 # each @test runs in a subshell and sets variables that the sourced recorder functions read
# Content health: the classification of a probe, the prober's state and its file, the probe's
# ffmpeg command (with a stub ffmpeg: the host tests have no X), and the heartbeat's fields.

load helpers

setup() {
	recorder_env_setup
	load_libs
	config_load 2>/dev/null
	mkdir -p "$OV2HA_RUN_DIR" "$(chunk_dir)" "$WORK/bin"
	export WORK
}

teardown() {
	recorder_teardown
}

# frame FILE VALUE [HOT]: a 32x18 gray frame of luma VALUE (0..255), the last HOT pixels white.
frame() {
	local file=$1 value=$2 hot=${3:-0} byte i
	printf -v byte '\\%03o' "$value"
	{
		for ((i = 0; i < 576 - hot; i++)); do printf '%b' "$byte"; done
		for ((i = 0; i < hot; i++)); do printf '\377'; done
	} >"$file"
}

# progress_at MS: ffmpeg's last progress report says MS of media written.
progress_at() {
	printf 'frame=%s\nout_time_us=%s000\nspeed=1.00x\nprogress=continue\n' "$(($1 / 40))" "$1" >"$(progress_file)"
}

# content_is STATE SINCE MEDIA: the content file holds that line, and the time of the last probe.
content_is() {
	local state since media last extra
	read -r state since media last extra <"$(content_file)"
	[ "$state $since $media" = "$1 $2 $3" ] && [[ $last =~ ^[0-9]{13}$ && -z $extra ]]
}

# A stub ffmpeg: writes $STUB_FRAME to the file after "-f rawvideo", logs max_volume
# $STUB_VOLUME as volumedetect does, exits $STUB_RC; its arguments go to $WORK/ffmpeg.args.
stub_ffmpeg() {
	cat >"$WORK/bin/ffmpeg" <<-'EOF'
		#!/usr/bin/env bash
		printf '%s\n' "$*" >>"$WORK/ffmpeg.args"
		out='' prev=''
		for a in "$@"; do
			[[ $prev == rawvideo ]] && out=$a
			prev=$a
		done
		[[ -n ${STUB_FRAME:-} && -n $out ]] && cp "$STUB_FRAME" "$out"
		echo '[Parsed_volumedetect_0 @ 0x5581] n_samples: 48000'
		[[ -n ${STUB_VOLUME:-} ]] && echo "[Parsed_volumedetect_0 @ 0x5581] max_volume: $STUB_VOLUME dB"
		echo '[Parsed_volumedetect_0 @ 0x5581] histogram_0db: 12'
		exit "${STUB_RC:-0}"
	EOF
	chmod +x "$WORK/bin/ffmpeg"
	export PATH="$WORK/bin:$PATH"
}

@test "classify: a uniform frame with silence or no sound is blank, anything else shown" {
	frame "$WORK/black" 0
	frame "$WORK/grey" 128
	frame "$WORK/dots" 0 3
	# swscale's rounding and noise stay within OV2HA_BLANK_LUMA_RANGE (12).
	{ frame "$WORK/x" 20 && head -c 560 "$WORK/x" && printf '\040\040\040\040\040\040\040\040\040\040\040\040\040\040\040\040'; } >"$WORK/noisy12"
	{ head -c 560 "$WORK/x" && printf '\041\041\041\041\041\041\041\041\041\041\041\041\041\041\041\041'; } >"$WORK/noisy13"
	[ "$(stat -c %s "$WORK/noisy12")" = 576 ]
	[ "$(stat -c %s "$WORK/noisy13")" = 576 ]
	[ "$(stat -c %s "$WORK/black")" = 576 ]
	content_classify "$WORK/black" ''
	[ "$CONTENT_CLASS" = blank ]
	content_classify "$WORK/grey" ''
	[ "$CONTENT_CLASS" = blank ]
	content_classify "$WORK/black" -91.0
	[ "$CONTENT_CLASS" = blank ]
	content_classify "$WORK/grey" -inf
	[ "$CONTENT_CLASS" = blank ]
	content_classify "$WORK/black" -50
	[ "$CONTENT_CLASS" = blank ]
	content_classify "$WORK/noisy12" ''
	[ "$CONTENT_CLASS" = blank ]
	# Something on the screen, or something to hear.
	content_classify "$WORK/dots" ''
	[ "$CONTENT_CLASS" = shown ]
	content_classify "$WORK/dots" -91.0
	[ "$CONTENT_CLASS" = shown ]
	content_classify "$WORK/noisy13" ''
	[ "$CONTENT_CLASS" = shown ]
	content_classify "$WORK/black" -20.0
	[ "$CONTENT_CLASS" = shown ]
	content_classify "$WORK/black" -49.9
	[ "$CONTENT_CLASS" = shown ]
	content_classify "$WORK/black" 0.0
	[ "$CONTENT_CLASS" = shown ]
	# A volume that does not parse is no proof of silence.
	content_classify "$WORK/black" 'N/A'
	[ "$CONTENT_CLASS" = shown ]
	# No frame: unknown, whatever the sound.
	content_classify "$WORK/missing" -91.0
	[ "$CONTENT_CLASS" = unknown ]
	: >"$WORK/empty"
	content_classify "$WORK/empty" ''
	[ "$CONTENT_CLASS" = unknown ]
	# The thresholds are settings.
	OV2HA_BLANK_LUMA_RANGE=255 OV2HA_SILENCE_DB=-10
	content_classify "$WORK/dots" -20.0
	[ "$CONTENT_CLASS" = blank ]
}

@test "state: blank since the first blank probe, a shown media time once two probes were shown, unknown changes nothing, transitions logged" {
	local -a samples=(unknown blank blank unknown shown shown blank unknown blank shown shown)
	local i=0 t0 t1 since since2
	content_probe() {
		CONTENT_SAMPLE=${samples[i]}
		i=$((i + 1))
	}
	# 1. unknown: no file (the heartbeat says null).
	content_tick 2>>"$WORK/log"
	[ ! -e "$(content_file)" ]
	# 2. blank, before any shown probe (and before ffmpeg's first report).
	t0=$(now_ms)
	content_tick 2>>"$WORK/log"
	t1=$(now_ms)
	read -r _ since _ <"$(content_file)"
	((since >= t0 && since <= t1))
	content_is blank "$since" -
	# 3. blank again: still blank since the first one.
	sleep 0.05
	progress_at 1200
	content_tick 2>>"$WORK/log"
	content_is blank "$since" -
	# 4. unknown: nothing changes.
	progress_at 3200
	content_tick 2>>"$WORK/log"
	content_is blank "$since" -
	# 5. shown once: shown, but no shown media time yet (a starting browser paints a frame of
	# its own: one shown probe does not prove the page ever showed anything).
	progress_at 5200
	content_tick 2>>"$WORK/log"
	content_is shown 0 -
	# 6. shown again: with the media time of ffmpeg's last report at the probe.
	progress_at 7200
	content_tick 2>>"$WORK/log"
	content_is shown 0 7200
	# 7. blank: a new blank run; the last shown media time stays.
	progress_at 9200
	t0=$(now_ms)
	content_tick 2>>"$WORK/log"
	read -r _ since2 _ <"$(content_file)"
	((since2 >= t0 && since2 > since))
	content_is blank "$since2" 7200
	# 8. unknown, 9. blank: the same run.
	progress_at 11200
	content_tick 2>>"$WORK/log"
	sleep 0.05
	content_tick 2>>"$WORK/log"
	content_is blank "$since2" 7200
	# 10., 11. shown again: every shown probe counts now.
	progress_at 15200
	content_tick 2>>"$WORK/log"
	content_is shown 0 15200
	progress_at 17200
	content_tick 2>>"$WORK/log"
	content_is shown 0 17200
	# Only the transitions are logged, with ffmpeg's media time (0 before its first report).
	run grep -o 'event=content_changed.*' "$WORK/log"
	[ "${#lines[@]}" = 4 ]
	[ "${lines[0]}" = 'event=content_changed state=blank media_ms=0' ]
	[ "${lines[1]}" = 'event=content_changed state=shown media_ms=5200' ]
	[ "${lines[2]}" = 'event=content_changed state=blank media_ms=9200' ]
	[ "${lines[3]}" = 'event=content_changed state=shown media_ms=15200' ]
	# Atomic replacement: no temp file left behind.
	[ -z "$(find "$OV2HA_RUN_DIR" -name '.ov2ha-tmp.*')" ]
}

@test "probe: one ffmpeg, x11grab one frame at the recording size in 32x18 gray, volumedetect on rec.monitor" {
	stub_ffmpeg
	X_DISPLAY=:42
	frame "$WORK/black" 0
	frame "$WORK/dots" 0 3
	export STUB_FRAME="$WORK/black" STUB_VOLUME=-91.0
	content_probe
	[ "$CONTENT_SAMPLE" = blank ]
	grep -qx -- "-hide_banner -nostdin -nostats -loglevel info -y -probesize 32 -analyzeduration 0 -f x11grab -draw_mouse 0 -framerate 5 -video_size 320x180 -i :42 -f pulse -i rec.monitor -map 0:v -frames:v 1 -vf scale=32:18:flags=area,format=gray -f rawvideo $OV2HA_RUN_DIR/content.gray -map 1:a -t 0.5 -af volumedetect -f null -" "$WORK/ffmpeg.args"
	export STUB_VOLUME=-23.4
	content_probe
	[ "$CONTENT_SAMPLE" = shown ]
	export STUB_FRAME="$WORK/dots" STUB_VOLUME=-inf
	content_probe
	[ "$CONTENT_SAMPLE" = shown ]
	# ONLY_VIDEO: no sound is probed; the frame decides.
	ONLY_VIDEO=true
	export STUB_FRAME="$WORK/black" STUB_VOLUME=''
	: >"$WORK/ffmpeg.args"
	content_probe
	[ "$CONTENT_SAMPLE" = blank ]
	[ "$(cat "$WORK/ffmpeg.args")" = "-hide_banner -nostdin -nostats -loglevel info -y -probesize 32 -analyzeduration 0 -f x11grab -draw_mouse 0 -framerate 5 -video_size 320x180 -i :42 -map 0:v -frames:v 1 -vf scale=32:18:flags=area,format=gray -f rawvideo $OV2HA_RUN_DIR/content.gray" ]
}

@test "probe failures: unknown, logged at most once a minute, then the recovery; never fatal under set -e" {
	stub_ffmpeg
	X_DISPLAY=:42
	frame "$WORK/black" 0
	(
		set -Eeuo pipefail
		trap 'echo "ERR $BASH_COMMAND" >>"$WORK/err"' ERR
		export STUB_FRAME="$WORK/black" STUB_VOLUME=-91.0 STUB_RC=1
		content_tick
		[ "$CONTENT_SAMPLE" = unknown ]
		content_tick
		# ffmpeg exits 0 but wrote no frame, or logged no max_volume: proves nothing.
		export STUB_RC=0 STUB_FRAME=''
		content_tick
		[ "$CONTENT_SAMPLE" = unknown ]
		export STUB_FRAME="$WORK/black" STUB_VOLUME=''
		content_tick
		[ "$CONTENT_SAMPLE" = unknown ]
		[ ! -e "$(content_file)" ]
		export STUB_VOLUME=-91.0
		content_tick
		[ "$CONTENT_SAMPLE" = blank ]
		content_is blank "$CONTENT_BLANK_SINCE" -
	) 2>"$WORK/log"
	[ ! -e "$WORK/err" ]
	run grep -o 'event=content_probe_.*' "$WORK/log"
	[ "${#lines[@]}" = 2 ]
	[[ ${lines[0]} == 'event=content_probe_failed reason=1 failures=1 last_log='* ]]
	[ "${lines[1]}" = 'event=content_probe_recovered failures=3' ]
}

@test "the prober's loop: writes the file every interval, ends with 143 on TERM, ignores INT" {
	content_probe() { CONTENT_SAMPLE=blank; }
	OV2HA_CONTENT_INTERVAL=1
	progress_at 400
	content_run 2>"$WORK/log" &
	local pid=$!
	BG_PIDS+=("$pid")
	wait_for 5 test -s "$(content_file)"
	grep -q '^blank [0-9]* - [0-9]*$' "$(content_file)"
	kill -INT "$pid"
	sleep 0.3
	kill -0 "$pid"
	kill -TERM "$pid"
	wait_exit "$pid" 5
	[ "$EXIT_CODE" = 143 ]
	grep -q 'comp=content event=content_prober_started interval_s=1 display=none audio=true' "$WORK/log"
	grep -q 'comp=content event=content_changed state=blank media_ms=400' "$WORK/log"
}

@test "the prober runs for the real screen only, and not with an interval of 0" {
	OV2HA_CAPTURE=lavfi
	run content_enabled
	[ "$status" = 1 ]
	OV2HA_CAPTURE=x11
	content_enabled
	OV2HA_CONTENT_INTERVAL=0
	run content_enabled
	[ "$status" = 1 ]
	# composed-ha.sh's own default, and the recorder run by the bats tests (lavfi): none.
	(
		unset OV2HA_CONTENT_INTERVAL OV2HA_CAPTURE OV2HA_BLANK_LUMA_RANGE OV2HA_SILENCE_DB
		# shellcheck source=../scripts/lib/content.sh
		source "$SCRIPTS_DIR/lib/content.sh"
		[ "$OV2HA_CONTENT_INTERVAL" = 4 ]
		[ "$OV2HA_BLANK_LUMA_RANGE" = 12 ]
		[ "$OV2HA_SILENCE_DB" = -50 ]
		content_enabled
	)
}

@test "heartbeat body: content, blankMs and shownMediaMs from the prober's file (pending without it while the prober is enabled, else null)" {
	agent_heartbeat_body 123
	[ "$HEARTBEAT_BODY" = '{"epoch":0,"phase":"starting","mediaTimeMs":null,"frames":null,"speed":null,"progressAgeMs":null,"lastChunkSeq":null,"uploadBacklog":0,"freeDiskBytes":123,"content":null,"blankMs":null,"shownMediaMs":null}' ]
	local t
	t=$(now_ms)
	printf 'shown 0 121400 %s\n' "$t" >"$(content_file)"
	agent_heartbeat_body 123
	[[ $HEARTBEAT_BODY == *',"freeDiskBytes":123,"content":"shown","blankMs":0,"shownMediaMs":121400}' ]]
	jq -e . <<<"$HEARTBEAT_BODY" >/dev/null
	# Blank: from the first to the last blank probe (only what probes proved).
	printf 'blank %s 121400 %s\n' "$((t - 6500))" "$t" >"$(content_file)"
	agent_heartbeat_body 123
	jq -e '.content == "blank" and .blankMs == 6500 and .shownMediaMs == 121400' <<<"$HEARTBEAT_BODY"
	# Blank from the start: nothing of this recorder was ever shown.
	printf 'blank %s - %s\n' "$((t - 2000))" "$t" >"$(content_file)"
	agent_heartbeat_body 123
	jq -e '.content == "blank" and .blankMs == 2000 and .shownMediaMs == null' <<<"$HEARTBEAT_BODY"
	# A blank run that started after its last probe (clock step): 0, never negative.
	printf 'blank %s - %s\n' "$((t + 60000))" "$t" >"$(content_file)"
	agent_heartbeat_body 123
	jq -e '.blankMs == 0' <<<"$HEARTBEAT_BODY"
	# Probes that stopped working (a saturated host): the last conclusive one is too old to
	# speak for the screen (three intervals and 5 s): no content, and no blank time growing.
	OV2HA_CONTENT_INTERVAL=4
	printf 'blank %s - %s\n' "$((t - 90000))" "$((t - 17500))" >"$(content_file)"
	agent_heartbeat_body 123
	[[ $HEARTBEAT_BODY == *',"content":null,"blankMs":null,"shownMediaMs":null}' ]]
	printf 'blank %s - %s\n' "$((t - 90000))" "$((t - 15000))" >"$(content_file)"
	agent_heartbeat_body 123
	jq -e '.content == "blank" and .blankMs == 75000' <<<"$HEARTBEAT_BODY"
	# The old three-field line: no content.
	printf 'blank %s -\n' "$t" >"$(content_file)"
	agent_heartbeat_body 123
	[[ $HEARTBEAT_BODY == *',"content":null,"blankMs":null,"shownMediaMs":null}' ]]
	# Anything else in the file is no content.
	printf 'grey 0 1\n' >"$(content_file)"
	agent_heartbeat_body 123
	[[ $HEARTBEAT_BODY == *',"content":null,"blankMs":null,"shownMediaMs":null}' ]]
	: >"$(content_file)"
	agent_heartbeat_body 123
	[[ $HEARTBEAT_BODY == *',"content":null,"blankMs":null,"shownMediaMs":null}' ]]
	# The prober enabled (the real screen) but no conclusive probe yet: pending, until the file.
	rm -f "$(content_file)"
	OV2HA_CAPTURE=x11
	agent_heartbeat_body 123
	[[ $HEARTBEAT_BODY == *',"content":"pending","blankMs":null,"shownMediaMs":null}' ]]
	jq -e . <<<"$HEARTBEAT_BODY" >/dev/null
	printf 'blank %s - %s\n' "$t" "$(now_ms)" >"$(content_file)"
	agent_heartbeat_body 123
	jq -e '.content == "blank"' <<<"$HEARTBEAT_BODY"
	# Stale probes (a starved host): a page never shown twice is still to show; one shown is unknown now.
	printf 'blank %s - %s\n' "$((t - 90000))" "$((t - 17500))" >"$(content_file)"
	agent_heartbeat_body 123
	[[ $HEARTBEAT_BODY == *',"content":"pending","blankMs":null,"shownMediaMs":null}' ]]
	printf 'shown 0 5000 %s\n' "$((t - 17500))" >"$(content_file)"
	agent_heartbeat_body 123
	[[ $HEARTBEAT_BODY == *',"content":null,"blankMs":null,"shownMediaMs":null}' ]]
	OV2HA_CONTENT_INTERVAL=0
	rm -f "$(content_file)"
	agent_heartbeat_body 123
	[[ $HEARTBEAT_BODY == *',"content":null,"blankMs":null,"shownMediaMs":null}' ]]
	OV2HA_CAPTURE=lavfi OV2HA_CONTENT_INTERVAL=4
	# Still no process per heartbeat.
	printf 'blank %s 5 %s\n' "$(now_ms)" "$(now_ms)" >"$(content_file)"
	local saved=$PATH
	PATH=/nonexistent
	agent_heartbeat_body 1
	PATH=$saved
	jq -e '.content == "blank" and .shownMediaMs == 5' <<<"$HEARTBEAT_BODY"
}

@test "a restarted prober takes the state over: a page shown once never looks as if it had not" {
	local -a samples=(blank)
	local i=0
	content_probe() {
		CONTENT_SAMPLE=${samples[i]}
		i=$((i + 1))
	}
	printf 'shown 0 7200 %s\n' "$(now_ms)" >"$(content_file)"
	content_resume
	[ "$CONTENT_STATE" = shown ] && [ "$CONTENT_SHOWN_MEDIA" = 7200 ] && [ "$CONTENT_SHOWN_COUNT" = 2 ]
	progress_at 9000
	content_tick 2>>"$WORK/log"
	content_is blank "$CONTENT_BLANK_SINCE" 7200
	# a file it cannot read: it starts afresh
	CONTENT_STATE='' CONTENT_SHOWN_MEDIA=- CONTENT_SHOWN_COUNT=0
	printf 'grey 0 1 2\n' >"$(content_file)"
	content_resume
	[ -z "$CONTENT_STATE" ] && [ "$CONTENT_SHOWN_COUNT" = 0 ]
}

@test "a probe is dated on the media timeline by the wall clock since the first frame (ffmpeg's report lags a slow encoder)" {
	local t
	t=$(now_ms)
	progress_at 4000
	content_media "$t"
	[ "$CONTENT_MEDIA" = 4000 ]
	# the first frame 9 s ago: the screen shows media time 9 s, whatever ffmpeg wrote so far
	printf '%s\n' "$((t - 9000))" >"$OV2HA_RUN_DIR/first-frame"
	content_media "$t"
	[ "$CONTENT_MEDIA" = 9000 ]
	# a report ahead of that (the wall clock stepped back): the report
	progress_at 12000
	content_media "$t"
	[ "$CONTENT_MEDIA" = 12000 ]
}
