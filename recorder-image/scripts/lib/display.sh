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
CHROMIUM_PID=
X_DISPLAY=

# display_start_xvfb WIDTH HEIGHT: starts Xvfb on a free display; sets X_DISPLAY (":N").
display_start_xvfb() {
	local width=$1 height=$2 fd_file="$OV2HA_RUN_DIR/xvfb.display" n="" i
	: >"$fd_file"
	Xvfb -displayfd 3 -screen 0 "${width}x${height}x24" -nolisten tcp -noreset \
		3>"$fd_file" >"$OV2HA_RUN_DIR/xvfb.log" 2>&1 &
	XVFB_PID=$!
	for ((i = 0; i < 100; i++)); do
		read -r n <"$fd_file" || true
		[[ $n =~ ^[0-9]+$ ]] && break
		if ! kill -0 "$XVFB_PID" 2>/dev/null; then
			log_error xvfb_failed log="$(tail -n 1 "$OV2HA_RUN_DIR/xvfb.log" 2>/dev/null)"
			return 1
		fi
		sleep 0.05
	done
	if [[ ! $n =~ ^[0-9]+$ ]]; then
		log_error xvfb_timeout
		return 1
	fi
	X_DISPLAY=":$n"
	export DISPLAY=$X_DISPLAY
	log_info xvfb_started display="$X_DISPLAY" pid="$XVFB_PID" size="${width}x${height}"
}

# display_start_pulse: a private PulseAudio with one null sink "rec" as default; ffmpeg
# records its monitor. The socket lives in XDG_RUNTIME_DIR inside the container.
display_start_pulse() {
	local i
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
	for ((i = 0; i < 100; i++)); do
		if pactl info >/dev/null 2>&1; then
			log_info pulseaudio_started pid="$PULSE_PID"
			return 0
		fi
		kill -0 "$PULSE_PID" 2>/dev/null || break
		sleep 0.05
	done
	log_error pulseaudio_failed log="$(tail -n 1 "$OV2HA_RUN_DIR/pulse.log" 2>/dev/null)"
	return 1
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

# frame_luma: "min max mean" luma (0-255) of one grabbed frame, scaled down; empty on error.
frame_luma() {
	ffmpeg -nostdin -hide_banner -loglevel error -f x11grab -draw_mouse 0 \
		-video_size "${VIDEO_WIDTH}x${VIDEO_HEIGHT}" -i "$X_DISPLAY" -frames:v 1 \
		-vf scale=64:36,format=gray -f rawvideo - 2>/dev/null |
		od -An -v -tu1 | awk '{ for (i = 1; i <= NF; i++) { if (!n++ || $i < lo) lo = $i; if ($i > hi) hi = $i; sum += $i } }
			END { if (n) printf "%d %d %d\n", lo, hi, sum / n }'
}

# display_wait_painted TIMEOUT_S: returns once the page shows, so the recording has no
# black (or blank white) head; 1 after the timeout (the recording then starts anyway).
# Before its first paint Chromium shows a black screen, then a white canvas. Shown means:
# the frame has content (not one flat colour) and is not that nearly white canvas; or a
# flat or white look has stayed the same for 2 s (a plain page).
display_wait_painted() {
	local timeout_s=$1 deadline luma lo hi mean look last_look='' look_since=0 now
	deadline=$(($(now_ms) + timeout_s * 1000))
	while now=$(now_ms) && ((now < deadline)); do
		luma=$(frame_luma || true)
		if [[ $luma =~ ^([0-9]+)\ ([0-9]+)\ ([0-9]+)$ ]]; then
			lo=${BASH_REMATCH[1]}
			hi=${BASH_REMATCH[2]}
			mean=${BASH_REMATCH[3]}
			if ((hi - lo >= 24 && mean < 235)); then
				log_info page_painted luma_min="$lo" luma_max="$hi" luma_mean="$mean"
				return 0
			fi
			if ((hi >= 24)); then
				look="$((lo / 8)) $((hi / 8)) $((mean / 8))"
				if [[ $look != "$last_look" ]]; then
					last_look=$look
					look_since=$now
				elif ((now - look_since >= 2000)); then
					log_info page_painted luma_min="$lo" luma_max="$hi" luma_mean="$mean" plain=true
					return 0
				fi
			else
				last_look=''
			fi
		fi
		sleep 0.25
	done
	log_warn page_paint_timeout seconds="$timeout_s"
	return 1
}

# display_stop: ends Chromium, PulseAudio and Xvfb: TERM, then KILL after 3 s.
display_stop() {
	local pid i alive
	local -a pids=()
	for pid in "$CHROMIUM_PID" "$PULSE_PID" "$XVFB_PID"; do
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
	CHROMIUM_PID='' PULSE_PID='' XVFB_PID=''
}
