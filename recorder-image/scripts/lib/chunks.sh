#!/usr/bin/env bash
# shellcheck disable=SC2034 # variables set here are read by the scripts that source this file
# Chunk naming, segment-list parsing, storage keys. See docs/recorder-protocol.md.
# Requires common.sh; uses VIDEO_ID, HA_EPOCH, HA_S3_PREFIX, RECORDING_CREATED_AT,
# HA_RECORDING_STORAGE.

recording_dir() { printf '%s/%s' "$OV2HA_RECORDINGS_DIR" "$VIDEO_ID"; }
chunk_dir() { printf '%s/%s/chunks' "$OV2HA_RECORDINGS_DIR" "$VIDEO_ID"; }
segment_list_path() { printf '%s/segments-e%s.csv' "$(chunk_dir)" "$HA_EPOCH"; }
# stop_marker_path: written when this recorder stops on `q`/SIGTERM (a normal end, not a crash).
stop_marker_path() { printf '%s/stopped-e%s' "$(chunk_dir)" "$HA_EPOCH"; }

# write_stop_marker: tells the controller this epoch ended normally, even when OpenVidu's
# "stopped" webhook and this recorder's finalize call were lost (the controller was down):
# a missing recorder with this marker is finalized, never replaced by a backup.
write_stop_marker() {
	local marker tmp
	marker=$(stop_marker_path)
	mkdir -p "$(chunk_dir)"
	tmp="$marker.tmp"
	printf '{"epoch":%s,"stoppedAt":%s}\n' "$HA_EPOCH" "$(date +%s%3N)" >"$tmp" && mv -f "$tmp" "$marker"
}

# chunk_file_name SEQ [EPOCH]: 000012-e1.ts (at least 6 digits).
chunk_file_name() {
	printf '%06d-e%s.ts' "$((10#$1))" "${2:-$HA_EPOCH}"
}

# The pattern ffmpeg's segment muxer expands with the segment number.
chunk_file_pattern() {
	printf '%s/%%06d-e%s.ts' "$(chunk_dir)" "$HA_EPOCH"
}

# storage_key FILE_NAME: the key reported to the controller for a chunk.
#   s3:    <HA_S3_PREFIX><recordingId>/<createdAt>/<file>
#   local: <recordingId>/chunks/<file> (relative to the recordings folder)
storage_key() {
	local file=$1
	if [[ $HA_RECORDING_STORAGE == s3 ]]; then
		printf '%s%s/%s/%s' "$HA_S3_PREFIX" "$VIDEO_ID" "$RECORDING_CREATED_AT" "$file"
	else
		printf '%s/chunks/%s' "$VIDEO_ID" "$file"
	fi
}

# decimal_to_micros VALUE [NAME]: "2.021333" -> 2021333 (non-negative decimals); printed, or
# set into NAME without a subshell.
decimal_to_micros() {
	local value=$1 int frac=000000
	int=${value%%.*}
	[[ $value == *.* ]] && frac="${value#*.}000000"
	if [[ -n ${2:-} ]]; then
		printf -v "$2" '%s' "$((10#$int * 1000000 + 10#${frac:0:6}))"
	else
		printf '%s' "$((10#$int * 1000000 + 10#${frac:0:6}))"
	fi
}

# parse_segment_line LINE: ffmpeg's CSV segment list line "<file>,<start>,<end>".
# Sets SEG_FILE, SEG_SEQ, SEG_EPOCH and SEG_DURATION (seconds with 6 decimals, end - start).
# Returns 1 for a line that is not a chunk of the expected form.
parse_segment_line() {
	local line=${1%$'\r'} file start end micros start_us end_us
	# ffmpeg quotes a file name only when it contains a comma or a quote; ours never do.
	[[ $line =~ ^([^,\"]+),([0-9]{1,9}(\.[0-9]+)?),([0-9]{1,9}(\.[0-9]+)?)$ ]] || return 1
	file=${BASH_REMATCH[1]}
	start=${BASH_REMATCH[2]}
	end=${BASH_REMATCH[4]}
	[[ $file =~ ^([0-9]{6,15})-e([0-9]{1,15})\.ts$ ]] || return 1
	SEG_FILE=$file
	SEG_SEQ=$((10#${BASH_REMATCH[1]}))
	SEG_EPOCH=$((10#${BASH_REMATCH[2]}))
	decimal_to_micros "$end" end_us
	decimal_to_micros "$start" start_us
	micros=$((end_us - start_us))
	((micros < 0)) && micros=0
	printf -v SEG_DURATION '%d.%06d' "$((micros / 1000000))" "$((micros % 1000000))"
}

# segment_list_complete_lines FILE: number of complete (newline-terminated) lines.
segment_list_complete_lines() {
	local file=$1 n
	if [[ ! -f $file ]]; then
		printf '0'
		return 0
	fi
	n=$(wc -l <"$file")
	printf '%s' "$((n))"
}

# last_complete_seq: seq of the last line of this epoch's segment list (ffmpeg appends
# chunks in order), or empty before the first complete chunk.
last_complete_seq() {
	local file line
	file=$(segment_list_path)
	[[ -s $file ]] || return 0
	line=$(tail -n 1 "$file")
	if parse_segment_line "$line"; then
		printf '%s' "$SEG_SEQ"
	fi
}

# lines_in FILE: number of lines of FILE, 0 when it does not exist.
lines_in() {
	if [[ -f $1 ]]; then
		wc -l <"$1"
	else
		printf '0'
	fi
}

# free_disk_bytes DIR
free_disk_bytes() {
	df -P -B1 -- "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'
}
