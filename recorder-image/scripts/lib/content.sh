#!/usr/bin/env bash
# shellcheck disable=SC2034 # CONTENT_* are read by the tests and the scripts that source this file
# Content health: whether the recorder's screen and sound show anything (a live session) or
# nothing (e.g. an OpenVidu layout page whose session is gone: uniformly black and silent).
# Requires common.sh and progress.sh.
#
# The prober (content_run) runs as a background subshell of composed-ha.sh, only for the real
# screen (x11), from ffmpeg's first frame on. Every OV2HA_CONTENT_INTERVAL seconds one short,
# low-priority ffmpeg (content_probe) grabs one frame of the display, shrunk to 32x18 gray,
# and (unless ONLY_VIDEO) listens to ~0.5 s of the PulseAudio sink "rec" the recording hears:
#   blank  the frame is uniform (max - min luma <= OV2HA_BLANK_LUMA_RANGE) and the sound is
#          silent (max_volume <= OV2HA_SILENCE_DB dB) or not recorded (ONLY_VIDEO)
#   shown  anything else
# It only reads: the capture never waits for it, and a failed probe is logged (throttled) and
# changes nothing. The agent reports the state in every heartbeat (agent_heartbeat_body).
# The controller leaves out of a final ended for a loss what was recorded more than 5 s after
# the last shown probe (a probe interval and a probe's time): keep the interval at 4 s or less.
#
# Files in OV2HA_RUN_DIR:
#   content       "STATE BLANK_SINCE_MS SHOWN_MEDIA_MS LAST_PROBE_MS", replaced atomically
#                 after every conclusive probe: STATE shown | blank; BLANK_SINCE_MS the wall
#                 clock (ms) of the first blank probe of the current blank run (0 when shown);
#                 SHOWN_MEDIA_MS the media time (ms) of the latest shown probe, "-" until two
#                 probes of this recorder were shown; LAST_PROBE_MS the wall clock of this probe.
#                 Absent until the first conclusive probe.
#   first-frame   (written by composed-ha.sh) the wall clock (ms) of ffmpeg's first frame
#   content.gray  the last probed frame (32x18 bytes of luma)
#   content.log   the last probe's ffmpeg messages

OV2HA_CONTENT_INTERVAL=${OV2HA_CONTENT_INTERVAL:-4}     # s between probes (about 0.13 s of CPU each); 0: no prober
OV2HA_BLANK_LUMA_RANGE=${OV2HA_BLANK_LUMA_RANGE:-12}    # max - min luma (0..255) of a uniform frame
OV2HA_SILENCE_DB=${OV2HA_SILENCE_DB:--50}               # max_volume (dB) of silence
OV2HA_CONTENT_TIMEOUT=${OV2HA_CONTENT_TIMEOUT:-5}       # s a probe may take (then killed)
OV2HA_CONTENT_AUDIO_SECONDS=${OV2HA_CONTENT_AUDIO_SECONDS:-0.5}

# The prober's state (in its own subshell).
CONTENT_SAMPLE=''     # the last probe: shown | blank | unknown
CONTENT_CLASS=''      # content_classify's answer
CONTENT_STATE=''      # '' until the first conclusive probe, then shown | blank
CONTENT_SHOWN_COUNT=0 # shown probes so far
CONTENT_MEDIA=0
CONTENT_BLANK_SINCE=0
CONTENT_SHOWN_MEDIA=-
CONTENT_LINE=''       # the line last written to the content file
CONTENT_FAILURES=0    # failed probes not logged yet
CONTENT_FAIL_LOGGED_AT=0

# content_file: the file the agent reads.
content_file() { printf '%s/content' "$OV2HA_RUN_DIR"; }

