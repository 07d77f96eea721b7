# Sourced by bench/upgrade --db-size SIZE (after the cluster is up and started; $DIR, $NC, $BIN are set):
# the window and a rollback per in-window backup on a database of SIZE. See bench/upgrade's header.
# shellcheck shell=bash
# shellcheck source=common.sh
. bench/common.sh

PGP=$(cat "$DIR/pg/port")
PG=(-h 127.0.0.1 -p "$PGP" -U nocobase)
psql_q() { psql -XAtq "${PG[@]}" -v ON_ERROR_STOP=1 "$@"; }

# run_nc OUT INVENTORY ARGS...: ncbctl with that inventory; OUT gets "wall_s exit own_vmhwm_kb" (sampled every
# 50 ms by PID while it runs).
run_nc() {
  local out=$1 inv=$2; shift 2
  local t0=$EPOCHREALTIME hwm=0 k v _ rc=0
  "$BIN" -i "$inv" --state-dir "$DIR/state" --no-color -q --yes "$@" >/dev/null 2>"$out.err" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    while read -r k v _; do [ "$k" != VmHWM: ] || hwm=$v; done 2>/dev/null <"/proc/$pid/status" || true
    sleep 0.05
  done
  wait "$pid" || rc=$?
  echo "$(echo "$EPOCHREALTIME - $t0" | bc -l) $rc $hwm" >"$out"
}

journal() { ls -t "$DIR"/state/runs/*.jsonl | head -1; }

# One line from an upgrade's journal: window, backup phase, the archive (clone) after the window.
upgrade_line() {  # JOURNAL LABEL RSS_KB WALL
  jq -rs --arg l "$2" --arg rss "$3" --arg wall "$4" '
    (map(select(.type == "step.finished" and .action == "traffic.maintenance")) | .[0].ts) as $open
    | (map(select(.type == "step.finished" and .action == "traffic.live")) | .[0].ts) as $close
    | (map(select(.type == "phase.finished")) | map({(.phase): .duration_ms}) | add) as $p
    | "| \($l) | upgrade | \(($close - $open) / 1000 | . * 10 | round / 10) s | backup \($p.backup / 1000) s"
      + (if $p.archive then ", dump after the window \($p.archive / 1000) s" else "" end)
      + " | \($wall | tonumber | . * 10 | round / 10) s | \($rss | tonumber / 1024 | round) MB |"' "$1"
}

# One line from a rolled-back run: window (maintenance switch to traffic live again), the database restore.
rollback_line() {  # JOURNAL LABEL RSS_KB WALL
  jq -rs --arg l "$2" --arg rss "$3" --arg wall "$4" '
    (map(select(.type == "step.finished" and .action == "traffic.maintenance")) | .[0].ts) as $open
    | (map(select(.type == "undo.finished" and .action == "traffic.live")) | .[0].ts) as $close
    | (map(select(.type == "undo.finished" and (.step | startswith("backup/")))) | max_by(.duration_ms)) as $r
    | (map(select(.type == "phase.finished" and .phase == "canary")) | .[0].duration_ms) as $wait
    | "| \($l) | rollback | \(($close - $open) / 1000 | . * 10 | round / 10) s | database restore \($r.duration_ms / 1000) s"
      + " (\($r.action)); canary wait \($wait / 1000) s | \($wall | tonumber | . * 10 | round / 10) s"
      + " | \($rss | tonumber / 1024 | round) MB |"' "$1"
}

variant() {  # MODE READY -> the inventory path
  local f=$DIR/$1-$2.yaml
  case $1 in
  custom) sed "s/^  ready: .*/  ready: $2/" "$DIR/ncbctl.yaml" ;;
  directory) sed -e "s/^  ready: .*/  ready: $2/" \
    -e 's|^  password_file: \(.*db-password\)$|  password_file: \1\n  dump_format: directory\n  jobs: 2|' "$DIR/ncbctl.yaml" ;;
  clone) sed -e "s/^  ready: .*/  ready: $2/" -e 's/^  method: database$/  method: database\n  in_window: clone/' \
    "$DIR/ncbctl.yaml" ;;
  clone-file) sed -e "s/^  ready: .*/  ready: $2/" \
    -e 's/^  method: database$/  method: database\n  in_window: clone\n  clone_strategy: file_copy/' "$DIR/ncbctl.yaml" ;;
  clone-wal) sed -e "s/^  ready: .*/  ready: $2/" \
    -e 's/^  method: database$/  method: database\n  in_window: clone\n  clone_strategy: wal_log/' "$DIR/ncbctl.yaml" ;;
  esac >"$f"
  echo "$f"
}

