#!/usr/bin/env bash
# shellcheck disable=SC2034 # STANDBY_* are read by composed-ha.sh
# Warm standby (HA_STANDBY=true; docs/recorder-protocol.md "Warm standby"): what takes time
# (the screen, the sound, Chromium on a blank local page) runs before any recording is known.
# The controller hands a recording over by copying two files into OV2HA_ASSIGNMENT_DIR (made
# only once the standby can take over, so a copy to one still starting fails):
# assignment.env (KEY=<base64 of the value> lines), then ready. A standby writes nothing (no
# chunk, no file under the recordings folder, no API call) before it is assigned; once
# assigned it is a backup like any other. Requires common.sh and display.sh.

OV2HA_ASSIGNMENT_DIR=${OV2HA_ASSIGNMENT_DIR:-/tmp/ov2ha-assignment}

# What an assignment may set: OpenVidu's variables (the primary's) and the backup's epoch
# and first chunk. The site settings (controller, credentials, storage) are the image's own.
STANDBY_ASSIGNMENT_KEYS=(
	URL ONLY_VIDEO RESOLUTION FRAMERATE VIDEO_ID VIDEO_NAME VIDEO_FORMAT RECORDING_JSON DEBUG_MODE
	CONTAINER_WORKING_MODE HA_EPOCH HA_START_CHUNK
)
STANDBY_SCREEN=false
STANDBY_SIZE=''

standby_enabled() { [[ ${HA_STANDBY:-false} == true ]]; }

# standby_page_dir: the waiting page and the file that sends it on (go.js), private.
standby_page_dir() { printf '%s/standby' "$OV2HA_RUN_DIR"; }

is_assignment_key() { is_one_of "$1" "${STANDBY_ASSIGNMENT_KEYS[@]}"; }

# standby_prepare PAGE: the screen of RESOLUTION (the pool's; an assignment must match it),
# PulseAudio (always: the assignment may want sound) and Chromium on the waiting PAGE.
standby_prepare() {
	local page=$1 width height
	: "${RESOLUTION:=1280x720}"
	: "${DEBUG_MODE:=false}"
	if [[ ! $RESOLUTION =~ ^([0-9]{2,4})x([0-9]{2,4})$ ]]; then
		log_error config_invalid key=RESOLUTION reason="must be <width>x<height>"
		return 1
	fi
	width=$((10#${BASH_REMATCH[1]}))
	height=$((10#${BASH_REMATCH[2]}))
	STANDBY_SIZE="${width}x${height}"
	(umask 077 && mkdir -p "$(standby_page_dir)")
	chmod 0700 "$(standby_page_dir)"
	rm -f "$(standby_page_dir)/go.js"
	cp "$page" "$(standby_page_dir)/standby.html"
	if [[ $OV2HA_CAPTURE == x11 ]]; then
		display_launch "$width" "$height" true
		display_wait "$width" "$height" true || return 1
		display_start_chromium "$width" "$height" "file://$(standby_page_dir)/standby.html"
	fi
	# The folder appears only now: the controller's copy fails until the standby can take over.
	# One already there is from an earlier life of the container (a restart): not for us.
	rm -rf "$OV2HA_ASSIGNMENT_DIR"
	(umask 077 && mkdir "$OV2HA_ASSIGNMENT_DIR")
	STANDBY_SCREEN=true
	log_info standby_ready size="$STANDBY_SIZE" assignment_dir="$OV2HA_ASSIGNMENT_DIR"
}

# standby_wait: returns 0 once an assignment is complete, 1 on a stop request (STOP_REQUESTED, or
# a `q` in the stop file, as a recorder is stopped). Restarts a Chromium that died (at most once
# per 5 s).
standby_wait() {
	local restarted_at=0 now
	while [[ ! -e $OV2HA_ASSIGNMENT_DIR/ready ]]; do
		[[ $STOP_REQUESTED == false ]] || return 1
		! stop_file_has_q || return 1
		if [[ -n $CHROMIUM_PID ]] && ! kill -0 "$CHROMIUM_PID" 2>/dev/null; then
			now=$(now_ms)
			if ((now - restarted_at > 5000)); then
				restarted_at=$now
				log_warn chromium_exited action=restart
				display_start_chromium "${STANDBY_SIZE%x*}" "${STANDBY_SIZE#*x}" "file://$(standby_page_dir)/standby.html"
			fi
		fi
		pause 0.05
	done
}

# standby_load_assignment: exports the assignment's variables (known keys only), removes
# assignment.env; 1 on a malformed file, 2 when it does not fit this standby (resolution, not a
# backup). ready is left alone: the engine extracts a file, then sets its owner, mode and times,
# so a standby that removed ready as soon as it appeared made the controller's copy fail
# ("lchown .../ready: no such file or directory") and the controller kill a standby that had
# taken over. assignment.env is complete once ready exists (extracted in the archive's order).
standby_load_assignment() {
	local file=$OV2HA_ASSIGNMENT_DIR/assignment.env line key value n=0 lineno=0 text
	if [[ ! -f $file ]]; then
		log_error standby_assignment_invalid reason=missing
		return 1
	fi
	# read, then removed before anything is checked: it holds OpenVidu's secret (the URL)
	text=$(<"$file")
	rm -f "$file"
	while IFS= read -r line || [[ -n $line ]]; do
		lineno=$((lineno + 1))
		[[ -n $line ]] || continue
		if [[ ! $line =~ ^([A-Z_]{1,64})=([A-Za-z0-9+/]*={0,2})$ ]]; then
			log_error standby_assignment_invalid line="$lineno" reason=not_a_KEY=base64_line
			return 1
		fi
		key=${BASH_REMATCH[1]}
		if ! is_assignment_key "$key"; then
			log_warn standby_assignment_key_ignored line="$lineno" key="$key"
			continue
		fi
		if ! value=$(base64 -d <<<"${BASH_REMATCH[2]}" 2>/dev/null); then
			log_error standby_assignment_invalid line="$lineno" key="$key" reason=not_base64
			return 1
		fi
		printf -v "$key" '%s' "$value"
		export "${key?}"
		n=$((n + 1))
	done <<<"$text"
	if [[ ${RESOLUTION:-} != "$STANDBY_SIZE" ]]; then
		log_error standby_resolution_mismatch standby="$STANDBY_SIZE" recording="${RESOLUTION:0:16}"
		return 2
	fi
	if [[ ! ${HA_EPOCH:-0} =~ ^[0-9]{1,9}$ ]] || ((10#${HA_EPOCH:-0} == 0)); then
		log_error standby_assignment_invalid key=HA_EPOCH reason="an assigned standby is a backup: HA_EPOCH must be > 0"
		return 2
	fi
	local id=${VIDEO_ID:-}
	log_info standby_assigned keys="$n" recording_id="${id:0:128}" epoch="$HA_EPOCH" \
		start_chunk="${HA_START_CHUNK:-0}"
}

# standby_navigate URL: the waiting page replaces itself by URL (it loads go.js every 100 ms; an
# idle 1280x720 standby used 8-16 % of a core when polling every 50 ms, 6 % every 250 ms).
standby_navigate() {
	local url=$1
	jq -rn --arg u "$url" '"window.OV2HA_GO = " + ($u | tojson) + ";"' | atomic_write "$(standby_page_dir)/go.js"
	log_info standby_navigating url="$(mask_url "$url")"
}
