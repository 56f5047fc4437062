#!/usr/bin/env bash
# Container test of the recorder image on the real Docker engine.
#
# Builds the base image (if missing) and the recorder image (cached), then starts Redis,
# S3Proxy, the real controller and the test page on loopback, and runs two recorders side
# by side exactly as OpenVidu 2 starts them (name, env, /recordings bind, host network):
#   A  1280x720@25, recorded >= 30 s, stopped with `echo 'q' > stop` through docker exec:
#      must exit 0 within 30 s; its chunks are in S3, byte for byte; the controller's
#      manifest lists them; audio and video are present; nothing secret in its logs; the
#      controller's finalize (asked by the recorder) left OpenVidu's <id>.info and the MP4
#   B  640x360@15, another background colour, killed with `docker kill` once it has 3 complete
#      chunks and no chunk completed for 4 s (the middle of a chunk): the partial chunk must
#      decode; every chunk complete at least EXPOSURE_BOUND_S before the kill must be in S3
#      and reported (a chunk that completed just before a kill may exist only on the local
#      disk: that exposure window is measured, and bounded generously here)
# Both at once on the host network also prove that each films its own display. The page is
# the end-to-end test page (e2e/page/: its wall clock painted as a barcode into every frame),
# so the recording itself says when its first frame was taken and when the page showed.
# Timings (printed, not asserted): docker run -> first frame and -> page visible, per
# recorder; chunk complete (segment-list line seen, polled every 20 ms) -> in S3 (the
# uploader's chunk_uploaded) -> reported (its chunk_reported), per chunk, with median/range.
#
# Usage: scripts/test-recorder-image.sh
# Environment: RECORDER_IMAGE (ov2-ha-recorder:dev), SKIP_BUILD=1 (use the image as it is),
#   RECORD_SECONDS (32, seconds of media before the stop), KEEP_WORK=1 (keep the work folder for inspection).
# Needs a running Docker daemon, java 17+, redis-server, ffmpeg, jq, curl, python3; root
# for the base image (mmdebstrap) when it is missing. Removes only what it started.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/s3proxy.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/s3proxy.sh"
# shellcheck source=lib/openvidu.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/openvidu.sh"
# shellcheck source=lib/stack.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/stack.sh"

ROOT=$(repo_root)
RECORD_SECONDS=${RECORD_SECONDS:-32}
WORK=''
FAILURES=0
TIMINGS=()
WATCH_PID=''
# A recorder's page must show within this much media from its first frame: generous, for a
# busy 2-core machine where Chromium takes long to paint (frames before that are blank).
PAGE_WITHIN_S=${PAGE_WITHIN_S:-45}
# A chunk complete this long before B's kill must be in S3 and reported (target: 1 s; the bound
# is for a busy 2-core machine).
EXPOSURE_BOUND_S=${EXPOSURE_BOUND_S:-15}

timing() {
	TIMINGS+=("$1=$2")
	log "timing: $1=$2"
}

cleanup() {
	local rc=$?
	if [[ -n $WORK && $rc -ne 0 || $FAILURES -ne 0 ]]; then
		local cid
		for cid in "${STACK_CONTAINERS[@]}"; do
			log "logs of ${cid:0:12} (last 40 lines):"
			docker logs --tail 40 "$cid" 2>&1 | sed 's/^/    /' >&2 || true
		done
	fi
	stop_pid "$WATCH_PID"
	stack_stop
	if [[ -n $WORK ]]; then
		if [[ ${KEEP_WORK:-0} == 1 ]]; then
			log "work folder kept: $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
}

build_images() {
	local start=$SECONDS
	if [[ ${SKIP_BUILD:-0} == 1 ]] && docker image inspect "$RECORDER_IMAGE" >/dev/null 2>&1; then
		log "build skipped (SKIP_BUILD=1)"
		return 0
	fi
	"$ROOT/scripts/build-base-image.sh"
	"$ROOT/scripts/build-recorder-image.sh" "$RECORDER_IMAGE"
	timing build_s $((SECONDS - start))
}

