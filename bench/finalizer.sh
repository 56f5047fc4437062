#!/usr/bin/env bash
# Finalizer benchmark: finalizes a 1-hour recording (360 x 10 s MPEG-TS chunks, 640x360 25 fps,
# ~660 kbit/s) through the real controller, with the chunks in the recordings folder (local
# chunks, S3 mode) and with the chunks only in S3 (an S3Proxy process), and times `cat` of the
# same bytes as the baseline in the same run. Rewrites the "finalizer" section of BENCHMARKS.md.
#
# Usage: bench/finalizer.sh [RUNS]   (default 3; medians are reported)
#        JAVA_OPTS="..." bench/finalizer.sh   (default: the controller image's JVM options)
# Needs: JDK 17+, ffmpeg, curl (with --aws-sigv4), jq, redis-server. Everything it makes is under
# bench/out/ (the generated chunks are kept there for the next run).
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

# shellcheck source=../scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
# shellcheck source=lib/bench.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/bench.sh"

ROOT=$(repo_root)
OUT="$ROOT/bench/out"
CHUNKS="$OUT/chunks"
RUNS=${1:-3}
CHUNK_COUNT=360
PIDS=()
AK=bench-access
SK="bench-secret-$RANDOM$RANDOM"
ADMIN_PW="bench-admin-$RANDOM$RANDOM"
REC_PW="bench-recorder-$RANDOM$RANDOM"
BUCKET=bench-chunks

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# generate_chunks: the 1-hour chunk set, once (kept in bench/out/chunks).
generate_chunks() {
	if [[ -f "$CHUNKS/segments-e0.csv" ]] && (($(wc -l <"$CHUNKS/segments-e0.csv") == CHUNK_COUNT)); then
		log "chunks: reusing $CHUNKS"
	else
		log "chunks: generating 360 x 10 s (a few minutes)"
		rm -rf "$CHUNKS"
		mkdir -p "$CHUNKS"
		(cd "$CHUNKS" && ffmpeg -nostdin -hide_banner -v error \
			-f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 \
			-t 3600 -map 0:v -map 1:a -c:v libx264 -preset ultrafast -b:v 600k -maxrate 800k -bufsize 1600k \
			-pix_fmt yuv420p -force_key_frames 'expr:gte(t,n_forced*10)' -c:a aac -b:a 64k -ar 48000 -ac 2 \
			-f segment -segment_time 10 -reset_timestamps 1 -segment_format mpegts \
			-segment_format_options flush_packets=1 -segment_list segments-e0.csv -segment_list_type csv \
			%06d-e0.ts)
	fi
	if [[ ! -f "$CHUNKS/reports.tsv" ]]; then
		log "chunks: checksums"
		local file start end
		while IFS=, read -r file start end; do
			printf '%s\t%s\t%s\t%s\n' "$file" "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f", e - s }')" \
				"$(stat -c %s "$CHUNKS/$file")" "$(sha256sum "$CHUNKS/$file" | cut -d' ' -f1)"
		done <"$CHUNKS/segments-e0.csv" >"$CHUNKS/reports.tsv.tmp"
		mv "$CHUNKS/reports.tsv.tmp" "$CHUNKS/reports.tsv"
	fi
}

# start_s3proxy PORT: S3Proxy (filesystem store under bench/out/s3data) as a separate process.
start_s3proxy() {
	local port=$1 jar="$OUT/s3proxy-4.1.0-jar-with-dependencies.jar"
	if [[ ! -f "$jar" ]]; then
		log "s3proxy: fetching the jar with Maven"
		"$ROOT/mvnw" -B -q -ntp dependency:copy -Dartifact=org.gaul:s3proxy:4.1.0:jar:jar-with-dependencies \
			-DoutputDirectory="$OUT" >&2
	fi
	rm -rf "$OUT/s3data"
	mkdir -p "$OUT/s3data"
	cat >"$OUT/s3proxy.properties" <<-EOF
		s3proxy.endpoint=http://127.0.0.1:${port}
		s3proxy.authorization=aws-v2-or-v4
		s3proxy.identity=${AK}
		s3proxy.credential=${SK}
		jclouds.provider=filesystem
		jclouds.filesystem.basedir=${OUT}/s3data
	EOF
	java -jar "$jar" --properties "$OUT/s3proxy.properties" >"$OUT/s3proxy.log" 2>&1 &
	PIDS+=("$!")
	wait_for 60 "S3Proxy" curl -s -o /dev/null "http://127.0.0.1:${port}/"
}

