#!/usr/bin/env bash
# Shared helpers for the benchmark scripts. Source it after scripts/lib/common.sh.

# machine_line: one line describing this machine, for the "machine" part of a section.
machine_line() {
	local cpu mem java
	cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
	mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
	java=$(java -version 2>&1 | head -n1)
	printf '%s vCPU (%s), %s RAM, %s, %s' "$(nproc)" "$cpu" "$mem" \
		"$(. /etc/os-release && echo "$PRETTY_NAME")" "$java"
}

# median NUMBERS...: the median (average of the two middle values for an even count); n/a
# without numbers.
median() {
	(($# > 0)) || { echo n/a; return 0; }
	printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}'
}

# range NUMBERS...: "min-max".
range() {
	printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%g-%g\n", lo, hi }'
}

# image_jvm_env: the controller image's JVM settings, so that a benchmark measures the process
# users run: JAVA_OPTS (default: HA_JAVA_OPTS of .env_template) and MALLOC_ARENA_MAX=2 (set by
# docker/Dockerfile). Start the controller with `java $JAVA_OPTS -jar ...`.
image_jvm_env() {
	JAVA_OPTS=${JAVA_OPTS:-$(sed -n 's/^HA_JAVA_OPTS=//p' "$(repo_root)/.env_template")}
	export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
}

# write_section NAME CONTENT_FILE [TARGET]: replaces the text between <!-- BEGIN NAME --> and
# <!-- END NAME --> in TARGET (default: the repository's BENCHMARKS.md) with the file's content.
write_section() {
	local name=$1 content=$2 file=${3:-$(repo_root)/BENCHMARKS.md}
	grep -q "<!-- BEGIN ${name} -->" "$file" || die "${file} has no section ${name}"
	python3 - "$file" "$name" "$content" <<'PY'
import re, sys
path, name, content = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().rstrip("\n")
text = open(path).read()
pattern = re.compile(r"(<!-- BEGIN %s -->\n).*?(<!-- END %s -->)" % (re.escape(name), re.escape(name)), re.S)
text = pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), text, count=1)
open(path, "w").write(text)
PY
}

# bench_password: a random password (24 letters and digits) for a benchmark's own stack.
bench_password() {
	head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24
}

# publish_section NAME FILE [--no-write]: prints the section (--no-write), or writes it into
# BENCHMARKS.md between its markers.
publish_section() {
	local name=$1 file=$2
	if [[ ${3:-} == --no-write ]]; then
		cat "$file"
	else
		write_section "$name" "$file"
		log "wrote the ${name} section of BENCHMARKS.md"
	fi
}

# start_hog: a busy loop on one core (the "hog" load) until stop_hog, 30 min at most.
start_hog() {
	timeout 1800 sh -c 'while :; do :; done' &
	HOG_PID=$!
}

# stop_hog: ends the busy loop of start_hog, if one runs (a cleanup trap calls it too).
stop_hog() {
	stop_pid "${HOG_PID:-}"
	HOG_PID=''
}
