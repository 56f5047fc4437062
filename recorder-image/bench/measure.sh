#!/usr/bin/env bash
# Measures the recorder image and rewrites the "Recorder image" section of BENCHMARKS.md
# (between <!-- BEGIN recorder-image --> and <!-- END recorder-image -->).
#
#   image      size of the image, compressed size (docker save | gzip -1), build times:
#              base image (mmdebstrap | docker import, under a throw-away tag) and recorder
#              image without cache (under a throw-away tag)
#   cpu        CPU and memory of one recorder at 1280x720@25 and 640x360@15, from the
#              container's cgroup over a steady window, recording the test page with the
#              full stack (controller, S3Proxy) on loopback
#   start      docker run -> non-empty <name>.mp4, -> capture started (first chunk file),
#              -> first complete chunk (10 s chunks), -> first chunk reported to the controller
#
# Usage: recorder-image/bench/measure.sh [--no-write]
# Environment: RECORDER_IMAGE (ov2-ha-recorder:dev), BUILD_RUNS (3), CPU_RUNS (3),
#   START_RUNS (5), CPU_WARMUP_S (15), CPU_WINDOW_S (30), SKIP_BUILD_TIMES=1.
# Needs what scripts/test-recorder-image.sh needs; run it as root on an otherwise idle
# machine. Removes only the containers and tags it created.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
# shellcheck source=../../scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=../../scripts/lib/s3proxy.sh
source "$ROOT/scripts/lib/s3proxy.sh"
# shellcheck source=../../scripts/lib/openvidu.sh
source "$ROOT/scripts/lib/openvidu.sh"
# shellcheck source=../../scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
# shellcheck source=../../bench/lib/bench.sh
source "$ROOT/bench/lib/bench.sh"

BUILD_RUNS=${BUILD_RUNS:-3}
CPU_RUNS=${CPU_RUNS:-3}
START_RUNS=${START_RUNS:-5}
CPU_WARMUP_S=${CPU_WARMUP_S:-15}
CPU_WINDOW_S=${CPU_WINDOW_S:-30}
WORK=''
BENCH_TAGS=()
RESULT=()

# loadavg: the 1-minute load average now (other work on the machine skews the figures).
loadavg() { cut -d' ' -f1 /proc/loadavg; }

cleanup() {
	local tag
	stack_stop
	for tag in "${BENCH_TAGS[@]}"; do
		docker rmi "$tag" >/dev/null 2>&1 || true
	done
	[[ -z $WORK ]] || rm -rf "$WORK"
}

measure_image() {
	local size gz
	size=$(docker image inspect -f '{{.Size}}' "$RECORDER_IMAGE")
	log "image: compressing for the transfer size"
	gz=$(docker save "$RECORDER_IMAGE" | gzip -1 | wc -c)
	RESULT+=("| Image size (\`docker image inspect\`) | $(awk -v s="$size" 'BEGIN { printf "%.0f MB", s / 1e6 }') |")
	RESULT+=("| Transfer size (\`docker save \\| gzip -1\`) | $(awk -v s="$gz" 'BEGIN { printf "%.0f MB", s / 1e6 }') |")
}

measure_build_times() {
	local i t tag base_times=() image_times=() load
	load=$(loadavg)
	for ((i = 1; i <= BUILD_RUNS; i++)); do
		tag="ov2ha-bench/debian:base-$$-$i"
		BENCH_TAGS+=("$tag")
		t=$SECONDS
		BASE_IMAGE_TAG=$tag "$ROOT/scripts/build-base-image.sh" --force >/dev/null 2>&1 || die "base image build failed"
		base_times+=($((SECONDS - t)))
		docker rmi "$tag" >/dev/null 2>&1 || true
		tag="ov2ha-bench/recorder:cold-$$-$i"
		BENCH_TAGS+=("$tag")
		t=$SECONDS
		NO_CACHE=1 "$ROOT/scripts/build-recorder-image.sh" "$tag" >/dev/null 2>&1 || die "image build failed"
		image_times+=($((SECONDS - t)))
		docker rmi "$tag" >/dev/null 2>&1 || true
		log "build run $i: base ${base_times[-1]} s, image ${image_times[-1]} s"
	done
	RESULT+=("| Base image build (mmdebstrap \\| docker import) | $(median "${base_times[@]}") s (range $(range "${base_times[@]}"), $BUILD_RUNS runs; load $load) |")
	RESULT+=("| Recorder image build, no cache (\`docker build --no-cache\`, apt from deb.debian.org) | $(median "${image_times[@]}") s (range $(range "${image_times[@]}"), $BUILD_RUNS runs; load $load) |")
	t=$SECONDS
	"$ROOT/scripts/build-recorder-image.sh" "$RECORDER_IMAGE" >/dev/null 2>&1
	RESULT+=("| Recorder image rebuild from the layer cache | $((SECONDS - t)) s |")
}