fresh_a() {  # every node stopped, back on version A, started; no backups, no copies left
  "${NC[@]}" stop >/dev/null
  tests/harness/cluster.sh reset-a "$DIR"
  rm -rf "$DIR/backups"/*
  local d
  for d in $(psql_q -d postgres -c "select datname from pg_database where datname like 'nocobase\_\_ncbctl\_%'"); do
    psql_q -d postgres -c "DROP DATABASE \"$d\""
  done
  psql_q -d postgres -c CHECKPOINT
  "${NC[@]}" start >/dev/null
}

sized() {  # SIZE
  local size=$1 mb
  case $size in *G) mb=$((${size%G} * 1024)) ;; *M) mb=${size%M} ;; *) mb=$size ;; esac
  "${NC[@]}" stop >/dev/null
  local s0=$EPOCHREALTIME
  seed nocobase "$mb" bench_
  local s1=$EPOCHREALTIME
  psql_q -d postgres -c CHECKPOINT
  local bytes
  bytes=$(psql_q -d nocobase -c "select pg_database_size(current_database())")
  echo "cluster database $((bytes / 1000000)) MB (seeded in $(printf %.0f "$(echo "$s1 - $s0" | bc -l)") s)," \
    "PostgreSQL $(psql_q -d postgres -c 'show server_version'), 3 nodes; $(uptime | sed 's/.*load/load/')"
  local W=$DIR/work
  mkdir -p "$W"
  rm -rf "${W:?}"/*
  # The plain tools on the same database, nodes stopped (as inside a window).
  timed "$W/m" pg_dump -Fc "${PG[@]}" -d nocobase -f "$W/a.dump"
  read -r t_fc _ <"$W/m"
  timed "$W/m" pg_dump -Fc -Z1 "${PG[@]}" -d nocobase -f "$W/a1.dump"
  read -r t_fc1 _ <"$W/m"
  timed "$W/m" sh -c 'f=$0; createdb "$@" nocobase_byhand && pg_restore --no-owner --exit-on-error "$@" \
    -d nocobase_byhand "$f" && dropdb "$@" nocobase_byhand' "$W/a1.dump" "${PG[@]}"
  read -r t_rc _ <"$W/m"
  rm -rf "${W:?}"/*
  "${NC[@]}" start >/dev/null
  echo "| in-window backup | run | 503 window | inside it | ncbctl run, wall | ncbctl peak RSS |"
  echo "|---|---|---|---|---|---|"
  local mode inv
  for mode in ${MODES:-custom directory clone-wal clone-file}; do
    fresh_a
    inv=$(variant "$mode" 240s)
    run_nc "$W/r" "$inv" upgrade --to 2.2.15
    read -r wall rc rss <"$W/r"
    [ "$rc" = 0 ] || { tail -5 "$W/r.err" >&2; echo "bench: $mode upgrade exit $rc" >&2; exit 1; }
    upgrade_line "$(journal)" "$mode" "$rss" "$wall"
    fresh_a
    inv=$(variant "$mode" 20s)
    tests/harness/cluster.sh fault "$DIR" canary-never-ready on
    run_nc "$W/r" "$inv" upgrade --to 2.2.15
    tests/harness/cluster.sh fault "$DIR" canary-never-ready off
    read -r wall rc rss <"$W/r"
    [ "$rc" = 5 ] || { tail -5 "$W/r.err" >&2; echo "bench: $mode rollback exit $rc, expected 5" >&2; exit 1; }
    rollback_line "$(journal)" "$mode" "$rss" "$wall"
  done
  fresh_a
  printf '| by hand, nodes stopped | pg_dump -Fc %.1f s, pg_dump -Fc -Z1 %.1f s, createdb + pg_restore of the -Z1 dump %.1f s | | | | |\n' \
    "$t_fc" "$t_fc1" "$t_rc"
  echo "$(uptime | sed 's/.*load/load/')"
}
