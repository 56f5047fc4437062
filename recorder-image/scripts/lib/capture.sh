#!/usr/bin/env bash
# shellcheck disable=SC2034 # FFMPEG_ARGS is read by composed-ha.sh, which sources this file
# The ffmpeg command that records the screen (or, for tests, lavfi sources) into MPEG-TS
# chunks. Requires common.sh and chunks.sh.
#
# Chunks: forced keyframes at every chunk boundary, packets flushed as written (a killed
# recorder leaves a decodable partial chunk), timestamps reset per chunk, numbering from
# HA_START_CHUNK, and ffmpeg's CSV segment list as the "chunk complete" signal.
#
# Real time before smoothness: x11grab dates each frame by the wall clock when it grabs it, and
# its queue to the encoder holds one second of frames (FRAMERATE, at least 8). On a host too
# busy to encode every frame, the grab waits for room and the next frame shows the screen as it
# is then (the fps filter repeats the last one meanwhile): the recording stays in real time,
# less smooth, behind by the queue at most (about a second while the repeated frames can still
# be encoded at FRAMERATE). A longer queue made the recorder fall behind instead, by up to the
# queue's length at the encoder's pace (512 frames: up to 30 s at speed 0.68; 20 s measured a
# minute in), and what it held was lost at every stop (`q` ends ffmpeg without encoding the
# queue) and every crash. ffmpeg logs "Thread message queue blocking" once when the queue first
# fills: expected on a busy host, not a setting to raise.
#
# stdin is the stop file, so OpenVidu's `echo 'q' > stop` ends ffmpeg gracefully; fd 3 takes
# ffmpeg's progress report every 0.5 s (progress.sh reads it).

# capture_build_args SOURCE DISPLAY: fills the array FFMPEG_ARGS.
#   SOURCE x11   : x11grab of DISPLAY (":N") plus PulseAudio's "rec" sink monitor
#   SOURCE lavfi : test pattern and tone in real time (host tests without X)
capture_build_args() {
	local source=$1 display=${2:-} size gop vfilter grab_queue
	size="${VIDEO_WIDTH}x${VIDEO_HEIGHT}"
	gop=$((FRAMERATE * HA_CHUNK_DURATION))
	# one second of frames, and never less than ffmpeg's own default (8)
	grab_queue=$((FRAMERATE > 8 ? FRAMERATE : 8))
	FFMPEG_ARGS=(-hide_banner -nostats -y -progress pipe:3 -stats_period 0.5)
	if [[ $DEBUG_MODE == true ]]; then
		FFMPEG_ARGS+=(-loglevel info)
	else
		FFMPEG_ARGS+=(-loglevel warning)
	fi
	case $source in
	x11)
		FFMPEG_ARGS+=(-thread_queue_size "$grab_queue" -f x11grab -draw_mouse 0
			-framerate "$FRAMERATE" -video_size "$size" -i "$display")
		if [[ $ONLY_VIDEO != true ]]; then
			FFMPEG_ARGS+=(-thread_queue_size 1024 -f pulse -i rec.monitor)
		fi
		;;
	lavfi)
		FFMPEG_ARGS+=(-re -f lavfi -i "testsrc2=size=${size}:rate=${FRAMERATE}")
		if [[ $ONLY_VIDEO != true ]]; then
			FFMPEG_ARGS+=(-re -f lavfi -i "sine=frequency=440:sample_rate=48000")
		fi
		;;
	*)
		log_error capture_source_unknown source="$source"
		return 1
		;;
	esac
	FFMPEG_ARGS+=(-map 0:v)
	[[ $ONLY_VIDEO != true ]] && FFMPEG_ARGS+=(-map 1:a)
	# libx264 with yuv420p needs even dimensions; pad an odd RESOLUTION by one pixel.
	vfilter="fps=${FRAMERATE}"
	if ((VIDEO_WIDTH % 2 || VIDEO_HEIGHT % 2)); then
		vfilter+=",pad=ceil(iw/2)*2:ceil(ih/2)*2"
	fi
	FFMPEG_ARGS+=(-vf "$vfilter"
		-c:v libx264 -preset ultrafast -tune zerolatency -crf 28 -pix_fmt yuv420p
		-g "$gop" -sc_threshold 0
		-force_key_frames "expr:gte(t,n_forced*${HA_CHUNK_DURATION})")
	if [[ $ONLY_VIDEO != true ]]; then
		FFMPEG_ARGS+=(-af aresample=async=1 -c:a aac -b:a 128k -ar 48000 -ac 2)
	fi
	FFMPEG_ARGS+=(-f segment -segment_time "$HA_CHUNK_DURATION"
		-segment_start_number "$HA_START_CHUNK" -reset_timestamps 1
		-segment_format mpegts -segment_format_options flush_packets=1
		-segment_list "$(segment_list_path)" -segment_list_type csv
		"$(chunk_file_pattern)")
}