# content_enabled: the prober runs for the real screen only, and not with an interval of 0.
content_enabled() {
	[[ ${OV2HA_CAPTURE:-x11} == x11 && $OV2HA_CONTENT_INTERVAL =~ ^[0-9]+$ ]] &&
		((10#$OV2HA_CONTENT_INTERVAL > 0))
}

# content_classify GRAY_FILE MAX_VOLUME: sets CONTENT_CLASS from a probed frame (raw 8-bit
# luma) and the sound's max_volume in dB (empty: no sound probed; "-inf": digital silence):
#   blank    the frame is uniform and the sound silent or not probed
#   shown    anything else (an unparsable volume counts as sound: blank needs proof)
#   unknown  no frame (missing or empty file)
content_classify() {
	local gray=$1 volume=${2:-} silent=true range
	CONTENT_CLASS=unknown
	[[ -s $gray ]] || return 0
	# min and max of the bytes: od prints them as decimal numbers, awk keeps the extremes.
	range=$(od -An -v -tu1 -- "$gray" | awk '
		{ for (i = 1; i <= NF; i++) { if (n == 0 || $i < lo) lo = $i; if (n == 0 || $i > hi) hi = $i; n++ } }
		END { if (n > 0) print hi - lo }') || range=''
	[[ $range =~ ^[0-9]+$ ]] || return 0
	if [[ -n $volume && $volume != -inf ]]; then
		if [[ $volume =~ ^-?[0-9]+(\.[0-9]+)?$ && $OV2HA_SILENCE_DB =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
			awk -v v="$volume" -v s="$OV2HA_SILENCE_DB" 'BEGIN { exit !(v + 0 <= s + 0) }' || silent=false
		else
			silent=false
		fi
	fi
	if ((range <= OV2HA_BLANK_LUMA_RANGE)) && [[ $silent == true ]]; then
		CONTENT_CLASS=blank
	else
		CONTENT_CLASS=shown
	fi
}

# content_probe_args GRAY_FILE: the probe's ffmpeg arguments, in CONTENT_ARGS. One frame of the
# display at the recording's size (x11grab at 5 frames/s grabs little more than the probe
# needs; not probed for its format, which is known: probing waited 0.2 s for frames), shrunk
# to 32x18 gray by averaging (flags=area: swscale's default bicubic leaves rounding stripes of
# up to 10 levels on a black screen, close to OV2HA_BLANK_LUMA_RANGE; area gives 0..2), and the
# sound of "rec" for OV2HA_CONTENT_AUDIO_SECONDS through volumedetect (which logs max_volume
# at info level).
content_probe_args() {
	local gray=$1
	CONTENT_ARGS=(-hide_banner -nostdin -nostats -loglevel info -y
		-probesize 32 -analyzeduration 0 -f x11grab -draw_mouse 0 -framerate 5 -video_size "${VIDEO_WIDTH}x${VIDEO_HEIGHT}" -i "$X_DISPLAY")
	if [[ $ONLY_VIDEO != true ]]; then
		CONTENT_ARGS+=(-f pulse -i rec.monitor)
	fi
	CONTENT_ARGS+=(-map 0:v -frames:v 1 -vf "scale=32:18:flags=area,format=gray" -f rawvideo "$gray")
	if [[ $ONLY_VIDEO != true ]]; then
		CONTENT_ARGS+=(-map 1:a -t "$OV2HA_CONTENT_AUDIO_SECONDS" -af volumedetect -f null -)
	fi
}

# content_probe: one probe (one ffmpeg process at the lowest priority, at most
# OV2HA_CONTENT_TIMEOUT s). Sets CONTENT_SAMPLE: shown | blank | unknown (any failure).
content_probe() {
	local gray="$OV2HA_RUN_DIR/content.gray" log="$OV2HA_RUN_DIR/content.log" rc=0 line volume=''
	CONTENT_SAMPLE=unknown
	content_probe_args "$gray"
	: >"$gray"
	run_child nice -n 19 timeout -k 1 "$OV2HA_CONTENT_TIMEOUT" ffmpeg "${CONTENT_ARGS[@]}" \
		</dev/null >"$log" 2>&1 || rc=$?
	if ((rc == 0)) && [[ $ONLY_VIDEO != true ]]; then
		while IFS= read -r line; do
			if [[ $line =~ max_volume:\ (-?[0-9]+(\.[0-9]+)?|-inf)\ dB ]]; then
				volume=${BASH_REMATCH[1]}
			fi
		done <"$log"
		# No max_volume: no sound reached volumedetect; the probe proves nothing.
		[[ -n $volume ]] || rc=no_volume
	fi
	if [[ $rc == 0 ]]; then
		content_classify "$gray" "$volume"
		CONTENT_SAMPLE=$CONTENT_CLASS
		[[ $CONTENT_SAMPLE != unknown ]] || rc=no_frame
	fi
	content_note_probe "$rc" "$log"
	[[ $CONTENT_SAMPLE != unknown ]]
}

# content_note_probe RC LOG: logs failed probes, at most once a minute (with how many failed
# since), and the first probe that works again.
content_note_probe() {
	local rc=$1 log=$2 now line last=''
	now_ms_to now
	if [[ $rc == 0 ]]; then
		if ((CONTENT_FAIL_LOGGED_AT > 0)); then
			log_info content_probe_recovered failures="$CONTENT_FAILURES"
			CONTENT_FAILURES=0
			CONTENT_FAIL_LOGGED_AT=0
		fi
		return 0
	fi
	CONTENT_FAILURES=$((CONTENT_FAILURES + 1))
	if ((CONTENT_FAIL_LOGGED_AT == 0 || now - CONTENT_FAIL_LOGGED_AT >= 60000)); then
		if [[ -f $log ]]; then
			while IFS= read -r line; do
				[[ -n ${line//[[:space:]]/} ]] && last=$line
			done <"$log"
		fi
		log_warn content_probe_failed reason="$rc" failures="$CONTENT_FAILURES" last_log="${last:0:300}"
		CONTENT_FAIL_LOGGED_AT=$now
		CONTENT_FAILURES=0
	fi
}

# content_media AT_MS: sets CONTENT_MEDIA, the media time of what the screen shows at AT_MS: the
# wall time since ffmpeg's first frame (x11grab stamps frames with the wall clock; file
# first-frame, written at the first frame), or ffmpeg's reported media time when that is later.
# (ffmpeg's report alone lags the screen by its queue when it encodes slower than real time.)
# 0 before the first frame.
content_media() {
	local at=$1 first=''
	CONTENT_MEDIA=0
	if progress_read "$(progress_file)" && [[ $PROGRESS_MEDIA_MS != null ]]; then
		CONTENT_MEDIA=$PROGRESS_MEDIA_MS
	fi
	if [[ -f $OV2HA_RUN_DIR/first-frame ]]; then
		read -r first <"$OV2HA_RUN_DIR/first-frame" || true
		if [[ $first =~ ^[0-9]{1,18}$ ]] && ((at - first > CONTENT_MEDIA)); then
			CONTENT_MEDIA=$((at - first))
		fi
	fi
}

# content_tick: one probe and its effect on the state (an unknown probe changes nothing);
# writes the content file, logs transitions.
#   shown  the state is shown; the media time of the probe is kept (every shown probe counts)
#   blank  the state is blank, from this probe on unless it was blank already
# The file says a shown media time only once two probes were shown (in a row or not): a starting
# browser paints a frame of its own (a white window over the black screen) before its page, and
# that one frame must not make a page that never showed its session look as if it had.
content_tick() {
	local at line shown=-
	now_ms_to at
	content_media "$at"
	content_probe || true
	case $CONTENT_SAMPLE in
	shown)
		CONTENT_BLANK_SINCE=0
		CONTENT_SHOWN_MEDIA=$CONTENT_MEDIA
		CONTENT_SHOWN_COUNT=$((CONTENT_SHOWN_COUNT + 1))
		;;
	blank)
		[[ $CONTENT_STATE == blank ]] || CONTENT_BLANK_SINCE=$at
		;;
	*) return 0 ;;
	esac
	if [[ $CONTENT_SAMPLE != "$CONTENT_STATE" ]]; then
		log_info content_changed state="$CONTENT_SAMPLE" media_ms="$CONTENT_MEDIA"
		CONTENT_STATE=$CONTENT_SAMPLE
	fi
	((CONTENT_SHOWN_COUNT < 2)) || shown=$CONTENT_SHOWN_MEDIA
	line="$CONTENT_STATE $CONTENT_BLANK_SINCE $shown $at"
	if printf '%s\n' "$line" | atomic_write "$(content_file)"; then
		CONTENT_LINE=$line
	else
		log_warn content_write_failed file="$(content_file)"
	fi
}

# content_resume: a restarted prober takes the state over from the content file (a page that
# showed its session once must never look as if it had not).
content_resume() {
	local state='' since='' shown='' last=''
	[[ -f $(content_file) ]] || return 0
	read -r state since shown last <"$(content_file)" || true
	[[ $state =~ ^(shown|blank)$ && $since =~ ^[0-9]{1,18}$ && $shown =~ ^(-|[0-9]{1,18})$ ]] || return 0
	CONTENT_STATE=$state
	CONTENT_BLANK_SINCE=$since
	if [[ $shown != - ]]; then
		CONTENT_SHOWN_MEDIA=$shown
		CONTENT_SHOWN_COUNT=2
	fi
}

# content_run: the prober's main loop (background subshell). Exits 143 on TERM.
content_run() {
	local tick now wait_ms wait_s audio=true
	log_component content
	trap 'kill_child; exit 143' TERM
	trap '' INT
	[[ $ONLY_VIDEO != true ]] || audio=false
	content_resume
	log_info content_prober_started interval_s="$OV2HA_CONTENT_INTERVAL" display="${X_DISPLAY:-none}" audio="$audio" \
		state="${CONTENT_STATE:-none}"
	while :; do
		now_ms_to tick
		content_tick || true
		now_ms_to now
		wait_ms=$((10#$OV2HA_CONTENT_INTERVAL * 1000 - (now - tick)))
		((wait_ms >= 100)) || wait_ms=100
		printf -v wait_s '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000))
		pause "$wait_s"
	done
}
