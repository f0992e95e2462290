#!/bin/sh
# Runs nats-server in the foreground on every interface (clients on 4222, monitoring on 8222)
# with the generated password in a private config file (never on a command line), and
# JetStream storing in /data.
set -eu
if [ -z "${NATS_PASSWORD:-}" ]; then
  echo "ink-nats: NATS_PASSWORD is not set (the template generates it)" >&2
  exit 1
fi
umask 077
conf=$(mktemp /tmp/nats.XXXXXX.conf)
cat > "$conf" <<CONF
listen: 0.0.0.0:${NATS_PORT:-4222}
http: 0.0.0.0:8222
jetstream { store_dir: "/data/jetstream" }
authorization { user: "${NATS_USER:-app}", password: "$NATS_PASSWORD" }
CONF
exec nats-server --config "$conf"
