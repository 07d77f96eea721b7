# Shared by the upgrade e2e scripts. CTest passes NCBCTL, LB_PROBER and E2E_DIR.
set -euo pipefail
: "${NCBCTL:?}" "${LB_PROBER:?}" "${E2E_DIR:?}"
HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../harness" && pwd)
export PGPORT=${PGPORT:-55410} SSHPORT=${SSHPORT:-2300} LBPORT=${LBPORT:-13280}
export NODE_PORTS=${NODE_PORTS:-"13201 13202 13203"}
INV=$E2E_DIR/ncbctl.yaml
NC=("$NCBCTL" -i "$INV" --state-dir "$E2E_DIR/state" --no-color)
LB=http://127.0.0.1:$LBPORT

fail() { echo "FAIL: $*" >&2; exit 1; }
# The `ready` timeout of the rollback tests whose canary never gets ready: each waits it out once, so it is
# most of their time. The nodes put back on A then boot well inside it (three at once on 2 cores: under 20 s;
# bench/upgrade runs its rollbacks with 20s). CANARY_READY overrides it.
CANARY_READY=${CANARY_READY:-35s}
short_ready() { sed "s/^  ready: .*/  ready: $CANARY_READY/" "$1" > "$2"; grep -q "^  ready: $CANARY_READY\$" "$2"; }
# SRC DEST: the inventory with `database.run_on: node:app1` (the dump and restores run on app1's host over
# SSH and stream back), the variant upgrade.sh and rollback.sh canary-never-ready use.
runon_inventory() { sed '/^  password_file: .*db-password$/a\  run_on: node:app1' "$1" > "$2"; grep -q 'run_on: node:app1' "$2"; }
# The newest database dump's manifest says it ran on app1 over SSH.
expect_dump_ran_on_app1() {
  local m; m=$(ls -t "$E2E_DIR"/backups/*.pgdump.json | head -1)
  jq -e '.ran_on | startswith("node app1 (")' "$m" >/dev/null || fail "the dump did not run on app1: $(jq -c .ran_on "$m")"
}
note() { echo "-- $*" >&2; }

node_version() { curl -s -m 5 "http://127.0.0.1:$1/api/app:getInfo" | jq -r '.data.version // "none"' 2>/dev/null || echo down; }
versions() { local p out=""; for p in $NODE_PORTS; do out+="$(node_version "$p") "; done; echo "${out% }"; }
expect_versions() {  # VERSION: every node answers getInfo at VERSION (waits up to 120 s for boots)
  local want=$1 i got
  for i in $(seq 240); do got=$(versions); [ "$got" = "$(printf "$want %.0s" $NODE_PORTS | sed 's/ $//')" ] && return 0; sleep 0.5; done
  fail "nodes report '$got', expected $want on every node"
}
lb_status() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$LB/api/app:getInfo"; }

token() {
  curl -sf -m 10 -X POST "$LB/api/auth:signIn" -H 'X-Authenticator: basic' -H 'Content-Type: application/json' \
    -d '{"account":"admin@nocobase.com","password":"admin123"}' | jq -r .data.token
}
create_user() {  # NAME: a record written through the LB (the API, as a client would)
  local t; t=$(token)
  curl -sf -m 10 -X POST "$LB/api/users:create" -H "Authorization: Bearer $t" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"email\":\"$1@example.com\",\"nickname\":\"$1\"}" >/dev/null || fail "could not create user $1"
}
user_exists() {  # NAME: looked up on the database itself (what every node serves)
  [ "$("$HARNESS/cluster.sh" sql "$E2E_DIR" "select count(*) from users where username = '$1'")" = 1 ]
}

PROBER_PID=""
prober_start() { "$LB_PROBER" "$LB/api/app:getInfo" 100 "$1" & PROBER_PID=$!; sleep 0.5; }
prober_stop() { [ -z "$PROBER_PID" ] || { kill "$PROBER_PID"; wait "$PROBER_PID" 2>/dev/null || true; PROBER_PID=""; }; }
trap prober_stop EXIT

# What clients saw: 200 (A), 503 with Retry-After (M), anything else (X: 502, refused, 503 without
# Retry-After...). Prints the compressed sequence, e.g. "AMA".
window_shape() {
  awk '{ c = ($2 == 200) ? "A" : (($2 == 503 && $3 != "-") ? "M" : "X"); if (c != last) { printf "%s", c; last = c } } END { print "" }' "$1"
}
bad_answers() { awk '!($2 == 200 || ($2 == 503 && $3 != "-"))' "$1" | head -5; }
window_seconds() { awk '$2 == 503 { if (!s) s = $1; e = $1 } END { printf "%.1f", (e - s) / 1000 }' "$1"; }
# Every status the prober saw is 200, or the pinned node's own 503 while it reloads (APP_COMMANDING).
only_200_or_pinned_503() {
  local bad; bad=$(awk '!($2 == 200 || $2 == 503)' "$1" | head -5)
  [ -z "$bad" ] || fail "clients saw answers other than 200 and the pinned node's 503: $bad"
}

journal_has() {  # JOURNAL STEP TYPE: the journal has an event TYPE for STEP
  [ -f "$1" ] && grep -q "\"step\":\"$2\".*\"type\":\"$3\"" "$1"
}

reset_to_a() {  # back to version A, running and live
  note "reset: stop, database and releases back to A, start"
  "${NC[@]}" --yes -q stop || fail "ncbctl stop failed during reset"
  "$HARNESS/cluster.sh" reset-a "$E2E_DIR"
  "${NC[@]}" --yes -q start || fail "ncbctl start failed during reset"
  expect_versions 2.2.14
}

# kill_after STEP COMMAND...: run COMMAND, SIGKILL it once STEP finished in this run's journal (the one file of
# state/runs/ not in $before; found once, kept in $JOURNAL). KILL_WAIT: tenths of a second to wait (1800).
kill_after() {
  local step=$1; shift
  "$@" > /dev/null 2>> "$E2E_DIR/crash.err" & local pid=$!
  for _ in $(seq "${KILL_WAIT:-1800}"); do
    if [ -z "${JOURNAL:-}" ]; then
      local f; for f in $(ls "$E2E_DIR"/state/runs/ 2>/dev/null); do
        grep -qx "$f" <<< "$before" || JOURNAL=$E2E_DIR/state/runs/$f; done
    fi
    journal_has "${JOURNAL:-}" "$step" step.finished && break
    kill -0 $pid 2>/dev/null || break; sleep 0.1
  done
  kill -0 $pid 2>/dev/null || fail "ncbctl ended before $step finished: $(tail -3 "$E2E_DIR/crash.err")"
  kill -KILL $pid; wait $pid 2>/dev/null || true
  note "killed ncbctl after $step"
}
