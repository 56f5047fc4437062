#!/bin/sh
# Stand-in of the official Redis image's docker-entrypoint.sh (test only): redis-server is
# run as the redis user, owning its data folder; any other command runs as it is.
set -eu

if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
	find . ! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
