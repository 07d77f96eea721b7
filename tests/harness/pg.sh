#!/usr/bin/env bash
# A private PostgreSQL cluster for tests, on 127.0.0.1, never the system one.
#   pg.sh start DIR PORT   initdb (once) + start; prints the postmaster PID; writes DIR/env
#   pg.sh stop DIR         fast shutdown of that cluster (by its PID file), then removes DIR
#   PG_FSYNC=on            durable writes (benchmarks of CREATE DATABASE / checkpoints); tests keep it off
set -euo pipefail
cmd=${1:?usage: pg.sh start DIR PORT | stop DIR}; dir=${2:?DIR}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || { echo "pg.sh: PostgreSQL server not installed (scripts/deps)" >&2; exit 1; }
case "$cmd" in
start)
  port=${3:?PORT}
  mkdir -p "$dir"; chmod 755 "$dir"; install -d -o postgres -m 700 "$dir/data" "$dir/sock"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    runuser -u postgres -- "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log"
  fi
  install -o postgres /dev/null "$dir/pg.log"
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w \
    -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off}" start >/dev/null
  printf 'PGHOST=127.0.0.1\nPGPORT=%s\nPGUSER=postgres\n' "$port" > "$dir/env"
  head -1 "$dir/data/postmaster.pid"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
      kill -KILL "$(head -1 "$dir/data/postmaster.pid")" 2>/dev/null || true
  fi
  rm -rf "$dir"
  ;;
*) echo "pg.sh: unknown command $cmd" >&2; exit 2 ;;
esac
