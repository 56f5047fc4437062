#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2034 # each @test runs in a subshell and sets variables that the sourced recorder functions read
# The uploader: driven by the segment list, retries forever, never deletes a chunk.

load helpers

setup() {
	recorder_env_setup
	load_libs
	config_load 2>/dev/null
	mkdir -p "$OV2HA_RUN_DIR" "$(chunk_dir)"
	api_init
	export OV2HA_BACKOFF_MAX=1
}

teardown() {
	recorder_teardown
}

# add_chunk SEQ: a chunk file and its segment-list line (as ffmpeg does on completion).
add_chunk() {
	local seq=$1 file
	file=$(chunk_file_name "$seq")
	head -c $((1000 + seq)) /dev/urandom >"$(chunk_dir)/$file"
	printf '%s,%s.000000,%s.000000\n' "$file" "$((seq * 10))" "$((seq * 10 + 10))" >>"$(segment_list_path)"
}

start_uploader_bg() {
	uploader_run 2>>"$WORK/uploader.log" 3>&- &
	UPLOADER_BG=$!
	BG_PIDS+=("$UPLOADER_BG")
}

finish_uploader() {
	touch "$OV2HA_RUN_DIR/ffmpeg.exited"
	wait_exit "$UPLOADER_BG" "${1:-10}"
}

