#!/usr/bin/env bash
# Automatic rollback of a NocoBase cluster on MariaDB: the canary never becomes ready, so the run restores the
# MariaDB dump it took (mysql fed the file over SSH, run_on: node:app1): exit 5, every node back on A, the
# record written before the run is there, and a row written into the database after the backup (during the
# window) is gone, proving the database was replaced by the dump.
source "$(dirname "$0")/../upgrade/lib.sh"
[ "$(versions)" = "2.2.14 2.2.14" ] || reset_to_a
short_ready "$INV" "$E2E_DIR/short.yaml"
runon_inventory "$E2E_DIR/short.yaml" "$E2E_DIR/short-runon.yaml"
create_user e2e_rollback_before
before=$(ls "$E2E_DIR"/state/runs/ 2>/dev/null || true)
"$HARNESS/cluster.sh" fault "$E2E_DIR" canary-never-ready on
"$NCBCTL" -i "$E2E_DIR/short-runon.yaml" --state-dir "$E2E_DIR/state" --no-color --yes upgrade --to 2.2.15 \
  > "$E2E_DIR/rollback.out" 2> "$E2E_DIR/rollback.err" & pid=$!
# Once the backup is recorded, a write lands in the database behind the maintenance page.
JOURNAL=""
for _ in $(seq 1800); do
  if [ -z "$JOURNAL" ]; then
    for f in $(ls "$E2E_DIR"/state/runs/ 2>/dev/null); do grep -qx "$f" <<< "$before" || JOURNAL=$E2E_DIR/state/runs/$f; done
  fi
  journal_has "$JOURNAL" backup/database step.finished && break
  kill -0 $pid 2>/dev/null || break; sleep 0.1
done
journal_has "$JOURNAL" backup/database step.finished || fail "the run ended before its backup: $(tail -3 "$E2E_DIR/rollback.err")"
"$HARNESS/cluster.sh" sql "$E2E_DIR" "insert into users (username, email, nickname, createdAt, updatedAt) values
  ('e2e_after_backup', 'e2e_after_backup@example.com', 'after', now(), now())"
user_exists e2e_after_backup || fail "could not write the row after the backup"
rc=0; wait $pid || rc=$?
"$HARNESS/cluster.sh" fault "$E2E_DIR" canary-never-ready off
tail -15 "$E2E_DIR/rollback.err" >&2
[ $rc = 5 ] || fail "exit $rc, expected 5 (rolled back)"
expect_versions 2.2.14
[ "$(lb_status)" = 200 ] || fail "traffic not live after the rollback: $(lb_status)"
user_exists e2e_before || fail "the record written at setup is gone"
user_exists e2e_rollback_before || fail "the record written before the run is gone"
! user_exists e2e_after_backup || fail "the row written after the backup survived: the dump was not restored"
echo "mariadb rollback: exit 5, back on 2.2.14, the MariaDB dump restored through app1"