# cgroup_cpu_ns CONTAINER: CPU time used by the container so far, in ns (cgroup v1 or v2).
cgroup_cpu_ns() {
	local pid path
	pid=$(docker inspect -f '{{.State.Pid}}' "$1")
	path=$(awk -F: '$2 ~ /(^|,)cpuacct(,|$)/ { print $3 }' "/proc/$pid/cgroup")
	if [[ -n $path && -r /sys/fs/cgroup/cpuacct$path/cpuacct.usage ]]; then
		cat "/sys/fs/cgroup/cpuacct$path/cpuacct.usage"
		return 0
	fi
	path=$(awk -F: '$1 == 0 { print $3 }' "/proc/$pid/cgroup")
	awk '$1 == "usage_usec" { printf "%d\n", $2 * 1000 }' "/sys/fs/cgroup$path/cpu.stat"
}

csv_lines_of() {
	local f="$WORK/recordings/$1/chunks/segments-e0.csv"
	[[ -f $f ]] && wc -l <"$f" || echo 0
}

has_first_chunk() { (($(csv_lines_of "$1") >= 1)); }

# cpu_run ID RESOLUTION FRAMERATE: one recorder; prints "<cores> <MiB>".
cpu_run() {
	local id=$1 res=$2 fr=$3 cid t1 t2 c1 c2 mem
	stack_run_recorder "$id" "$res" "$fr" ""
	cid=$STACK_LAST_CID
	wait_for 60 "first chunk of $id" has_first_chunk "$id" || true
	sleep "$CPU_WARMUP_S"
	c1=$(cgroup_cpu_ns "$cid")
	t1=$(now_ms)
	sleep "$CPU_WINDOW_S"
	c2=$(cgroup_cpu_ns "$cid")
	t2=$(now_ms)
	# Memory in MiB (docker stats: usage without page cache).
	mem=$(docker stats --no-stream --format '{{.MemUsage}}' "$cid" | awk '{ v = $1; u = v; gsub(/[0-9.]/, "", u); sub(/[A-Za-z]+$/, "", v)
		f = (u == "GiB") ? 1024 : (u == "KiB") ? 1 / 1024 : 1; printf "%.0f", v * f }')
	docker exec -d "$cid" bash -c "echo 'q' > stop"
	timeout 30 docker wait "$cid" >/dev/null || true
	docker rm -f "$cid" >/dev/null 2>&1 || true
	awk -v c="$((c2 - c1))" -v t="$((t2 - t1))" -v m="$mem" 'BEGIN { printf "%.2f %s\n", c / (t * 1e6), m }'
}