chunk_sums() {
	(cd "$(chunk_dir)" && sha256sum ./*.ts)
}

@test "each complete chunk is uploaded under its key and reported, in order" {
	add_chunk 0
	add_chunk 1
	# A line still being written is not a complete chunk yet.
	printf '000002-e0.ts,20.0' >>"$(segment_list_path)"
	start_uploader_bg
	wait_for 10 requests_at_least chunks 2
	sleep 0.5
	[ "$(count_requests chunks)" = 2 ]
	head -c 1002 /dev/urandom >"$(chunk_dir)/000002-e0.ts"
	printf ',30.000000\n' >>"$(segment_list_path)"
	finish_uploader
	[ "$EXIT_CODE" = 0 ]
	run grep '^chunks ' "$STUB_DIR/requests.log"
	[ "${#lines[@]}" = 3 ]
	local i key sum size
	for i in 0 1 2; do
		key="recordings/ses_T/1700000005000/00000$i-e0.ts"
		cmp "$(chunk_dir)/00000$i-e0.ts" "$STUB_DIR/s3/chunks-test/$key"
		sum=$(sha256sum "$(chunk_dir)/00000$i-e0.ts" | cut -d' ' -f1)
		size=$(stat -c %s "$(chunk_dir)/00000$i-e0.ts")
		[[ ${lines[i]} == "chunks POST /api/recordings/ses_T/chunks "* ]]
		body=${lines[i]#chunks POST /api/recordings/ses_T/chunks }
		[ "$(jq -c . <<<"$body")" = "$(jq -cn --argjson seq "$i" --argjson size "$size" \
			--arg sum "sha256:$sum" --arg key "$key" \
			'{seq:$seq,epoch:0,durationSeconds:10,sizeBytes:$size,checksum:$sum,storageKey:$key}')" ]
	done
	[ "$(wc -l <"$OV2HA_RUN_DIR/uploader.done")" = 3 ]
	# Each PUT is signed with the chunk's SHA-256 (S3 checks the body), the keys from a private
	# config file: never on the command line.
	sum=$(sha256sum "$(chunk_dir)/000001-e0.ts" | cut -d' ' -f1)
	grep -qx "chunks-test/recordings/ses_T/1700000005000/000001-e0.ts sha256=$sum user=AKTEST" "$STUB_DIR/s3.log"
	[ "$(stat -c %a "$OV2HA_RUN_DIR/s3.curl.conf")" = 600 ]
	assert_no_secrets "$STUB_DIR/argv.log" "$WORK/uploader.log"
}

@test "a complete chunk is picked up at once (the segment list is followed, not rescanned)" {
	start_uploader_bg
	wait_for 5 grep -q event=uploader_started "$WORK/uploader.log"
	local t0
	add_chunk 0
	t0=$(now_ms)
	wait_for 5 requests_at_least chunks 1
	echo "complete -> reported: $(($(now_ms) - t0)) ms" >&3
	add_chunk 1
	wait_for 5 requests_at_least chunks 2
	finish_uploader
	[ "$EXIT_CODE" = 0 ]
}

@test "keys are percent-encoded for S3's canonical URI" {
	[ "$(uri_encode_path "recordings/ses_A~1/17/000001-e0.ts")" = "recordings/ses_A~1/17/000001-e0.ts" ]
	[ "$(uri_encode_path "p!x*(y)'z/a b")" = "p%21x%2A%28y%29%27z/a%20b" ]
}

@test "S3 down: retries with backoff, keeps every chunk, uploads all once S3 is back" {
	touch "$STUB_DIR/s3_down"
	add_chunk 0
	add_chunk 1
	local before
	before=$(chunk_sums)
	start_uploader_bg
	wait_for 10 log_count_above "$STUB_DIR/s3.log" 000000-e0 2
	# Head-of-line retry: chunk 1 waits for chunk 0; nothing reported, nothing deleted.
	[ "$(count_requests chunks)" = 0 ]
	if grep -q 000001-e0 "$STUB_DIR/s3.log"; then false; fi
	grep -q 'event=chunk_upload_failed seq=0' "$WORK/uploader.log"
	[ "$(chunk_sums)" = "$before" ]
	rm "$STUB_DIR/s3_down"
	finish_uploader 10
	[ "$EXIT_CODE" = 0 ]
	[ "$(count_requests chunks)" = 2 ]
	[ "$(chunk_sums)" = "$before" ]
	[ -f "$STUB_DIR/s3/chunks-test/recordings/ses_T/1700000005000/000001-e0.ts" ]
}

@test "controller down: the upload is not repeated while the report is retried" {
	touch "$STUB_DIR/controller_down"
	add_chunk 0
	start_uploader_bg
	wait_for 10 requests_at_least chunks 3
	[ "$(grep -c 000000-e0 "$STUB_DIR/s3.log")" = 1 ]
	rm "$STUB_DIR/controller_down"
	finish_uploader
	[ "$EXIT_CODE" = 0 ]
	[ "$(grep -c 000000-e0 "$STUB_DIR/s3.log")" = 1 ]
	grep -q 'event=chunk_reported seq=0 status=201' "$WORK/uploader.log"
}

@test "a stale-epoch answer fences the uploader: it exits 3 and deletes nothing" {
	set_response chunks 409 0 "$(problem_body stale-epoch 409)"
	add_chunk 0
	add_chunk 1
	local before
	before=$(chunk_sums)
	start_uploader_bg
	wait_exit "$UPLOADER_BG" 10
	[ "$EXIT_CODE" = 3 ]
	[ "$(cat "$OV2HA_RUN_DIR/fenced")" = stale-epoch ]
	[ "$(count_requests chunks)" = 1 ]
	[ "$(chunk_sums)" = "$before" ]
}

@test "a rejected report (400) is logged and not retried; the next chunk goes on" {
	set_response chunks.once 400 0 "$(problem_body invalid-request 400)"
	add_chunk 0
	add_chunk 1
	start_uploader_bg
	finish_uploader
	[ "$EXIT_CODE" = 0 ]
	[ "$(count_requests chunks)" = 2 ]
	grep -q 'event=chunk_report_rejected seq=0 status=400 problem=invalid-request' "$WORK/uploader.log"
	grep -qx '0 rejected' "$OV2HA_RUN_DIR/uploader.done"
	grep -qx '1 reported' "$OV2HA_RUN_DIR/uploader.done"
}

@test "local storage reports the chunk path and uploads nothing" {
	HA_RECORDING_STORAGE=local
	add_chunk 0
	start_uploader_bg
	finish_uploader
	[ "$EXIT_CODE" = 0 ]
	[ ! -e "$STUB_DIR/s3.log" ]
	grep -q '"storageKey":"ses_T/chunks/000000-e0.ts"' "$STUB_DIR/requests.log"
}

@test "a restarted uploader skips chunks already reported" {
	add_chunk 0
	add_chunk 1
	printf '0 reported\n' >"$OV2HA_RUN_DIR/uploader.done"
	start_uploader_bg
	finish_uploader
	[ "$(count_requests chunks)" = 1 ]
	grep -q '"seq":1,' "$STUB_DIR/requests.log"
}

@test "backoff doubles up to its cap" {
	[ "$(backoff_delay 1 30)" = 1 ]
	[ "$(backoff_delay 2 30)" = 2 ]
	[ "$(backoff_delay 5 30)" = 16 ]
	[ "$(backoff_delay 6 30)" = 30 ]
	[ "$(backoff_delay 60 30)" = 30 ]
	[ "$(backoff_delay 3 1)" = 1 ]
}
