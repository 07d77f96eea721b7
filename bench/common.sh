# Sourced by bench/backup-run and bench/backup-remote: a seeded PostgreSQL database (the caller defines
# psql_q), and wall time, CPU time and peak RSS of one command.
# shellcheck shell=bash

# timed OUT [--own] CMD...: OUT gets "wall_s tree_peak_rss_kb own_peak_rss_kb cpu_s": wall time around the
# wait, the peak RSS and CPU time (user + system) of CMD and its children (GNU time), and with --own the VmHWM
# of CMD's own process, sampled every 50 ms in the background (the last sample before it exits; else 0).
timed() {
  local out=$1 own=""; shift
  [ "$1" != --own ] || { own=1; shift; }
  local t0=$EPOCHREALTIME
  /usr/bin/time -f '%M %U %S' -o "$out.t" "$@" >/dev/null &
  local tpid=$! spid=""
  if [ -n "$own" ]; then sample_hwm "$tpid" >"$out.h" & spid=$!; fi
  wait "$tpid" || { echo "bench: failed: $*" >&2; exit 1; }
  local t1=$EPOCHREALTIME
  [ -z "$spid" ] || wait "$spid"
  local rss usr sys
  read -r rss usr sys < <(tail -1 "$out.t")
  echo "$(echo "$t1 - $t0" | bc -l) $rss $([ -n "$own" ] && cat "$out.h" || echo 0) $(echo "$usr + $sys" | bc -l)" >"$out"
}
sample_hwm() {  # TIME_PID: the last VmHWM (kB) seen of that process's child
  local child="" hwm=0 k v _
  while kill -0 "$1" 2>/dev/null; do
    [ -n "$child" ] || child=$(pgrep -P "$1" || true)
    if [ -n "$child" ]; then
      while read -r k v _; do [ "$k" != VmHWM: ] || hwm=$v; done 2>/dev/null <"/proc/$child/status" || true
    fi
    sleep 0.05
  done
  echo "$hwm"
}
now() { echo "$EPOCHREALTIME"; }
best() { echo "if ($1 < $2) $1 else $2" | bc -l; }  # smaller time
most() { echo "if ($1 > $2) $1 else $2" | bc -l; }  # larger RSS
mbs() { echo "$1 / 1000000 / $2" | bc -l; }

declare -A T R O C  # best wall, largest tree RSS, largest own RSS, least CPU time per measurement
keep() {  # KEY FILE
  read -r t r o c <"$2"
  T[$1]=$(best "$t" "${T[$1]:-1000000000}")
  C[$1]=$(best "$c" "${C[$1]:-1000000000}")
  R[$1]=$(most "$r" "${R[$1]:-0}")
  O[$1]=$(most "$o" "${O[$1]:-0}")
}


# ~55 % text rows with jsonb and two secondary indexes, ~40 % incompressible 8 KiB attachments (bytea, TOAST),
# 100 small tables (NocoBase has many): a dump that pg_dump must really compress.
seed() {  # DB SIZE_MB [PREFIX]: a new database DB; with PREFIX, tables PREFIXusers... added to the existing DB
  local db=$1 mb=$(($2 > 16 ? $2 - 12 : 4)) p=${3:-}  # an empty database with pgcrypto and the small tables: ~12 MB
  [ -n "$p" ] || psql_q -d postgres -c "CREATE DATABASE $db"
  psql_q -d "$db" <<SQL
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE ${p}users(id bigserial PRIMARY KEY, email text NOT NULL, name text, bio text, meta jsonb,
                   created_at timestamptz NOT NULL);
INSERT INTO ${p}users(email, name, bio, meta, created_at)
  SELECT 'user' || g || '@example.com', 'Name ' || md5(g::text), repeat(md5(random()::text) || ' ', 4),
         jsonb_build_object('n', g, 'tags', jsonb_build_array('a', 'b', g % 100), 'score', random()),
         now() - g * interval '1 minute'
  FROM generate_series(1, $((mb * 1375))) g;
CREATE INDEX ON ${p}users(email);
CREATE INDEX ON ${p}users(created_at);
CREATE TABLE ${p}attachments(id bigserial PRIMARY KEY, user_id bigint NOT NULL, filename text, data bytea);
INSERT INTO ${p}attachments(user_id, filename, data)
  SELECT g, 'file' || g || '.bin',
         (SELECT string_agg(gen_random_bytes(1024), ''::bytea) FROM generate_series(1, 8) k WHERE k <= g + 8)
  FROM generate_series(1, $((mb * 48))) g;
CREATE INDEX ON ${p}attachments(user_id);
DO \$\$ BEGIN
  FOR i IN 1..100 LOOP
    EXECUTE format('CREATE TABLE ${p}small_%s(id serial PRIMARY KEY, v text)', i);
    EXECUTE format('INSERT INTO ${p}small_%s(v) SELECT md5(g::text) FROM generate_series(1, 50) g', i);
  END LOOP;
END \$\$;
VACUUM ANALYZE;
SQL
}