chunk_dir_of() { printf '%s/recordings/%s/chunks' "$WORK" "$1"; }
csv_of() { printf '%s/segments-e0.csv' "$(chunk_dir_of "$1")"; }
csv_count() { if [[ -f $(csv_of "$1") ]]; then wc -l <"$(csv_of "$1")"; else echo 0; fi; }
has_chunks() { (($(csv_count "$1") >= $2)); }

# media_at_least ID SECONDS: ffmpeg has recorded SECONDS since the first chunk started,
# judged by the segment list's end time plus the time since its last line.
media_at_least() {
	local csv end age
	csv=$(csv_of "$1")
	[[ -s $csv ]] || return 1
	end=$(tail -n 1 "$csv" | cut -d, -f3)
	age=$(($(now_ms) - $(stat -c %Y "$csv") * 1000))
	awk -v e="$end" -v a="$age" -v s="$2" 'BEGIN { exit !(e + a / 1000 >= s) }'
}

# wait_ms DEADLINE_S COMMAND...: polls COMMAND (20 ms); prints the elapsed ms since $T0.
wait_ms() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	until "$@" 2>/dev/null; do
		(($(now_ms) < deadline)) || return 1
		sleep 0.02
	done
	printf '%s' "$(($(now_ms) - T0))"
}

# complete_ms ID SEQ: when the sampler saw chunk SEQ's segment-list line (empty if never).
complete_ms() {
	awk -v id="$1" -v n=$(($2 + 1)) '$2 == id && $3 >= n { print $1; exit }' "$WORK/complete.log"
}

# chunks_quiet_for ID MS: no chunk of ID completed in the last MS milliseconds.
chunks_quiet_for() {
	local last
	last=$(awk -v id="$1" '$2 == id { t = $1 } END { print (t == "" ? 0 : t) }' "$WORK/complete.log")
	(($(now_ms) - last >= $2))
}

# chunks_before ID MS: file names of the chunks of ID complete before MS (the sampler's time).
chunks_before() {
	local id=$1 before=$2 seq=0 file t
	while IFS= read -r file; do
		t=$(complete_ms "$id" "$seq")
		[[ -n $t ]] && ((t <= before)) && printf '%s\n' "$file"
		seq=$((seq + 1))
	done < <(cut -d, -f1 "$(csv_of "$id")")
}

# s3_has_chunks_before ID MS / manifest_has_chunks_before ID MS: those chunks are in S3 byte
# for byte / in the controller's manifest (checksum and key); later ones may be missing.
s3_has_chunks_before() {
	local id=$1 created file key n=0
	created=$(jq -r .createdAt "$WORK/recordings/$id/.recording.$id")
	while IFS= read -r file; do
		key="recordings/$id/$created/$file"
		n=$((n + 1))
		s3proxy_get "$STACK_BUCKET" "$key" "$WORK/s3-object" || {
			log "not in S3: $key"
			return 1
		}
		cmp -s "$WORK/s3-object" "$(chunk_dir_of "$id")/$file" || return 1
	done < <(chunks_before "$id" "$2")
	log "$id: $n chunk(s) complete before the bound, all in S3"
	((n > 0))
}

