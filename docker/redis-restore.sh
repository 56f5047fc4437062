#!/bin/sh
# Loads a Redis RDB snapshot (from `ov2-ha-recorder.sh backup`) into a Redis data folder that
# runs with AOF. Run by `ov2-ha-recorder.sh restore` inside the Redis image (no network, the
# bundled Redis stopped, its volume mounted); POSIX sh, redis-server and redis-cli only.
#
# Usage: redis-restore.sh RDB DATA_DIR
#
# Redis started with `appendonly yes` and no AOF starts EMPTY (it does not read dump.rdb), so:
# the AOF is removed, the snapshot becomes dump.rdb, a private Redis (127.0.0.1, no
# persistence of its own) loads it, `CONFIG SET appendonly yes` writes a new AOF from it, and
# that Redis shuts down. The next normal start loads that AOF.
# Environment: REDIS_RESTORE_PORT (default 6399). Prints one key=value line per step.
set -eu

rdb=${1:?usage: redis-restore.sh RDB DATA_DIR}
data=${2:?usage: redis-restore.sh RDB DATA_DIR}
port=${REDIS_RESTORE_PORT:-6399}

say() { printf 'event=redis_restore.%s\n' "$*"; }
fail() {
	say "failed reason=\"$*\"" >&2
	exit 1
}
cli() { redis-cli -h 127.0.0.1 -p "$port" "$@"; }

# info_field NAME: a field of INFO persistence.
info_field() {
	cli info persistence | tr -d '\r' | sed -n "s/^$1://p"
}

[ -s "$rdb" ] || fail "snapshot $rdb is missing or empty"
[ -d "$data" ] || fail "data folder $data does not exist"
rm -rf "$data/appendonlydir" "$data/appendonly.aof"
cp "$rdb" "$data/dump.rdb"
say "snapshot_copied"

redis-server --port "$port" --bind 127.0.0.1 --dir "$data" --dbfilename dump.rdb --appendonly no --save '' \
	--daemonize yes --pidfile "$data/restore.pid" --logfile "$data/restore.log"
i=0
until [ "$(cli ping 2>/dev/null)" = PONG ]; do
	i=$((i + 1))
	[ "$i" -le 600 ] || fail "the snapshot did not load within 60 s (see $data/restore.log)"
	sleep 0.1
done
keys=$(cli dbsize)
say "snapshot_loaded keys=$keys"

cli config set appendonly yes >/dev/null
i=0
while :; do
	if [ "$(info_field aof_enabled)" = 1 ] && [ "$(info_field aof_rewrite_in_progress)" = 0 ] &&
		[ "$(info_field aof_rewrite_scheduled)" = 0 ]; then
		break
	fi
	i=$((i + 1))
	[ "$i" -le 3000 ] || fail "writing the AOF did not finish within 300 s"
	sleep 0.1
done
[ "$(info_field aof_last_bgrewrite_status)" = ok ] || fail "writing the AOF failed (see $data/restore.log)"
cli shutdown >/dev/null 2>&1 || true
i=0
while [ -e "$data/restore.pid" ]; do
	i=$((i + 1))
	[ "$i" -le 300 ] || fail "the restore Redis did not stop"
	sleep 0.1
done
rm -f "$data/restore.log"
if id redis >/dev/null 2>&1; then
	chown -R redis:redis "$data"
fi
say "done keys=$keys"
