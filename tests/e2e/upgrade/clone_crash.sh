#!/usr/bin/env bash
# SIGKILL ncbctl between the in-window copy and its journal record (backup.in_window: clone), then resume.
# ncbctl runs psql from PATH: a wrapper first in its PATH marks the copy's CREATE DATABASE ... TEMPLATE, waits
# 3 s, then runs it. ncbctl is SIGKILLed once the mark appears (deterministic, however fast the copy): the
# wrapper, left running, makes the copy, so the copy exists while the journal has no backup/clone record.
# `resume` must adopt the copy (the
# nodes are still stopped, so it matches: reused), finish the upgrade, dump from the copy after the window and
# drop it; the record written before the run survives and no copy is left.
source "$(dirname "$0")/lib.sh"
[ "$(versions)" = "2.2.14 2.2.14 2.2.14" ] || reset_to_a
sed 's/^  method: database$/  method: database\n  in_window: clone/' "$INV" > "$E2E_DIR/clone-crash.yaml"
grep -q 'in_window: clone' "$E2E_DIR/clone-crash.yaml" || fail "no in_window: clone in the inventory"
CC=("$NCBCTL" -i "$E2E_DIR/clone-crash.yaml" --state-dir "$E2E_DIR/state" --no-color --yes)
sql() { psql -X -q -At -h 127.0.0.1 -p "$(cat "$E2E_DIR/pg/port")" -U nocobase -d postgres -c "$1"; }
dbs() { sql "select coalesce(string_agg(datname, ' ' order by datname), '') from pg_database where datname like 'nocobase\_\_ncbctl\_%'"; }
creating() { sql "select count(*) from pg_stat_activity where state = 'active' and query ilike 'CREATE DATABASE%TEMPLATE%'"; }
[ -z "$(dbs)" ] || fail "copies left before the run: $(dbs)"
record=e2e_clone_crash_$$
create_user "$record"
wrap=$E2E_DIR/clone-crash-bin; mark=$E2E_DIR/clone-crash.mark; mkdir -p "$wrap"; rm -f "$mark"
real_psql=$(command -v psql)
cat > "$wrap/psql" <<SH
#!/bin/sh
case "\$*" in *"CREATE DATABASE"*TEMPLATE*) touch "$mark"; sleep 3 ;; esac
exec "$real_psql" "\$@"
SH
chmod +x "$wrap/psql"
before=$(ls "$E2E_DIR"/state/runs/ 2>/dev/null || true)
PATH="$wrap:$PATH" "${CC[@]}" upgrade --to 2.2.15 > /dev/null 2>> "$E2E_DIR/clone-crash.err" & pid=$!
seen=0
for _ in $(seq 1800); do  # up to 3 min: preflight, maintenance, stop come first
  [ ! -e "$mark" ] || { seen=1; break; }
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
kill -0 $pid 2>/dev/null || fail "ncbctl ended before the copy began: $(tail -3 "$E2E_DIR/clone-crash.err")"
kill -KILL $pid; wait $pid 2>/dev/null || true
[ $seen = 1 ] || fail "ncbctl never started the copy's CREATE DATABASE"
JOURNAL=""; for f in $(ls "$E2E_DIR"/state/runs/); do grep -qx "$f" <<< "$before" || JOURNAL=$E2E_DIR/state/runs/$f; done
[ -n "$JOURNAL" ] || fail "no journal of the killed run"
# The orphaned psql finishes the CREATE; then the copy exists and the journal does not record it.
for _ in $(seq 600); do [ -n "$(dbs)" ] && [ "$(creating)" = 0 ] && break; sleep 0.1; done
copy=$(dbs)
[ -n "$copy" ] || fail "no copy on the server after the CREATE finished"
! journal_has "$JOURNAL" backup/clone step.finished || fail "killed too late: the journal already records backup/clone"
note "killed ncbctl as it started CREATE DATABASE $copy TEMPLATE nocobase; the copy exists, unrecorded"
rc=0; "${CC[@]}" --output json resume > "$E2E_DIR/clone-crash.ndjson" 2>> "$E2E_DIR/clone-crash.err" || rc=$?
tail -12 "$E2E_DIR/clone-crash.err" >&2
ev=$E2E_DIR/clone-crash.ndjson
cp "$ev" /tmp/ncbctl-e2e-clone-crash.ndjson 2>/dev/null || true
[ $rc = 0 ] || fail "resume exit $rc, expected 0"
[ "$(jq -r 'select(.type == "step.finished" and .step == "backup/clone") | .details.copy + " " + (.details.reused | tostring)' "$ev")" = "$copy true" ] ||
  fail "resume did not adopt the copy $copy: $(jq -c 'select(.step == "backup/clone")' "$ev")"
expect_versions 2.2.15
[ "$(lb_status)" = 200 ] || fail "traffic not live after resume"
user_exists "$record" || fail "the record written before the run is gone"
path=$(jq -r 'select(.type == "step.finished" and .step == "archive/dump" and .result == "ok") | .details.path' "$ev")
[ -f "$path" ] || fail "archive/dump recorded no dump file ($path)"
jq -e --arg c "$copy" '.dumped_from == $c' "$path.json" >/dev/null || fail "the dump was not taken from $copy"
[ -z "$(dbs)" ] || fail "databases left after resume: $(dbs)"
reset_to_a
echo "clone crash/resume: the unrecorded copy $copy was adopted, dumped and dropped; exit 0 on 2.2.15"
