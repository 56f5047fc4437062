#!/usr/bin/env bash
# shellcheck disable=SC2034 # *_PID and X_DISPLAY are read by composed-ha.sh
# The screen the recorder films: Xvfb, PulseAudio, Chromium in kiosk mode on URL.
# Requires common.sh.
#
# Display number: recorders run with host networking, where Xvfb's abstract socket
# (@/tmp/.X11-unix/X<n>) is shared by every container on the host while lock files in /tmp
# are not. Xvfb -displayfd picks the first number for which it can create all of its
# listening sockets, so a number held by any container (or the host) is skipped and the
# kernel's socket namespace is the lock: no lock files, nothing stale after a crash.

XVFB_PID=
PULSE_PID=
SILENCE_PID=
CHROMIUM_PID=
X_DISPLAY=

# display_launch WIDTH HEIGHT AUDIO: starts Xvfb and, when AUDIO is true, PulseAudio, side by
# side, without waiting: the caller does other work meanwhile, then display_wait.
display_launch() {
	local width=$1 height=$2 audio=$3
	display_launch_xvfb "$width" "$height"
	if [[ $audio == true ]]; then
		display_launch_pulse
	fi
}

# display_wait WIDTH HEIGHT AUDIO: returns once Xvfb (and PulseAudio) accept clients; 1 when
# one failed.
display_wait() {
	local width=$1 height=$2 audio=$3
	display_wait_xvfb "$width" "$height" || return 1
	[[ $audio == true ]] || return 0
	display_wait_pulse
}

# display_launch_xvfb WIDTH HEIGHT: starts Xvfb; it reports its display number on fd 3.
display_launch_xvfb() {
	local width=$1 height=$2
	: >"$OV2HA_RUN_DIR/xvfb.display"
	Xvfb -displayfd 3 -screen 0 "${width}x${height}x24" -nolisten tcp -noreset \
		3>"$OV2HA_RUN_DIR/xvfb.display" >"$OV2HA_RUN_DIR/xvfb.log" 2>&1 &
	XVFB_PID=$!
}

# display_wait_xvfb WIDTH HEIGHT: waits (5 s at most) for Xvfb's display number; sets
# X_DISPLAY (":N") and DISPLAY.
display_wait_xvfb() {
	local width=$1 height=$2 n="" i
	for ((i = 0; i < 250; i++)); do
		read -r n <"$OV2HA_RUN_DIR/xvfb.display" || true
		[[ $n =~ ^[0-9]+$ ]] && break
		if ! kill -0 "$XVFB_PID" 2>/dev/null; then
			log_error xvfb_failed log="$(tail -n 1 "$OV2HA_RUN_DIR/xvfb.log" 2>/dev/null)"
			return 1
		fi
		pause 0.02
	done
	if [[ ! $n =~ ^[0-9]+$ ]]; then
		log_error xvfb_timeout
		return 1
	fi
	X_DISPLAY=":$n"
	export DISPLAY=$X_DISPLAY
	log_info xvfb_started display="$X_DISPLAY" pid="$XVFB_PID" size="${width}x${height}"
}

# display_launch_pulse: a private PulseAudio with one null sink "rec" as default; ffmpeg
# records its monitor. The socket lives in XDG_RUNTIME_DIR inside the container.
display_launch_pulse() {
	export XDG_RUNTIME_DIR="$OV2HA_RUN_DIR/xdg"
	mkdir -p "$XDG_RUNTIME_DIR"
	chmod 0700 "$XDG_RUNTIME_DIR"
	cat >"$OV2HA_RUN_DIR/pulse.pa" <<-'EOF'
		load-module module-native-protocol-unix
		load-module module-null-sink sink_name=rec sink_properties=device.description=rec
		set-default-sink rec
	EOF
	pulseaudio --daemonize=no --exit-idle-time=-1 --disallow-exit -n \
		--file="$OV2HA_RUN_DIR/pulse.pa" --log-target=stderr \
		>"$OV2HA_RUN_DIR/pulse.log" 2>&1 &
	PULSE_PID=$!
}

# display_wait_pulse: waits (5 s at most) until PulseAudio answers.
display_wait_pulse() {
	local i
	for ((i = 0; i < 100; i++)); do
		if pactl info >/dev/null 2>&1; then
			log_info pulseaudio_started pid="$PULSE_PID"
			display_start_silence
			return 0
		fi
		kill -0 "$PULSE_PID" 2>/dev/null || break
		pause 0.05
	done
	log_error pulseaudio_failed log="$(tail -n 1 "$OV2HA_RUN_DIR/pulse.log" 2>/dev/null)"
	return 1
}

