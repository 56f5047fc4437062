#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2034 # each @test runs in a subshell and sets variables that the sourced recorder functions read
# Chunk naming, segment-list parsing, storage keys, the ffmpeg command.

load helpers

setup() {
	recorder_env_setup
	load_libs
	config_load 2>/dev/null
}

teardown() {
	recorder_teardown
}

@test "chunk names carry a zero-padded seq (at least 6 digits) and the epoch" {
	[ "$(chunk_file_name 0)" = 000000-e0.ts ]
	[ "$(chunk_file_name 12 3)" = 000012-e3.ts ]
	[ "$(chunk_file_name 1234567 1)" = 1234567-e1.ts ]
	[ "$(chunk_file_name 000010 2)" = 000010-e2.ts ]
	HA_EPOCH=4
	[ "$(chunk_file_pattern)" = "$OV2HA_RECORDINGS_DIR/ses_T/chunks/%06d-e4.ts" ]
	[ "$(segment_list_path)" = "$OV2HA_RECORDINGS_DIR/ses_T/chunks/segments-e4.csv" ]
}

@test "storage keys follow the protocol for s3 and local storage" {
	VIDEO_ID='ses_AbC~1' RECORDING_CREATED_AT=1700000005000 HA_S3_PREFIX=recordings/
	[ "$(storage_key 000012-e1.ts)" = 'recordings/ses_AbC~1/1700000005000/000012-e1.ts' ]
	HA_S3_PREFIX=''
	[ "$(storage_key 000012-e1.ts)" = 'ses_AbC~1/1700000005000/000012-e1.ts' ]
	HA_RECORDING_STORAGE=local
	[ "$(storage_key 000012-e1.ts)" = 'ses_AbC~1/chunks/000012-e1.ts' ]
}

@test "segment list lines parse into seq, epoch and duration" {
	parse_segment_line '000007-e2.ts,0.000000,2.021333'
	[ "$SEG_FILE" = 000007-e2.ts ] && [ "$SEG_SEQ" = 7 ] && [ "$SEG_EPOCH" = 2 ]
	[ "$SEG_DURATION" = 2.021333 ]
	parse_segment_line $'000008-e2.ts,2.021333,12.021333\r'
	[ "$SEG_SEQ" = 8 ] && [ "$SEG_DURATION" = 10.000000 ]
	parse_segment_line '1000000-e12.ts,36000.5,36010'
	[ "$SEG_SEQ" = 1000000 ] && [ "$SEG_DURATION" = 9.500000 ]
}

@test "lines that are not chunks are rejected" {
	for bad in '' 'x' 'a.ts,0,1' '000001-e0.mp4,0,1' '"000001-e0.ts",0,1' '000001-e0.ts,0' \
		'000001-e0.ts,a,b' '../000001-e0.ts,0,1' '12-e0.ts,0,1'; do
		if parse_segment_line "$bad"; then
			echo "accepted: $bad"
			false
		fi
	done
}

@test "the last complete seq and the line count come from the segment list" {
	mkdir -p "$(chunk_dir)"
	[ -z "$(last_complete_seq)" ]
	[ "$(segment_list_complete_lines "$(segment_list_path)")" = 0 ]
	printf '000005-e0.ts,0,1\n000006-e0.ts,1,2\n000007-e0.ts,2' >"$(segment_list_path)"
	# The third line is still being written: it does not count.
	[ "$(segment_list_complete_lines "$(segment_list_path)")" = 2 ]
	printf ',3\n' >>"$(segment_list_path)"
	[ "$(last_complete_seq)" = 7 ]
}

@test "the ffmpeg command cuts forced-keyframe MPEG-TS chunks with flushed packets" {
	HA_EPOCH=3 HA_START_CHUNK=42 HA_CHUNK_DURATION=10 FRAMERATE=25
	capture_build_args x11 :7
	local args=" ${FFMPEG_ARGS[*]} "
	[[ $args == *" -f x11grab "*" -i :7 "* ]]
	# one second of frames between the grab and the encoder: on a busy host it repeats frames
	# rather than fall behind real time (and lose what it queued at a stop or a crash)
	[[ $args == *" -thread_queue_size 25 -f x11grab "* ]]
	FRAMERATE=5
	capture_build_args x11 :7
	[[ " ${FFMPEG_ARGS[*]} " == *" -thread_queue_size 8 -f x11grab "* ]]
	[[ $args == *" -f pulse -i rec.monitor "* ]]
	[[ $args == *" -force_key_frames expr:gte(t,n_forced*10) "* ]]
	[[ $args == *" -g 250 "* ]]
	[[ $args == *" -segment_time 10 "* ]]
	[[ $args == *" -segment_start_number 42 "* ]]
	[[ $args == *" -segment_format mpegts -segment_format_options flush_packets=1 "* ]]
	[[ $args == *" -segment_list $OV2HA_RECORDINGS_DIR/ses_T/chunks/segments-e3.csv -segment_list_type csv "* ]]
	[[ $args == *" $OV2HA_RECORDINGS_DIR/ses_T/chunks/%06d-e3.ts " ]]
}

@test "ONLY_VIDEO records no audio; odd resolutions are padded to even" {
	ONLY_VIDEO=true VIDEO_WIDTH=641 VIDEO_HEIGHT=361
	capture_build_args lavfi
	local args=" ${FFMPEG_ARGS[*]} "
	[[ $args != *" -map 1:a "* && $args != *"sine="* && $args != *" -c:a "* ]]
	[[ $args == *"pad=ceil(iw/2)*2:ceil(ih/2)*2"* ]]
}

@test "lavfi capture numbers chunks from the start chunk and lists complete ones" {
	HA_EPOCH=1 HA_START_CHUNK=7 HA_CHUNK_DURATION=1
	mkdir -p "$(chunk_dir)"
	capture_build_args lavfi
	: >"$OV2HA_STOP_FILE"
	ffmpeg "${FFMPEG_ARGS[@]}" <"$OV2HA_STOP_FILE" 2>"$WORK/ffmpeg.log" 3>/dev/null &
	local pid=$!
	BG_PIDS+=("$pid")
	wait_for 10 csv_has_lines 2 1
	echo q >"$OV2HA_STOP_FILE"
	wait_exit "$pid" 10
	[ "$EXIT_CODE" = 0 ]
	run cut -d, -f1 "$(segment_list_path)"
	[ "${lines[0]}" = 000007-e1.ts ]
	[ "${lines[1]}" = 000008-e1.ts ]
	local n=${#lines[@]} i
	for ((i = 0; i < n; i++)); do
		[ "${lines[i]}" = "$(chunk_file_name $((7 + i)) 1)" ]
		ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$(chunk_dir)/${lines[i]}" >"$WORK/streams"
		grep -qx video "$WORK/streams" && grep -qx audio "$WORK/streams"
	done
	# Each complete chunk but the last starts with a keyframe and lasts one chunk.
	parse_segment_line "$(sed -n 2p "$(segment_list_path)")"
	[ "$SEG_DURATION" = 1.000000 ]
}
