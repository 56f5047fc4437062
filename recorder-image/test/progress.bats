#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2034 # each @test runs in a subshell and sets variables that the sourced recorder functions read
# ffmpeg's progress (reader and parser), the phases, and the heartbeat body built from them.

load helpers

setup() {
	recorder_env_setup
	load_libs
	config_load 2>/dev/null
	mkdir -p "$OV2HA_RUN_DIR" "$(chunk_dir)"
}

teardown() {
	recorder_teardown
}

# block FRAME OUT_TIME_US SPEED STATE: one progress block as ffmpeg 5.1 writes it.
block() {
	printf 'frame=%s\nfps=25.00\nstream_0_0_q=28.0\nbitrate=N/A\ntotal_size=N/A\nout_time_us=%s\nout_time_ms=%s\nout_time=00:00:01.000000\ndup_frames=0\ndrop_frames=0\nspeed=%s\nprogress=%s\n' \
		"$1" "$2" "$2" "$3" "$4"
}

@test "progress_read: frames, media time in ms, speed, state" {
	block 250 10040000 0.998x continue >"$WORK/p"
	progress_read "$WORK/p"
	[ "$PROGRESS_FRAMES" = 250 ]
	[ "$PROGRESS_MEDIA_MS" = 10040 ]
	[ "$PROGRESS_SPEED" = 0.998 ]
	[ "$PROGRESS_STATE" = continue ]
	# ffmpeg pads the speed ("speed=   1x") and may print an exponent.
	block 1 0 '   1x' end >"$WORK/p"
	progress_read "$WORK/p"
	[ "$PROGRESS_FRAMES" = 1 ] && [ "$PROGRESS_MEDIA_MS" = 0 ] && [ "$PROGRESS_SPEED" = 1 ]
	[ "$PROGRESS_STATE" = end ]
	block 3 120000 1.5e+03x continue >"$WORK/p"
	progress_read "$WORK/p"
	[ "$PROGRESS_SPEED" = 1.5e+03 ]
}

@test "progress_read: N/A and nonsense are null; no block yet is null everywhere" {
	block 0 N/A N/A continue >"$WORK/p"
	progress_read "$WORK/p"
	[ "$PROGRESS_FRAMES" = 0 ] && [ "$PROGRESS_MEDIA_MS" = null ] && [ "$PROGRESS_SPEED" = null ]
	# A negative media time (older ffmpeg before the first packet) is unknown, not a number.
	block 7 -9223372036854775807 'x' continue >"$WORK/p"
	progress_read "$WORK/p"
	[ "$PROGRESS_MEDIA_MS" = null ] && [ "$PROGRESS_SPEED" = null ]
	# out_time_ms (which ffmpeg writes in microseconds too) stands in for out_time_us.
	printf 'frame=9\nout_time_ms=2500000\nspeed=1.01x\nprogress=continue\n' >"$WORK/p"
	progress_read "$WORK/p"
	[ "$PROGRESS_MEDIA_MS" = 2500 ] && [ "$PROGRESS_FRAMES" = 9 ]
	run progress_read "$WORK/missing"
	[ "$status" = 1 ]
	progress_read "$WORK/missing" || true
	[ "$PROGRESS_FRAMES" = null ] && [ "$PROGRESS_MEDIA_MS" = null ] && [ "$PROGRESS_SPEED" = null ]
}

@test "progress_follow keeps only the last complete block, replaced atomically" {
	local fifo="$WORK/fifo" file="$WORK/progress" before
	mkfifo "$fifo"
	progress_follow "$file" <"$fifo" &
	BG_PIDS+=($!)
	exec 5>"$fifo"
	block 1 0 N/A continue >&5
	wait_for 5 test -f "$file"
	progress_read "$file"
	[ "$PROGRESS_FRAMES" = 1 ]
	block 26 1000000 1.00x continue >&5
	# A block still being written does not count.
	printf 'frame=51\nout_time_us=2000000\n' >&5
	wait_for 5 eval '[ "$(sed -n 1p "$file")" = frame=26 ]'
	sleep 0.3
	progress_read "$file"
	[ "$PROGRESS_FRAMES" = 26 ] && [ "$PROGRESS_MEDIA_MS" = 1000 ]
	# Only the keys the recorder reads are kept, plus the arrival time.
	run cut -d= -f1 "$file"
	[ "${lines[*]}" = "frame fps out_time_us out_time_ms dup_frames drop_frames speed progress wall_ms" ]
	before=$(now_ms)
	printf 'speed=1.00x\nprogress=end\n' >&5
	exec 5>&-
	wait_for 5 eval '[ "$(grep -c progress=end "$file")" = 1 ]'
	progress_read "$file"
	[ "$PROGRESS_FRAMES" = 51 ] && [ "$PROGRESS_MEDIA_MS" = 2000 ] && [ "$PROGRESS_STATE" = end ]
	((PROGRESS_WALL_MS >= before - 1000 && PROGRESS_WALL_MS <= $(now_ms)))
	# Bounded: one file, no temp left behind.
	[ "$(find "$WORK" -maxdepth 1 -name 'progress*' | wc -l)" = 1 ]
}