# start_controller PORT S3PORT REDISPORT: the controller jar in S3 mode.
start_controller() {
	local port=$1 s3port=$2 redisport=$3
	if [[ ! -f "$ROOT/controller/target/ov2-ha-controller.jar" ]]; then
		log "controller: building the jar"
		"$ROOT/mvnw" -B -q -ntp -pl controller -DskipTests package >&2
	fi
	rm -rf "$OUT/recordings" "$OUT/data"
	mkdir -p "$OUT/recordings" "$OUT/data"
	image_jvm_env
	# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
	HA_PROFILE=production HA_CONTROLLER_PORT=$port HA_CONTROLLER_BIND_ADDRESS=127.0.0.1 \
		HA_REDIS_URL="redis://127.0.0.1:${redisport}" HA_DATA_DIR="$OUT/data" HA_RECORDINGS_PATH="$OUT/recordings" \
		HA_ADMIN_PASSWORD="$ADMIN_PW" HA_RECORDER_PASSWORD="$REC_PW" HA_RECORDING_STORAGE=s3 \
		HA_WEBHOOK_TOKEN="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')" HA_FAILOVER_ENABLED=false \
		HA_S3_ENDPOINT="http://127.0.0.1:${s3port}" HA_S3_BUCKET=$BUCKET HA_S3_ACCESS_KEY=$AK HA_S3_SECRET_KEY="$SK" \
		java $JAVA_OPTS -jar "$ROOT/controller/target/ov2-ha-controller.jar" >"$OUT/controller.log" 2>&1 &
	PIDS+=("$!")
	wait_for 120 "controller" curl -sf "http://127.0.0.1:${port}/actuator/health"
}

# prepare_recording ID WHERE: registers a recording and stores its chunks (WHERE: local or s3).
prepare_recording() {
	local id=$1 where=$2 created=$((1700000000000 + RANDOM)) file duration size sha seq key
	local json
	json=$(jq -cn --arg id "$id" --argjson c "$created" '{id:$id,object:"recording",name:$id,outputMode:"COMPOSED",
		resolution:"640x360",frameRate:25,recordingLayout:"BEST_FIT",sessionId:$id,uniqueSessionId:($id+"_1"),
		createdAt:$c,size:0,duration:0.0,url:null,hasAudio:true,hasVideo:true,status:"started"}')
	jq -cn --arg id "$id" --argjson rj "$json" '{recordingId:$id,epoch:0,recordingJson:$rj,
		env:{VIDEO_ID:$id,VIDEO_NAME:$id,VIDEO_FORMAT:"mp4",RESOLUTION:"640x360",FRAMERATE:"25"},containerId:"",host:"bench"}' |
		api_recorder POST /api/recordings >/dev/null
	mkdir -p "$OUT/recordings/$id/chunks"
	printf '%s' "$json" >"$OUT/recordings/$id/.recording.$id"
	printf 'placeholder' >"$OUT/recordings/$id/$id.mp4"
	while IFS=$'\t' read -r file duration size sha; do
		seq=$((10#${file%%-*}))
		key="recordings/$id/$created/$file"
		# curl signs the payload hash it is given (S3Proxy checks it)
		curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AK:$SK" -H "x-amz-content-sha256: $sha" \
			-T "$CHUNKS/$file" "http://127.0.0.1:${S3_PORT}/${BUCKET}/${key}" >/dev/null
		if [[ $where == local ]]; then
			ln "$CHUNKS/$file" "$OUT/recordings/$id/chunks/$file"
		fi
		printf '{"seq":%d,"epoch":0,"durationSeconds":%s,"sizeBytes":%s,"checksum":"sha256:%s","storageKey":"%s"}' \
			"$seq" "$duration" "$size" "$sha" "$key" | api_recorder POST "/api/recordings/$id/chunks" >/dev/null
	done <"$CHUNKS/reports.tsv"
}

api_recorder() {
	curl -sf -u "recorder:$REC_PW" -H 'Content-Type: application/json' -X "$1" --data-binary @- \
		"http://127.0.0.1:${PORT}$2"
}

# finalize_seconds ID: wall time of the recorder's finalize call until the result is final.
finalize_seconds() {
	local id=$1 start end state
	start=$(date +%s%N)
	state=$(printf '{"epoch":0}' | api_recorder POST "/api/recordings/$id/finalize?waitSeconds=25" | jq -r .state)
	while [[ $state != DONE && $state != FAILED ]]; do
		sleep 0.05
		state=$(curl -sf -u "admin:$ADMIN_PW" "http://127.0.0.1:${PORT}/api/recordings/$id/finalization" | jq -r .state)
	done
	end=$(date +%s%N)
	[[ $state == DONE ]] || die "finalization of $id: $state"
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) / 1e9 }'
}

