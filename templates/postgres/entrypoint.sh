#!/bin/sh
# Initializes the cluster on first start (user PGUSER with password PGPASSWORD, database
# PGDATABASE), then runs postgres in the foreground on every interface. TCP opens only once the
# cluster exists, so Ink's health check (a TCP connect to 5432) passes when it can serve.
set -eu
: "${PGDATA:=/var/lib/postgresql/data/pgdata}"
: "${PGUSER:=postgres}"
: "${PGDATABASE:=$PGUSER}"
if [ -z "${PGPASSWORD:-}" ]; then
  echo "ink-postgres: PGPASSWORD is not set (the template generates it)" >&2
  exit 1
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile=$(mktemp)
  printf '%s\n' "$PGPASSWORD" > "$pwfile"
  initdb -D "$PGDATA" -U "$PGUSER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  {
    echo "host all all 0.0.0.0/0 scram-sha-256"
    echo "host all all ::/0 scram-sha-256"
  } >> "$PGDATA/pg_hba.conf"
  if [ "$PGDATABASE" != "postgres" ] && [ "$PGDATABASE" != "template1" ]; then
    echo "CREATE DATABASE \"$PGDATABASE\" OWNER \"$PGUSER\";" |
      postgres --single -D "$PGDATA" -c listen_addresses='' template1 >/dev/null
  fi
  echo "ink-postgres: initialized $PGDATA (user $PGUSER, database $PGDATABASE)"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c port="${PGPORT:-5432}" \
  -c unix_socket_directories=/var/run/postgresql
