#!/bin/sh
# Installs WordPress (install.php: tables and the admin account with the generated password)
# once the database answers, then runs Apache in the foreground; the port opens only then.
set -eu
if [ -z "${WORDPRESS_ADMIN_PASSWORD:-}" ]; then
  echo "ink-wordpress: WORDPRESS_ADMIN_PASSWORD is not set (the template generates it)" >&2
  exit 1
fi
i=0
until php /usr/local/share/ink/install.php >/tmp/ink-install.log 2>&1 && grep -q INK-OK /tmp/ink-install.log; do
  i=$((i + 1))
  if [ "$i" -gt 90 ]; then
    echo "ink-wordpress: could not install; the last try said:" >&2
    tail -c 2000 /tmp/ink-install.log >&2
    exit 1
  fi
  sleep 2
done
grep -v INK-OK /tmp/ink-install.log || true
exec apache2ctl -D FOREGROUND
