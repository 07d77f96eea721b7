#!/usr/bin/env bash
# clone.sh upgrade|rollback: backup.in_window: clone on the real cluster.
#   upgrade:  exit 0 on 2.2.15; the copy existed during the run (seen on the server), the dump taken from it
#             after traffic came back is verified (manifest dumped_from), the copy is gone after the run.
#   rollback: the canary never becomes ready: exit 5, back on 2.2.14, the record written before the run is
#             there (the copy was swapped back in place), the failed database kept aside and named.
source "$(dirname "$0")/lib.sh"
mode=${1:?upgrade|rollback}
[ "$(versions)" = "2.2.14 2.2.14 2.2.14" ] || reset_to_a
# The rollback's canary never gets ready: a short readiness timeout; the upgrade keeps the inventory's.
ready=(); [ "$mode" = rollback ] && ready=(-e "s/^  ready: .*/  ready: $CANARY_READY/")
sed "${ready[@]}" -e 's/^  method: database$/  method: database\n  in_window: clone/' "$INV" > "$E2E_DIR/clone.yaml"
grep -q 'in_window: clone' "$E2E_DIR/clone.yaml" || fail "no in_window: clone in the inventory"
"$NCBCTL" -i "$E2E_DIR/clone.yaml" validate >/dev/null || fail "validate refuses the clone inventory"
# On the maintenance database: a session on nocobase itself would be one more for the clone to wait for.
dbs() { psql -X -q -At -h 127.0.0.1 -p "$(cat "$E2E_DIR/pg/port")" -U nocobase -d postgres -c "select coalesce(string_agg(datname, ' ' order by datname), '') from pg_database where datname like 'nocobase\_\_ncbctl\_%'"; }
[ -z "$(dbs)" ] || fail "copies left before the run: $(dbs)"
record=e2e_clone_${mode}_$$
create_user "$record"
# The server's databases while the run goes: the copy must show up.
seen=$E2E_DIR/clone-$mode.seen; : > "$seen"
( while :; do dbs >> "$seen" 2>/dev/null || true; sleep 0.5; done ) & watcher=$!
[ "$mode" = rollback ] && "$HARNESS/cluster.sh" fault "$E2E_DIR" canary-never-ready on
rc=0; "$NCBCTL" -i "$E2E_DIR/clone.yaml" --state-dir "$E2E_DIR/state" --no-color --yes --output json \
  upgrade --to 2.2.15 > "$E2E_DIR/clone-$mode.ndjson" 2> "$E2E_DIR/clone-$mode.err" || rc=$?
[ "$mode" = rollback ] && "$HARNESS/cluster.sh" fault "$E2E_DIR" canary-never-ready off
kill "$watcher"; wait "$watcher" 2>/dev/null || true
tail -15 "$E2E_DIR/clone-$mode.err" >&2
ev=$E2E_DIR/clone-$mode.ndjson
cp "$ev" "/tmp/ncbctl-e2e-clone-$mode.ndjson" 2>/dev/null || true  # kept after the fixture's teardown
run=$(jq -r 'select(.type == "run.started") | .run' "$ev" | head -1)
copy=$(jq -r 'select(.type == "step.finished" and .step == "backup/clone") | .details.copy' "$ev")
failed=$(jq -r 'select(.type == "step.finished" and .step == "backup/clone") | .details.failed' "$ev")
[ -n "$copy" ] && [ "$copy" != null ] || fail "no backup/clone step finished (run $run)"
grep -qw "$copy" "$seen" || fail "the copy $copy was never seen on the server during the run"
note "in-window copy $copy: $(jq -r 'select(.type == "step.finished" and .step == "backup/clone") | .details.seconds + " s, " + .details.verified' "$ev")"
user_exists "$record" || fail "the record written before the run is gone"
if [ "$mode" = upgrade ]; then
  [ $rc = 0 ] || fail "exit $rc, expected 0"
  expect_versions 2.2.15
  path=$(jq -r 'select(.type == "step.finished" and .step == "archive/dump" and .result == "ok") | .details.path' "$ev")
  [ -f "$path" ] || fail "archive/dump recorded no dump file ($path)"
  jq -e --arg c "$copy" '.dumped_from == $c and .database == "nocobase"' "$path.json" >/dev/null ||
    fail "the dump's manifest does not say it was taken from $copy: $(jq -c . "$path.json")"
  "${NC[@]}" backup verify "$path" >/dev/null || fail "backup verify $path (restore into a scratch database) failed"
  [ -z "$(dbs)" ] || fail "databases left after the run: $(dbs)"
  note "after-window dump $(jq -r 'select(.type == "step.finished" and .step == "archive/dump") | .details.seconds' "$ev") s"
  # Back to A for the tests after this one.
  reset_to_a
else
  [ $rc = 5 ] || fail "exit $rc, expected 5 (rolled back)"
  expect_versions 2.2.14
  [ "$(lb_status)" = 200 ] || fail "traffic not live after the rollback: $(lb_status)"
  # (jq -e reflects only the last input line: count the matches instead.)
  [ "$(jq -c 'select(.type == "undo.finished" and .step == "backup/clone" and .result == "ok")' "$ev" | wc -l)" = 1 ] ||
    fail "the copy was not swapped back (no ok undo of backup/clone)"
  grep -q "the failed database is kept as $failed" "$ev" || fail "the failed database's name is not reported"
  [ "$(dbs)" = "$failed" ] || fail "expected only $failed aside, found: $(dbs)"
  "$HARNESS/cluster.sh" psql "$E2E_DIR" "DROP DATABASE \"$failed\"" >/dev/null
fi
echo "clone ($mode): exit $rc, run $run"