manifest_has_chunks_before() {
	local id=$1 created file seq sum got n=0
	created=$(jq -r .createdAt "$WORK/recordings/$id/.recording.$id")
	got=$(stack_admin_get "/api/recordings/$id/chunks" | jq -r '.chunks[] | "\(.seq) \(.epoch) \(.checksum) \(.storageKey)"') || return 1
	while IFS= read -r file; do
		seq=$((10#${file%%-*}))
		sum=$(sha256sum "$(chunk_dir_of "$id")/$file" | cut -d' ' -f1)
		n=$((n + 1))
		grep -qxF "$seq 0 sha256:$sum recordings/$id/$created/$file" <<<"$got" || {
			log "not reported: $file"
			return 1
		}
	done < <(chunks_before "$id" "$2")
	((n > 0))
}

# The keys of one recording in S3 must be exactly its complete chunks, byte for byte.
s3_matches_chunks() {
	local id=$1 created file key
	created=$(jq -r .createdAt "$WORK/recordings/$id/.recording.$id")
	s3proxy_list_keys "$STACK_BUCKET" "recordings/$id/$created/" | sort >"$WORK/$id.s3keys"
	cut -d, -f1 "$(csv_of "$id")" | sed "s#^#recordings/$id/$created/#" | sort >"$WORK/$id.expected"
	diff -u "$WORK/$id.expected" "$WORK/$id.s3keys" >&2 || return 1
	while IFS= read -r file; do
		key="recordings/$id/$created/$file"
		s3proxy_get "$STACK_BUCKET" "$key" "$WORK/s3-object" || return 1
		cmp -s "$WORK/s3-object" "$(chunk_dir_of "$id")/$file" || {
			log "object differs from the local chunk: $key"
			return 1
		}
	done < <(cut -d, -f1 "$(csv_of "$id")")
}

# The controller's manifest lists every complete chunk with the local checksum and S3 key.
manifest_matches_chunks() {
	local id=$1 created file seq sum want got
	created=$(jq -r .createdAt "$WORK/recordings/$id/.recording.$id")
	stack_admin_get "/api/recordings/$id/chunks" >"$WORK/$id.manifest.json" || return 1
	want=$(while IFS= read -r file; do
		seq=$((10#${file%%-*}))
		sum=$(sha256sum "$(chunk_dir_of "$id")/$file" | cut -d' ' -f1)
		printf '%s 0 sha256:%s recordings/%s/%s/%s\n' "$seq" "$sum" "$id" "$created" "$file"
	done < <(cut -d, -f1 "$(csv_of "$id")"))
	got=$(jq -r '.chunks[] | "\(.seq) \(.epoch) \(.checksum) \(.storageKey)"' "$WORK/$id.manifest.json")
	[[ $want == "$got" ]] || {
		diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2
		return 1
	}
}

registered_container_is() {
	local id=$1 cid=$2
	[[ $(stack_admin_get "/api/recordings/$id" | jq -r .currentContainer.containerId) == "$cid" ]]
}

# Joins the chunks and checks video, audio (the page's tone is audible) and duration.
joined_has_audio_video() {
	local id=$1 min_s=$2 list out dur vol
	list="$WORK/$id.concat"
	out="$WORK/$id.joined.mp4"
	cut -d, -f1 "$(csv_of "$id")" | sed "s#^#file '$(chunk_dir_of "$id")/#; s#\$#'#" >"$list"
	ffmpeg -v error -y -f concat -safe 0 -i "$list" -c copy "$out" || return 1
	ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$out" | sort -u | tr '\n' ' ' >"$WORK/$id.types"
	[[ $(cat "$WORK/$id.types") == "audio video " ]] || return 1
	dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$out")
	vol=$(ffmpeg -hide_banner -i "$out" -af volumedetect -vn -f null - 2>&1 | sed -n 's/.*max_volume: \(-\?[0-9.]*\) dB/\1/p')
	log "joined $id: duration=${dur}s max_volume=${vol}dB"
	awk -v d="$dur" -v m="$min_s" -v v="$vol" 'BEGIN { exit !(d >= m && v > -30) }'
}

# join_media ID [partial]: the complete chunks (and the partial one) joined into one file.
join_media() {
	local id=$1 out="$WORK/$1.head.mp4" dir file
	dir=$(chunk_dir_of "$id")
	{
		cut -d, -f1 "$(csv_of "$id")"
		[[ ${2:-} != partial ]] || comm -13 <(cut -d, -f1 "$(csv_of "$id")" | sort) \
			<(find "$dir" -maxdepth 1 -name '*.ts' -printf '%f\n' | sort)
	} | while IFS= read -r file; do printf "file '%s/%s'\n" "$dir" "$file"; done >"$WORK/$id.head.list"
	ffmpeg -v error -y -f concat -safe 0 -i "$WORK/$id.head.list" -c copy "$out" || return 1
	printf '%s' "$out"
}

# page_timeline ID T0_MS [partial]: reads the page's clock out of the recording into
# $WORK/<id>.tc.json (e2e/lib/timecode.py: first_clock_ms, first_clock_media_ms, ...).
page_timeline() {
	local id=$1 t0=$2 media
	media=$(join_media "$id" "${3:-}") || return 1
	python3 "$ROOT/e2e/lib/timecode.py" "$media" --near-ms "$t0" >"$WORK/$id.tc.json" 2>/dev/null ||
		echo '{}' >"$WORK/$id.tc.json"
}

tc_value() { jq -r ".$2 // empty" "$WORK/$1.tc.json" 2>/dev/null; }

# page_frame_rgb ID: mean colour of a background patch (bottom left, where the page draws
# nothing) of the first frame that shows the page ("R G B").
page_frame_rgb() {
	local n
	n=$(tc_value "$1" first_clock_frame)
	[[ -n $n ]] || return 0
	ffmpeg -v error -i "$WORK/$1.head.mp4" -vf "select=eq(n\\,$((n + 1))),crop=iw/20:ih/20:iw/100:ih*85/100,scale=1:1" \
		-frames:v 1 -f rawvideo -pix_fmt rgb24 - | od -An -tu1 | awk '{ print $1, $2, $3 }'
}

# page_shown_early ID RRGGBB: a frame within the first PAGE_WITHIN_S s of media shows this
# recorder's own page (its clock readable, its background colour).
page_shown_early() {
	local id=$1 hex=$2 media_ms rgb
	media_ms=$(tc_value "$id" first_clock_media_ms)
	rgb=$(page_frame_rgb "$id")
	log "$id: page first readable at media ${media_ms:-never} ms, background rgb ${rgb:-none}"
	[[ -n $media_ms ]] && ((media_ms <= PAGE_WITHIN_S * 1000)) && colour_near "$rgb" "$hex"
}

# head_timings NAME ID T0_MS: docker run -> first frame (the page's clock on the first frame
# that shows it, minus the media before it) and -> page visible (that clock), from the
# recording; and the first frame as the recorder reported it (phase_changed capturing).
head_timings() {
	local name=$1 id=$2 t0=$3 clock media reported cid=$4
	clock=$(tc_value "$id" first_clock_ms)
	media=$(tc_value "$id" first_clock_media_ms)
	if [[ -n $clock && -n $media ]]; then
		timing "${name}_first_frame_ms" $((clock - media - t0))
		timing "${name}_page_visible_ms" $((clock - t0))
	fi
	reported=$(docker logs "$cid" 2>&1 | sed -n 's/.*event=phase_changed phase=capturing .*first_frame_ms=\([0-9]*\).*/\1/p' | head -n 1)
	[[ -z $reported ]] || timing "${name}_first_frame_reported_ms" $((reported - t0))
}

# watch_chunks ID...: background sampler: "<ms> <id> <complete chunks>" in $WORK/complete.log
# whenever a segment list grows (polled every 20 ms with builtins only, to load the host little).
watch_chunks() {
	local -A seen=()
	local -a lines
	local id t
	while :; do
		for id in "$@"; do
			lines=()
			[[ -f $WORK/recordings/$id/chunks/segments-e0.csv ]] && mapfile -t lines <"$WORK/recordings/$id/chunks/segments-e0.csv"
			if ((${#lines[@]} != ${seen[$id]:-0})); then
				seen[$id]=${#lines[@]}
				t=${EPOCHREALTIME/./}
				printf '%s %s %s\n' "$((t / 1000))" "$id" "${#lines[@]}" >>"$WORK/complete.log"
			fi
		done
		sleep 0.02
	done
}

# log_ms CID EVENT SEQ: the time (ms) of the recorder's log line "event=EVENT seq=SEQ"; empty
# when there is none (a chunk complete just before its recorder was killed was never uploaded).
log_ms() {
	local ts
	ts=$(docker logs "$1" 2>&1 | grep -m 1 " event=$2 seq=$3 " | cut -d' ' -f1 || true)
	if [[ -n $ts ]]; then
		date -d "$ts" +%s%3N
	fi
}

UPLOADED_MS=()
REPORTED_MS=()
# exposure_timings NAME ID CID: per complete chunk, complete -> uploaded and -> reported.
exposure_timings() {
	local name=$1 id=$2 cid=$3 n seq complete up rep
	n=$(csv_count "$id")
	for ((seq = 0; seq < n; seq++)); do
		complete=$(complete_ms "$id" "$seq")
		up=$(log_ms "$cid" chunk_uploaded "$seq")
		rep=$(log_ms "$cid" chunk_reported "$seq")
		[[ -n $complete ]] || continue
		[[ -z $up ]] || UPLOADED_MS+=($((up - complete)))
		[[ -z $rep ]] || REPORTED_MS+=($((rep - complete)))
		timing "${name}_chunk${seq}_complete_to_s3_ms" "$([[ -n $up ]] && echo $((up - complete)) || echo none)"
		timing "${name}_chunk${seq}_complete_to_reported_ms" "$([[ -n $rep ]] && echo $((rep - complete)) || echo none)"
	done
}

# summary VALUES...: "median=.. min=.. max=.. n=.."
summary() {
	(($#)) || {
		echo "n=0"
		return 0
	}
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "median=%s min=%s max=%s n=%d", m, v[1], v[NR], NR }'
}

# colour_near "R G B" RRGGBB: within 24 of the expected colour on every channel.
colour_near() {
	local got=$1 hex=$2
	awk -v got="$got" -v r=$((16#${hex:0:2})) -v g=$((16#${hex:2:2})) -v b=$((16#${hex:4:2})) 'BEGIN {
		split(got, c, " "); d1 = c[1] - r; d2 = c[2] - g; d3 = c[3] - b
		exit !(d1 * d1 <= 576 && d2 * d2 <= 576 && d3 * d3 <= 576) }'
}

logs_clean() {
	local cid=$1 logs
	logs=$(docker logs "$cid" 2>&1)
	if grep -F -e "$STACK_RECORDER_PASSWORD" -e "$S3PROXY_SECRET_KEY" -e "$STACK_OPENVIDU_SECRET" <<<"$logs" >/dev/null; then
		log "a secret appears in the logs of ${cid:0:12}"
		return 1
	fi
	# One line per event, key=value.
	if grep -vE '^[0-9T:.-]+Z level=(debug|info|warn|error) comp=[a-z]+ event=[a-z_]+( |$)' <<<"$logs" >&2; then
		log "log lines of ${cid:0:12} that are not events (above)"
		return 1
	fi
}

partial_chunk_decodes() {
	local id=$1 dir partial dur frames
	dir=$(chunk_dir_of "$id")
	partial=$(comm -13 <(cut -d, -f1 "$(csv_of "$id")" | sort) <(find "$dir" -maxdepth 1 -name '*.ts' -printf '%f\n' | sort))
	[[ $(wc -w <<<"$partial") == 1 ]] || {
		log "expected exactly one partial chunk, found: ${partial:-none}"
		return 1
	}
	ffmpeg -v error -xerror -i "$dir/$partial" -f null - || return 1
	dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$dir/$partial")
	frames=$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$dir/$partial" | grep -m 1 -E '^[0-9]+$')
	log "partial chunk $partial: $(stat -c %s "$dir/$partial") bytes, ${dur}s, ${frames} video frames, decodes cleanly"
	# how much media the kill left depends on how far the encoder had got (a starved encoder
	# lags by seconds): what it wrote must decode, and hold at least one frame. The finalizer
	# keeps such a chunk when it lasts at least 0.5 s (Joiner.MIN_UNREPORTED_SECONDS), else it
	# reports it dropped as too short: measured here, not assumed
	awk -v d="$dur" 'BEGIN { exit !(d >= 0.5) }' || log "partial chunk $partial: shorter than the 0.5 s the finalizer keeps"
	((${frames:-0} >= 1))
}

# OpenVidu's files after the stop: <id>.info (ffprobe JSON with a video stream) and the final
# MP4 in place of the placeholder, as the controller's finalize writes them.
final_files_written() {
	local id=$1 dir
	dir="$WORK/recordings/$id"
	[[ -s $dir/$id.info ]] || {
		log "no $id.info"
		return 1
	}
	jq -e '[.streams[] | select(.codec_type == "video")] | length == 1' "$dir/$id.info" >/dev/null || return 1
	jq -e '.format.duration | tonumber >= 28' "$dir/$id.info" >/dev/null || return 1
	ffprobe -v error -show_entries format=duration -of csv=p=0 "$dir/$id.mp4" >/dev/null
}

displays_differ() {
	local a b
	a=$(docker logs "$1" 2>&1 | sed -n 's/.*event=xvfb_started display=\(:[0-9]*\).*/\1/p')
	b=$(docker logs "$2" 2>&1 | sed -n 's/.*event=xvfb_started display=\(:[0-9]*\).*/\1/p')
	log "displays: A=$a B=$b"
	[[ -n $a && -n $b && $a != "$b" ]]
}

main() {
	local start=$SECONDS suffix id_a id_b cid_a cid_b t rc_a stop_ms health t0_a t0_b kill_b_ms
	trap cleanup EXIT
	stack_require
	build_images
	WORK=$(mktemp -d /tmp/ov2ha-recorder-test.XXXXXX)
	STACK_PAGE_DIR="$ROOT/e2e/page"
	stack_start "$WORK"
	log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

	suffix=$(date +%s)$RANDOM
	id_a="ses_A$suffix"
	id_b="ses_B${suffix}~1"
	watch_chunks "$id_a" "$id_b" &
	WATCH_PID=$!
	T0=$(now_ms)
	t0_a=$T0
	stack_run_recorder "$id_a" 1280x720 25 "bg=1d3557"
	cid_a=$STACK_LAST_CID
	t0_b=$(now_ms)
	stack_run_recorder "$id_b" 640x360 15 "bg=2a9d8f"
	cid_b=$STACK_LAST_CID
	log "recorders: A=$id_a (${cid_a:0:12}) B=$id_b (${cid_b:0:12})"

	t=$(wait_ms 30 test -s "$WORK/recordings/$id_a/$id_a.mp4") || die "A: no non-empty $id_a.mp4 within 30 s (OpenVidu gives up then)"
	timing placeholder_ms "$t"
	t=$(wait_ms 90 has_chunks "$id_a" 1) || die "A: no complete chunk within 90 s"
	timing first_chunk_ms "$t"
	# B: 3 complete chunks, then killed in the middle of a chunk: when none completed for 4 s
	# (on a loaded host ffmpeg's output lags and chunk completions can come in bursts).
	wait_ms 120 has_chunks "$id_b" 3 >/dev/null || die "B: no three complete chunks within 120 s"
	wait_ms 60 chunks_quiet_for "$id_b" 4000 >/dev/null || die "B: chunks never quiet for 4 s"
	docker kill "$cid_b" >/dev/null
	kill_b_ms=$(now_ms)
	check "B killed (exit 137)" test "$(docker wait "$cid_b")" = 137

	# A: let it record at least RECORD_SECONDS of media, then stop it as OpenVidu does.
	wait_ms 120 media_at_least "$id_a" "$RECORD_SECONDS" >/dev/null || die "A: recording stalled"
	health=$(docker inspect -f '{{.State.Health.Status}}' "$cid_a")
	check "A healthy while recording (health=$health)" test "$health" = healthy
	t=$(now_ms)
	docker exec -d "$cid_a" bash -c "echo 'q' > stop"
	rc_a=$(timeout 30 docker wait "$cid_a") || rc_a=timeout
	stop_ms=$(($(now_ms) - t))
	timing stop_ms "$stop_ms"
	check "A exits 0 within 30 s after q (rc=$rc_a, ${stop_ms} ms)" test "$rc_a" = 0
	stop_pid "$WATCH_PID"
	WATCH_PID=''

	check "A: finalize left <id>.info (video stream, >= 28 s) and the joined MP4 before A exited" \
		final_files_written "$id_a"
	check "A wrote .recording.<id> (RECORDING_JSON's id and createdAt; the controller seals it)" \
		test "$(jq -c '{id, createdAt}' "$WORK/recordings/$id_a/.recording.$id_a")" = \
		"$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$cid_a" | sed -n 's/^RECORDING_JSON=//p' | jq -c '{id, createdAt}')"
	check "A recorded >= 3 complete chunks ($(csv_count "$id_a"))" has_chunks "$id_a" 3
	check "A: every complete chunk is in S3, byte for byte" s3_matches_chunks "$id_a"
	check "A: the controller's manifest lists every chunk (seq, epoch, checksum, key)" manifest_matches_chunks "$id_a"
	check "A: registered with its own container id" registered_container_is "$id_a" "$cid_a"
	check "A: joined chunks have video and audible audio, >= $((RECORD_SECONDS - 2)) s" \
		joined_has_audio_video "$id_a" $((RECORD_SECONDS - 2))
	page_timeline "$id_a" "$t0_a"
	page_timeline "$id_b" "$t0_b" partial
	check "A: a frame within the first $PAGE_WITHIN_S s shows A's own page (its clock and background)" \
		page_shown_early "$id_a" 1d3557
	check "B: a frame within the first $PAGE_WITHIN_S s shows B's own page (its clock and background)" \
		page_shown_early "$id_b" 2a9d8f
	check "A and B used different X displays" displays_differ "$cid_a" "$cid_b"
	check "B: the partial chunk left by docker kill decodes" partial_chunk_decodes "$id_b"
	check "B: every chunk complete >= $EXPOSURE_BOUND_S s before the kill is in S3, byte for byte" \
		s3_has_chunks_before "$id_b" $((kill_b_ms - EXPOSURE_BOUND_S * 1000))
	check "B: every chunk complete >= $EXPOSURE_BOUND_S s before the kill is reported" \
		manifest_has_chunks_before "$id_b" $((kill_b_ms - EXPOSURE_BOUND_S * 1000))
	check "A: logs are events only, without secrets" logs_clean "$cid_a"
	check "B: logs are events only, without secrets" logs_clean "$cid_b"

	head_timings A "$id_a" "$t0_a" "$cid_a"
	head_timings B "$id_b" "$t0_b" "$cid_b"
	exposure_timings A "$id_a" "$cid_a"
	exposure_timings B "$id_b" "$cid_b"
	timing complete_to_s3_ms "$(summary "${UPLOADED_MS[@]}")"
	timing complete_to_reported_ms "$(summary "${REPORTED_MS[@]}")"
	timing total_s $((SECONDS - start))
	log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	log "timings: ${TIMINGS[*]}"
	if ((FAILURES > 0)); then
		log "FAILED: $FAILURES check(s)"
		return 1
	fi
	log "PASSED"
}

main "$@"
