#!/usr/bin/env bash
# SIGKILL ncbctl at three points of an upgrade with backup.in_window: clone, resuming after each:
#  1. between the in-window copy and its journal record. ncbctl runs psql from PATH: a wrapper first in its
#     PATH marks the copy's CREATE DATABASE ... TEMPLATE, waits 3 s, then runs it. ncbctl is SIGKILLed once the
#     mark appears (deterministic, however fast the copy): the wrapper, left running, makes the copy, so the
#     copy exists while the journal has no backup/clone record. `resume` must adopt the copy (the nodes are
#     still stopped, so it matches: reused) and finish the upgrade;
#  2. that resume, during the after-window dump from the copy: a pg_dump wrapper writes the whole dump, then
#     holds before exiting; killed there, only a .partial file is left and archive/dump is not recorded;
#  3. the next resume, after the dump was recorded and before the copy's DROP (a psql wrapper holds it): the
#     copy and a verified dump both exist.
# The last resume re-verifies that dump and drops the copy; the record written before the run survives, the
# dump says it was taken from the copy, and no copy is left.
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
# kill_at_mark PID MARK WHAT: waits (up to 3 min) for MARK, then SIGKILLs ncbctl and the held wrapper.
kill_at_mark() {
  local pid=$1 m=$2 i
  for i in $(seq 1800); do [ -s "$m" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null || fail "ncbctl ended before $3: $(tail -3 "$E2E_DIR/clone-crash.err")"
  [ -s "$m" ] || fail "ncbctl never reached $3"
  kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
  kill -KILL "$(cat "$m")" 2>/dev/null || true
}
# 2. Resumed with a pg_dump that holds once the whole dump of the copy is written.
hold2=$E2E_DIR/clone-crash-dump.bin; mark2=$E2E_DIR/clone-crash-dump.mark; mkdir -p "$hold2"; rm -f "$mark2"
real_pg_dump=$(command -v pg_dump)
cat > "$hold2/pg_dump" <<SH
#!/bin/sh
case "\$*" in *$copy*) ;; *) exec "$real_pg_dump" "\$@" ;; esac
"$real_pg_dump" "\$@"
echo \$\$ > "$mark2"; exec sleep 120
SH
chmod +x "$hold2/pg_dump"
PATH="$hold2:$PATH" "${CC[@]}" --output json resume > "$E2E_DIR/clone-crash.ndjson" 2>> "$E2E_DIR/clone-crash.err" & pid=$!
kill_at_mark $pid "$mark2" "the dump from the copy"
ev=$E2E_DIR/clone-crash.ndjson
cp "$ev" /tmp/ncbctl-e2e-clone-crash.ndjson 2>/dev/null || true
[ "$(jq -r 'select(.type == "step.finished" and .step == "backup/clone") | .details.copy + " " + (.details.reused | tostring)' "$ev")" = "$copy true" ] ||
  fail "resume did not adopt the copy $copy: $(jq -c 'select(.step == "backup/clone")' "$ev")"
journal_has "$JOURNAL" live/traffic step.finished || fail "the first resume did not finish the upgrade before its kill"
! journal_has "$JOURNAL" archive/dump step.finished || fail "killed too late: archive/dump is recorded"
partials=$(find "$E2E_DIR/backups" -name '*.partial' | wc -l)
[ "$partials" -ge 1 ] || fail "no .partial dump after the kill during the dump"
[ "$(dbs)" = "$copy" ] || fail "the copy must outlive a killed dump: found '$(dbs)'"
note "killed the first resume with the dump from $copy written but not closed: $partials .partial, copy kept"
# 3. Resumed with a psql that holds the copy's DROP.
hold3=$E2E_DIR/clone-crash-drop.bin; mark3=$E2E_DIR/clone-crash-drop.mark; mkdir -p "$hold3"; rm -f "$mark3"
cat > "$hold3/psql" <<SH
#!/bin/sh
case "\$*" in *"DROP DATABASE"*$copy*) echo \$\$ > "$mark3"; exec sleep 120 ;; esac
exec "$real_psql" "\$@"
SH
chmod +x "$hold3/psql"
PATH="$hold3:$PATH" "${CC[@]}" --output json resume > "$E2E_DIR/clone-crash-2.ndjson" 2>> "$E2E_DIR/clone-crash.err" & pid=$!
kill_at_mark $pid "$mark3" "the copy's DROP"
journal_has "$JOURNAL" archive/dump step.finished || fail "the second resume did not record the dump before the drop"
! journal_has "$JOURNAL" archive/drop step.finished || fail "killed too late: archive/drop is recorded"
[ "$(dbs)" = "$copy" ] || fail "the copy must be there while its drop was held: found '$(dbs)'"
path=$(jq -r 'select(.type == "step.finished" and .step == "archive/dump" and .result == "ok") | .details.path' "$E2E_DIR/clone-crash-2.ndjson")
[ -f "$path" ] || fail "archive/dump recorded no dump file ($path)"
[ ! -e "$path.partial" ] || fail "the recorded dump $path is still a .partial"
note "killed the second resume before the DROP of $copy: the copy and the verified dump $(basename "$path") both exist"
# The last resume: re-verifies the dump, drops the copy.
rc=0; "${CC[@]}" --output json resume > "$E2E_DIR/clone-crash-3.ndjson" 2>> "$E2E_DIR/clone-crash.err" || rc=$?
tail -12 "$E2E_DIR/clone-crash.err" >&2
[ $rc = 0 ] || fail "resume exit $rc, expected 0"
[ "$(jq -r 'select(.type == "step.finished" and .step == "archive/drop") | .details.dropped' "$E2E_DIR/clone-crash-3.ndjson")" = true ] ||
  fail "the last resume did not drop the copy: $(jq -c 'select(.step == "archive/drop")' "$E2E_DIR/clone-crash-3.ndjson")"
expect_versions 2.2.15
[ "$(lb_status)" = 200 ] || fail "traffic not live after resume"
user_exists "$record" || fail "the record written before the run is gone"
jq -e --arg c "$copy" '.dumped_from == $c' "$path.json" >/dev/null || fail "the dump was not taken from $copy"
[ -z "$(dbs)" ] || fail "databases left after resume: $(dbs)"
find "$E2E_DIR/backups" -name '*.partial' -delete
reset_to_a
echo "clone crash/resume: killed at the copy, the dump and the drop; the copy was adopted, dumped and dropped; exit 0 on 2.2.15"