cat_seconds() {
	local start end
	start=$(date +%s%N)
	cat "$CHUNKS"/*-e0.ts >"$OUT/recordings/cat.out"
	end=$(date +%s%N)
	rm -f "$OUT/recordings/cat.out"
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) / 1e9 }'
}

# ffmpeg_seconds: the join alone (ffmpeg concat with stream copy and +faststart of the same
# chunks with the same per-chunk durations), the floor of any ffmpeg-based joiner.
ffmpeg_seconds() {
	local start end list="$OUT/recordings/plain.ffconcat" file duration size sha
	{
		echo "ffconcat version 1.0"
		while IFS=$'\t' read -r file duration size sha; do
			printf "file '%s'\nduration %s\n" "$CHUNKS/$file" "$duration"
		done <"$CHUNKS/reports.tsv"
	} >"$list"
	start=$(date +%s%N)
	ffmpeg -nostdin -hide_banner -loglevel error -y -f concat -safe 0 -i "$list" -map '0:v?' -map '0:a?' -c copy \
		-movflags +faststart -f mp4 "$OUT/recordings/plain.mp4"
	end=$(date +%s%N)
	rm -f "$list" "$OUT/recordings/plain.mp4"
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) / 1e9 }'
}

main() {
	command -v ffmpeg >/dev/null || die "ffmpeg is needed"
	command -v redis-server >/dev/null || die "redis-server is needed"
	mkdir -p "$OUT"
	generate_chunks
	local redis_port
	redis_port=$(free_port)
	S3_PORT=$(free_port)
	PORT=$(free_port)
	redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$OUT/redis.log" 2>&1 &
	PIDS+=("$!")
	wait_for 20 "redis" redis-cli -p "$redis_port" ping
	start_s3proxy "$S3_PORT"
	start_controller "$PORT" "$S3_PORT" "$redis_port"

	local run local_times=() s3_times=() cat_times=() ffmpeg_times=() id t
	for ((run = 1; run <= RUNS; run++)); do
		id="bench_local_${run}_$RANDOM"
		prepare_recording "$id" local
		t=$(finalize_seconds "$id")
		local_times+=("$t")
		log "run $run: local chunks ${t}s"
		id="bench_s3_${run}_$RANDOM"
		prepare_recording "$id" s3
		t=$(finalize_seconds "$id")
		s3_times+=("$t")
		log "run $run: S3-only chunks ${t}s"
		t=$(cat_seconds)
		cat_times+=("$t")
		log "run $run: cat ${t}s"
		t=$(ffmpeg_seconds)
		ffmpeg_times+=("$t")
		log "run $run: ffmpeg concat alone ${t}s"
	done

	local m_local m_s3 m_cat m_ffmpeg bytes duration out
	m_ffmpeg=$(median "${ffmpeg_times[@]}")
	m_local=$(median "${local_times[@]}")
	m_s3=$(median "${s3_times[@]}")
	m_cat=$(median "${cat_times[@]}")
	bytes=$(cat "$CHUNKS"/*-e0.ts | wc -c)
	out=$(curl -sf -u "admin:$ADMIN_PW" "http://127.0.0.1:${PORT}/api/recordings/$id/finalization")
	duration=$(jq -r .output.durationSeconds <<<"$out")
	local ratio_local ratio_s3 ratio_ffmpeg
	ratio_local=$(awk -v a="$m_local" -v b="$m_cat" 'BEGIN { printf "%.1f", a / b }')
	ratio_s3=$(awk -v a="$m_s3" -v b="$m_cat" 'BEGIN { printf "%.1f", a / b }')
	ratio_ffmpeg=$(awk -v a="$m_ffmpeg" -v b="$m_cat" 'BEGIN { printf "%.1f", a / b }')
	local met_local met_s3
	met_local=$(awk -v t="$m_local" -v r="$ratio_local" 'BEGIN { printf "%s (10 s), %s (2.5x)", t <= 10 ? "yes" : "no", r <= 2.5 ? "yes" : "no" }')
	met_s3=$(awk -v t="$m_s3" 'BEGIN { print (t <= 30 ? "yes" : "no") }')
	cat >"$OUT/section.md" <<-EOF
			Script: \`bench/finalizer.sh\` (run $(date -u +%Y-%m-%d), $RUNS runs, medians).

			- Machine: $(machine_line), $(ffmpeg -version | head -1 | cut -d' ' -f1-3); load average before the run: $LOAD.
			- Recording: 360 chunks x 10 s (1 hour), 640x360 25 fps H.264 (~600 kbit/s) + AAC 64 kbit/s, $((bytes / 1048576)) MiB; final $duration s.
			- Method: the controller jar (\`${JAVA_OPTS}\`, \`MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX}\` as in the image; production profile, S3 mode, Redis, S3Proxy 4.1.0 as a separate process with a filesystem store on the same disk) finalizes a fresh registered recording whose 360 chunks were reported; the time is the recorder's \`POST /finalize\` until the result is DONE (list, checks with SHA-256, downloads, ffmpeg concat with \`+faststart\`, verification, \`.info\`, thumbnail, \`.recording\`). "Local chunks": the chunk files are in the recordings folder (S3 has them too); "S3-only": they are only in S3 (downloaded, 8 in parallel). Baseline: \`cat\` of the same chunk files into one file, same run, warm page cache.

			| Case | Median | Runs | Ratio to \`cat\` | Target | Met |
			|---|---|---|---|---|---|
			| Local chunks | ${m_local} s | ${local_times[*]} | ${ratio_local}x | <= 10 s and <= 2.5x cat | ${met_local} |
			| S3-only chunks | ${m_s3} s | ${s3_times[*]} | ${ratio_s3}x | <= 30 s | ${met_s3} |
			| \`cat\` of the same bytes | ${m_cat} s | ${cat_times[*]} | 1x | | |
			| ffmpeg concat alone (reference) | ${m_ffmpeg} s | ${ffmpeg_times[*]} | ${ratio_ffmpeg}x | | |

			The last row is the same ffmpeg join run by hand on the same chunks, without the finalizer's
			checks: demuxing MPEG-TS and muxing MP4 costs CPU that \`cat\` does not, so any ffmpeg-based
			join is several times \`cat\`; the finalizer adds the SHA-256 and structure check of every
			chunk, verification and OpenVidu's files on top of it.
		EOF
	write_section finalizer "$OUT/section.md"
	log "local ${m_local}s, S3-only ${m_s3}s, cat ${m_cat}s; BENCHMARKS.md updated"
	cleanup
	PIDS=()
	rm -rf "$OUT/recordings" "$OUT/s3data" "$OUT/data"
}

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
main "$@"