@test "ffmpeg's own progress: media time and frames advance across chunks" {
	HA_CHUNK_DURATION=1
	capture_build_args lavfi
	: >"$OV2HA_STOP_FILE"
	ffmpeg "${FFMPEG_ARGS[@]}" <"$OV2HA_STOP_FILE" 3> >(progress_follow "$(progress_file)") 2>"$WORK/ffmpeg.log" &
	local pid=$! first_ms first_frames
	BG_PIDS+=("$pid")
	wait_for 10 eval 'progress_read "$(progress_file)" && [ "$PROGRESS_FRAMES" != null ] && ((PROGRESS_FRAMES > 0))'
	first_ms=$PROGRESS_MEDIA_MS first_frames=$PROGRESS_FRAMES
	# The media time goes on across chunk boundaries (timestamps are reset per chunk file
	# only): beyond two 1 s chunks.
	wait_for 15 eval 'progress_read "$(progress_file)" && [ "$PROGRESS_MEDIA_MS" != null ] && ((PROGRESS_MEDIA_MS >= 2200))'
	csv_has_lines 2
	((PROGRESS_FRAMES > first_frames && first_ms < 2200))
	[[ $PROGRESS_SPEED =~ ^[0-9.]+$ ]]
	echo q >"$OV2HA_STOP_FILE"
	wait_exit "$pid" 10
	[ "$EXIT_CODE" = 0 ]
	wait_for 5 eval 'progress_read "$(progress_file)"; [ "$PROGRESS_STATE" = end ]'
}

@test "heartbeat body: phase, media time, frames and speed from ffmpeg's progress" {
	agent_heartbeat_body 123
	# Before anything: starting, no progress yet (null), no chunk yet.
	[ "$HEARTBEAT_BODY" = '{"epoch":0,"phase":"starting","mediaTimeMs":null,"frames":null,"speed":null,"progressAgeMs":null,"lastChunkSeq":null,"uploadBacklog":0,"freeDiskBytes":123,"content":null,"blankMs":null,"shownMediaMs":null}' ]
	printf 'capturing\n' >"$OV2HA_RUN_DIR/phase"
	block 501 20040000 0.97x continue >"$(progress_file)"
	printf '000000-e0.ts,0.000000,10.000000\n000001-e0.ts,10.000000,20.000000\n000002-e0.ts,20.0' >"$(segment_list_path)"
	printf '0 reported\n' >"$OV2HA_RUN_DIR/uploader.done"
	agent_heartbeat_body 123
	# The third line is still being written: not a complete chunk yet.
	[ "$HEARTBEAT_BODY" = '{"epoch":0,"phase":"capturing","mediaTimeMs":20040,"frames":501,"speed":0.97,"progressAgeMs":null,"lastChunkSeq":1,"uploadBacklog":1,"freeDiskBytes":123,"content":null,"blankMs":null,"shownMediaMs":null}' ]
	jq -e . <<<"$HEARTBEAT_BODY" >/dev/null
	# The lists grow: only what is new is read.
	printf '00000,30.000000\n' >>"$(segment_list_path)"
	printf '1 reported\n2 reported\n' >>"$OV2HA_RUN_DIR/uploader.done"
	printf 'stopping\n' >"$OV2HA_RUN_DIR/phase"
	block 510 20400000 N/A end >"$(progress_file)"
	HA_EPOCH=2
	agent_heartbeat_body
	jq -e '.epoch == 2 and .phase == "stopping" and .mediaTimeMs == 20400 and .frames == 510 and .speed == null
		and .lastChunkSeq == 2 and .uploadBacklog == 0 and (.freeDiskBytes | type) == "number"' <<<"$HEARTBEAT_BODY"
	# A report that came with its arrival time (as progress_follow writes it): its age, in ms.
	{ block 520 20800000 1.0x continue; printf 'wall_ms=%s\n' "$(($(date +%s%3N) - 2500))"; } >"$(progress_file)"
	agent_heartbeat_body 1
	jq -e '.progressAgeMs >= 2500 and .progressAgeMs < 60000' <<<"$HEARTBEAT_BODY"
	# An unknown phase in the file is reported as starting.
	printf 'recording\n' >"$OV2HA_RUN_DIR/phase"
	agent_heartbeat_body 1
	[ "$(jq -r .phase <<<"$HEARTBEAT_BODY")" = starting ]
}

@test "a heartbeat starts no process once running (cheap at a 1 s interval)" {
	printf 'capturing\n' >"$OV2HA_RUN_DIR/phase"
	block 501 20040000 0.97x continue >"$(progress_file)"
	printf '000000-e0.ts,0.000000,10.000000\n' >"$(segment_list_path)"
	agent_heartbeat_body 1
	# With no command found on PATH, any process it tried to start would fail the call.
	local saved=$PATH
	PATH=/nonexistent
	agent_heartbeat_body 1
	PATH=$saved
	[ "$(jq -r .lastChunkSeq <<<"$HEARTBEAT_BODY")" = 0 ]
}

@test "phases only go forward: starting, capturing at the first frame, stopping for good" {
	(
		# shellcheck source=../scripts/composed-ha.sh
		source "$SCRIPTS_DIR/composed-ha.sh"
		set +u
		LOG_FD=2
		set_phase starting 2>"$WORK/log"
		[ "$(cat "$OV2HA_RUN_DIR/phase")" = starting ]
		# No progress yet, then a block without a frame: still starting.
		note_first_frame
		block 0 N/A N/A continue >"$(progress_file)"
		note_first_frame
		[ "$(cat "$OV2HA_RUN_DIR/phase")" = starting ]
		{ block 3 80000 N/A continue && echo wall_ms=1700000001000; } >"$(progress_file)"
		note_first_frame 2>>"$WORK/log"
		[ "$(cat "$OV2HA_RUN_DIR/phase")" = capturing ]
		grep -q 'event=phase_changed phase=capturing frames=3 media_ms=80 first_frame_ms=1700000000920$' "$WORK/log"
		set_phase stopping 2>>"$WORK/log"
		set_phase capturing 2>>"$WORK/log"
		note_first_frame 2>>"$WORK/log"
		[ "$(cat "$OV2HA_RUN_DIR/phase")" = stopping ]
		[ "$(grep -c event=phase_changed "$WORK/log")" = 3 ]
	)
}
