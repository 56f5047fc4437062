#!/usr/bin/env bash
# shellcheck disable=SC2034 # PROGRESS_* are read by the scripts that source this file
# ffmpeg's own capture progress (`-progress`): media time, frames, speed. Requires common.sh.
#
# ffmpeg writes a block of key=value lines every -stats_period (0.5 s) to a pipe, ending with
# "progress=continue" (or "progress=end" at its exit). progress_follow reads that pipe and
# keeps only the last complete block, in a small file replaced atomically (temp + rename):
# bounded on disk and in memory however long the recording runs, and a reader never sees a
# half-written block. progress_read parses that file (builtins only: no process per read).

# progress_file: the file holding ffmpeg's last complete progress block.
progress_file() { printf '%s/progress' "$OV2HA_RUN_DIR"; }

# progress_follow FILE: reads ffmpeg's progress stream on stdin until EOF (ffmpeg's exit);
# each complete block replaces FILE, with "wall_ms=" (when it arrived) added.
progress_follow() {
	local file=$1 line block='' t
	trap '' INT TERM
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		frame=* | fps=* | out_time_us=* | out_time_ms=* | speed=* | drop_frames=* | dup_frames=*)
			block+="$line"$'\n'
			;;
		progress=*)
			t=${EPOCHREALTIME/[.,]/}
			printf '%s%s\nwall_ms=%s\n' "$block" "$line" "$((10#$t / 1000))" >"$file.tmp" &&
				mv -f "$file.tmp" "$file"
			block=''
			;;
		esac
	done
}

# progress_read FILE: the last block, as JSON-ready values ("null" when unknown):
#   PROGRESS_FRAMES    frames written so far (integer)
#   PROGRESS_MEDIA_MS  media time written so far in ms (out_time_us, or out_time_ms, which
#                      ffmpeg also reports in microseconds)
#   PROGRESS_SPEED     speed relative to real time (number; null for "N/A")
#   PROGRESS_STATE     continue | end (empty when there is no block yet)
#   PROGRESS_WALL_MS   when the block arrived (wall clock, ms; 0 when unknown)
# Returns 1 when there is no block yet.
progress_read() {
	local file=$1 key value us='' us_alt=''
	PROGRESS_FRAMES=null PROGRESS_MEDIA_MS=null PROGRESS_SPEED=null PROGRESS_STATE='' PROGRESS_WALL_MS=0
	[[ -f $file ]] || return 1
	while IFS='=' read -r key value; do
		value=${value//[[:space:]]/}
		case $key in
		frame) [[ $value =~ ^[0-9]{1,15}$ ]] && PROGRESS_FRAMES=$((10#$value)) ;;
		out_time_us) us=$value ;;
		out_time_ms) us_alt=$value ;;
		speed)
			value=${value%x}
			[[ $value =~ ^[0-9]{1,9}(\.[0-9]{1,9})?([eE][+-]?[0-9]{1,3})?$ ]] && PROGRESS_SPEED=$value
			;;
		progress) PROGRESS_STATE=$value ;;
		wall_ms) [[ $value =~ ^[0-9]{1,18}$ ]] && PROGRESS_WALL_MS=$((10#$value)) ;;
		esac
	done <"$file"
	[[ $us =~ ^[0-9]{1,18}$ ]] || us=$us_alt
	[[ $us =~ ^[0-9]{1,18}$ ]] && PROGRESS_MEDIA_MS=$((10#$us / 1000))
	[[ -n $PROGRESS_STATE ]]
}
