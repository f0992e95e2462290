#!/bin/sh
# Initializes the data directory on first start (database MYSQL_DATABASE, user MYSQL_USER with
# MYSQL_PASSWORD from any host, root with MYSQL_ROOT_PASSWORD) with networking off, then runs
# mariadbd in the foreground on every interface. TCP opens only once the data exists, so Ink's
# health check (a TCP connect to 3306) passes when it can serve.
set -eu
datadir=/var/lib/mysql/db
: "${MYSQL_DATABASE:=app}"
: "${MYSQL_USER:=app}"
for v in MYSQL_PASSWORD MYSQL_ROOT_PASSWORD; do
  eval "value=\${$v:-}"
  if [ -z "$value" ]; then
    echo "ink-mariadb: $v is not set (the template generates it)" >&2
    exit 1
  fi
done
common="--datadir=$datadir --innodb-use-native-aio=0 --pid-file=/tmp/mysqld.pid"
if [ ! -d "$datadir/mysql" ]; then
  mkdir -p "$datadir"
  chmod 700 "$datadir"
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db --innodb-use-native-aio=0 \
    --auth-root-authentication-method=socket >/dev/null
  sock=/tmp/ink-init.sock
  # The clients below talk to the init server over its socket only (MYSQL_HOST and MYSQL_PWD,
  # meant for apps, would send them to TCP with a password).
  local_client() { env -u MYSQL_HOST -u MYSQL_PWD -u MYSQL_TCP_PORT "$@" --protocol=socket --socket="$sock" -umysql; }
  # shellcheck disable=SC2086
  mariadbd $common --skip-networking --socket="$sock" &
  pid=$!
  i=0
  until local_client mariadb-admin ping >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 240 ]; then echo "ink-mariadb: the server did not start" >&2; exit 1; fi
    sleep 0.5
  done
  local_client mariadb <<SQL
CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`;
CREATE USER '$MYSQL_USER'@'%' IDENTIFIED BY '$MYSQL_PASSWORD';
GRANT ALL PRIVILEGES ON \`$MYSQL_DATABASE\`.* TO '$MYSQL_USER'@'%';
ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('$MYSQL_ROOT_PASSWORD');
FLUSH PRIVILEGES;
SQL
  local_client mariadb-admin shutdown
  wait "$pid" || true
  echo "ink-mariadb: initialized $datadir (user $MYSQL_USER, database $MYSQL_DATABASE)"
fi
# shellcheck disable=SC2086
exec mariadbd $common --bind-address=0.0.0.0 --port="${MYSQL_PORT:-3306}" --socket=/tmp/mysqld.sock