measure_cpu() {
	local res fr i out cores=() mems=() label load
	for label in 1280x720@25 640x360@15; do
		res=${label%@*}
		fr=${label#*@}
		cores=() mems=()
		load=$(loadavg)
		for ((i = 1; i <= CPU_RUNS; i++)); do
			out=$(cpu_run "ses_cpu$$_${res}_$i" "$res" "$fr")
			cores+=("${out%% *}")
			mems+=("${out#* }")
			log "cpu $label run $i: ${out%% *} cores, ${out#* } MiB"
		done
		RESULT+=("| CPU of one recorder at $label (cgroup, ${CPU_WINDOW_S} s window after ${CPU_WARMUP_S} s) | $(median "${cores[@]}") cores (range $(range "${cores[@]}"), $CPU_RUNS runs; load $load); memory $(median "${mems[@]}") MiB |")
	done
}

# start_run ID: prints "placeholder_ms capture_ms first_chunk_ms reported_ms".
start_run() {
	local id=$1 t0 dir p='' c='' f='' r='' cid now
	dir="$WORK/recordings/$id"
	t0=$(now_ms)
	stack_run_recorder "$id" 1280x720 25 ""
	cid=$STACK_LAST_CID
	while now=$(now_ms) && ((now - t0 < 60000)); do
		[[ -z $p && -s $dir/$id.mp4 ]] && p=$((now - t0))
		[[ -z $c && -e $dir/chunks/000000-e0.ts ]] && c=$((now - t0))
		[[ -z $f && -s $dir/chunks/segments-e0.csv ]] && f=$((now - t0))
		if [[ -n $f && -z $r ]] && stack_admin_get "/api/recordings/$id/chunks" 2>/dev/null | jq -e '.count >= 1' >/dev/null; then
			r=$((now - t0))
			break
		fi
		sleep 0.02
	done
	docker exec -d "$cid" bash -c "echo 'q' > stop"
	timeout 30 docker wait "$cid" >/dev/null || true
	docker rm -f "$cid" >/dev/null 2>&1 || true
	printf '%s %s %s %s\n' "${p:-nan}" "${c:-nan}" "${f:-nan}" "${r:-nan}"
}

measure_start() {
	local i out p=() c=() f=() r=() load
	load=$(loadavg)
	for ((i = 1; i <= START_RUNS; i++)); do
		out=$(start_run "ses_start$$_$i")
		read -r -a v <<<"$out"
		p+=("${v[0]}") c+=("${v[1]}") f+=("${v[2]}") r+=("${v[3]}")
		log "start run $i: placeholder ${v[0]} ms, capture ${v[1]} ms, first chunk ${v[2]} ms, reported ${v[3]} ms"
	done
	RESULT+=("| docker run -> non-empty \`<name>.mp4\` (OpenVidu's 30 s start check) | $(median "${p[@]}") ms (range $(range "${p[@]}"), $START_RUNS runs at 1280x720@25; load $load) |")
	RESULT+=("| docker run -> capture started (first chunk file opened) | $(median "${c[@]}") ms (range $(range "${c[@]}")) |")
	RESULT+=("| docker run -> first complete 10 s chunk | $(median "${f[@]}") ms (range $(range "${f[@]}")) |")
	RESULT+=("| docker run -> first chunk in S3 and reported to the controller | $(median "${r[@]}") ms (range $(range "${r[@]}")) |")
}

# write_figures: the recorder-image section of BENCHMARKS.md from RESULT.
write_figures() {
	local section=$WORK/section.md
	{
		cat <<-EOF
			Script: \`recorder-image/bench/measure.sh\`, run $(date -u +%Y-%m-%d).
			Machine: $(machine_line), kernel $(uname -r), Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null).

			Method: medians of several runs (count per line), with the machine's 1-minute load
			average when the group started (other work shares its 2 cores; builds and start times
			suffer most from it). The recorder records the test page
			(\`recorder-image/test/page/\`: moving clock and box, a tone) with the full local stack on
			loopback (real controller with Redis, S3Proxy), started exactly as OpenVidu starts it.
			CPU is the container cgroup's CPU time over the window divided by the wall time (1.00 = one
			core); it covers Chromium, Xvfb, PulseAudio, ffmpeg (x264 ultrafast), uploads and
			heartbeats. A real OpenVidu layout decodes WebRTC streams and costs more Chromium CPU.

			| Figure | Value |
			|---|---|
		EOF
		printf '%s\n' "${RESULT[@]}"
	} >"$section"
	write_section recorder-image "$section"
	log "BENCHMARKS.md updated"
}

main() {
	local write=true
	[[ ${1:-} == --no-write ]] && write=false
	trap cleanup EXIT
	stack_require
	docker image inspect "$RECORDER_IMAGE" >/dev/null 2>&1 || "$ROOT/scripts/build-recorder-image.sh" "$RECORDER_IMAGE"
	measure_image
	[[ ${SKIP_BUILD_TIMES:-0} == 1 ]] || measure_build_times
	WORK=$(mktemp -d /tmp/ov2ha-recorder-bench.XXXXXX)
	STACK_CHUNK_DURATION=10
	stack_start "$WORK"
	measure_start
	measure_cpu
	printf '%s\n' "${RESULT[@]}"
	if [[ $write == true ]]; then
		write_figures
	fi
}

main "$@"
