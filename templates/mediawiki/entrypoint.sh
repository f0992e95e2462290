#!/bin/sh
# First start: waits for the database, then creates the wiki's tables and its admin user
# (maintenance/install.php; the LocalSettings.php it writes is discarded: Ink's, put in place
# afterwards, reads the service's variables). A marker on the images volume records that it is done. Then Apache runs
# in the foreground; its port opens only once the wiki can serve.
set -eu
marker=/var/lib/mediawiki/images/.ink-installed
if [ ! -e "$marker" ]; then
  for v in MW_DB_HOST MW_DB_NAME MW_DB_USER MW_DB_PASSWORD MW_ADMIN_PASSWORD MW_SECRET_KEY; do
    eval "value=\${$v:-}"
    if [ -z "$value" ]; then
      echo "ink-mediawiki: $v is not set (the template sets it)" >&2
      exit 1
    fi
  done
  conf=$(mktemp -d)
  i=0
  until php /usr/share/mediawiki/maintenance/install.php --confpath "$conf" --dbtype mysql \
      --dbserver "$MW_DB_HOST" --dbname "$MW_DB_NAME" --dbuser "$MW_DB_USER" \
      --dbpass "$MW_DB_PASSWORD" --pass "$MW_ADMIN_PASSWORD" \
      --server "${INK_PUBLIC_URL:-http://localhost}" --scriptpath "" \
      "${MW_SITENAME:-Wiki}" "${MW_ADMIN_USER:-admin}" >/tmp/ink-install.log 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 60 ]; then
      echo "ink-mediawiki: install.php failed; its output ends with:" >&2
      tail -20 /tmp/ink-install.log >&2
      exit 1
    fi
    # A table the failed try created means the database answered: a real error, not a wait.
    if grep -q "already exists" /tmp/ink-install.log; then
      tail -20 /tmp/ink-install.log >&2
      exit 1
    fi
    sleep 2
  done
  rm -rf "$conf"
  touch "$marker"
  echo "ink-mediawiki: installed (admin user ${MW_ADMIN_USER:-admin})"
fi
cp /etc/mediawiki/ink-settings.php /tmp/ink-LocalSettings.php
exec apache2ctl -D FOREGROUND
