#!/bin/sh
# Runs redis-server in the foreground on every interface with the generated password
# (requirepass, written to a private config file: never on a command line) and an append-only
# file in /data.
set -eu
if [ -z "${REDIS_PASSWORD:-}" ]; then
  echo "ink-redis: REDIS_PASSWORD is not set (the template generates it)" >&2
  exit 1
fi
umask 077
conf=$(mktemp /tmp/redis.XXXXXX.conf)
cat > "$conf" <<CONF
bind 0.0.0.0 -::*
protected-mode no
port ${REDISPORT:-6379}
dir /data
appendonly yes
requirepass "$REDIS_PASSWORD"
CONF
exec redis-server "$conf"