# display_start_silence: plays silence into "rec" with a 20 ms latency for as long as PulseAudio
# runs, then restarts the sink's clock (suspend, resume) so that it renders in 20 ms blocks from
# then on. A null sink renders ahead in blocks of 2 s until a stream asks for less, and the block
# under way when the first stream connects still lasts 2 s: ffmpeg's first sound then comes late,
# its timestamps stay late, and its muxer holds the picture back by that much for the whole
# recording (a killed recorder lost the last ~1.7 s it had captured instead of ~0.5 s). Nothing
# here stops the recording: a failure is logged and the recorder goes on without it.
display_start_silence() {
	local i
	pacat --playback --raw --format=s16le --rate=48000 --channels=2 --latency-msec=20 --device=rec \
		--client-name=ov2ha-silence /dev/zero >"$OV2HA_RUN_DIR/silence.log" 2>&1 &
	SILENCE_PID=$!
	for ((i = 0; i < 50; i++)); do
		[[ -n $(pactl list short sink-inputs 2>/dev/null) ]] && break
		if ! kill -0 "$SILENCE_PID" 2>/dev/null; then
			log_warn silence_failed log="$(tail -n 1 "$OV2HA_RUN_DIR/silence.log" 2>/dev/null)"
			return 0
		fi
		pause 0.02
	done
	# the resume is tried even when the suspend failed: a sink left suspended records nothing
	pactl suspend-sink rec 1 >/dev/null 2>&1 || true
	for ((i = 0; i < 50; i++)); do
		pactl suspend-sink rec 0 >/dev/null 2>&1 && return 0
		pause 0.05
	done
	log_error sink_resume_failed sink=rec note="the recording may have no sound"
}

# display_start_chromium WIDTH HEIGHT URL: kiosk browser on the layout page. Its output goes
# to a file in the private run dir only: it can echo the URL, which holds OpenVidu's secret.
display_start_chromium() {
	local width=$1 height=$2 url=$3
	local -a flags=(
		--no-sandbox --test-type --disable-dev-shm-usage --disable-gpu
		--user-data-dir="$OV2HA_RUN_DIR/chromium-profile"
		--kiosk --start-maximized "--window-position=0,0" "--window-size=${width},${height}"
		--no-first-run --no-default-browser-check --disable-default-apps --disable-extensions
		--disable-infobars --disable-popup-blocking --noerrdialogs --disable-session-crashed-bubble
		--disable-sync --disable-component-update --disable-background-networking
		--disable-background-timer-throttling --disable-renderer-backgrounding
		--disable-backgrounding-occluded-windows
		"--disable-features=Translate,MediaRouter,WebRtcHideLocalIpsWithMdns"
		--password-store=basic --use-mock-keychain
		--autoplay-policy=no-user-gesture-required --ignore-certificate-errors
	)
	if [[ $DEBUG_MODE == true ]]; then
		flags+=(--enable-logging=stderr --v=1)
	fi
	# A Chromium that died leaves its profile lock behind; a restart must not trip on it.
	rm -f "$OV2HA_RUN_DIR/chromium-profile/"Singleton*
	chromium "${flags[@]}" "$url" >>"$OV2HA_RUN_DIR/chromium.log" 2>&1 &
	CHROMIUM_PID=$!
	log_info chromium_started pid="$CHROMIUM_PID" url="$(mask_url "$url")"
}

# display_stop: ends Chromium, PulseAudio and Xvfb: TERM, then KILL after 3 s.
display_stop() {
	local pid i alive
	local -a pids=()
	for pid in "$CHROMIUM_PID" "$SILENCE_PID" "$PULSE_PID" "$XVFB_PID"; do
		if [[ -n $pid ]]; then
			pids+=("$pid")
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	for ((i = 0; i < 30; i++)); do
		alive=0
		for pid in "${pids[@]}"; do
			if kill -0 "$pid" 2>/dev/null; then alive=1; fi
		done
		((alive)) || break
		sleep 0.1
	done
	for pid in "${pids[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	CHROMIUM_PID='' SILENCE_PID='' PULSE_PID='' XVFB_PID=''
}
