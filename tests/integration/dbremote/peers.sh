#!/usr/bin/env bash
# The databases of the dbremote tests: a private PostgreSQL (tests/harness/pg.sh) with a password user
# ncbpw (scram, the only non-trust login, so a wrong password is refused) and a private MariaDB
# (tests/harness/mariadb.sh, user ncb). Both on 127.0.0.1; DIR/pw holds the password.
#   peers.sh up DIR PGPORT MYPORT | down DIR
set -euo pipefail
here=$(cd "$(dirname "$0")/../../harness" && pwd)
cmd=${1:?up|down}; dir=${2:?DIR}
case $cmd in
up)
  "$here/pg.sh" stop "$dir/pg" >/dev/null 2>&1 || true; "$here/mariadb.sh" stop "$dir/my" >/dev/null 2>&1 || true
  mkdir -p "$dir"; chmod 755 "$dir"
  pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'); printf '%s' "$pw" >"$dir/pw"; chmod 644 "$dir/pw"
  "$here/pg.sh" start "$dir/pg" "${3:?PGPORT}" >/dev/null
  sed -i '1i host all ncbpw 127.0.0.1/32 scram-sha-256' "$dir/pg/data/pg_hba.conf"
  psql -X -q -h 127.0.0.1 -p "$3" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE ncbpw LOGIN CREATEDB PASSWORD '$pw'" -c 'select pg_reload_conf()' >/dev/null
  "$here/mariadb.sh" start "$dir/my" "${4:?MYPORT}" "$pw" >/dev/null
  ;;
down)
  "$here/pg.sh" stop "$dir/pg" || true
  "$here/mariadb.sh" stop "$dir/my" || true
  rm -rf "$dir"
  ;;
*) echo "peers.sh: unknown command $cmd" >&2; exit 2 ;;
esac
