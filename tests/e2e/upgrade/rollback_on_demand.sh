#!/usr/bin/env bash
# `ncbctl rollback` after a finished upgrade: refused once traffic went live (exit 2), then with --force the
# cluster is back on A: the upgrade's backup restored (a record written after the upgrade is gone, the one
# from before is there), every node on 2.2.14, traffic live.
source "$(dirname "$0")/lib.sh"
[ "$(versions)" = "2.2.15 2.2.15 2.2.15" ] || fail "expected the cluster on 2.2.15 after the previous test, got $(versions)"
create_user e2e_after_upgrade
rc=0; "${NC[@]}" --yes rollback 2> "$E2E_DIR/rollback-refused.err" || rc=$?
[ $rc = 2 ] || fail "rollback after traffic went live: exit $rc, expected 2"
grep -q -- --force "$E2E_DIR/rollback-refused.err" || fail "the refusal does not say how to force it"
rc=0; "${NC[@]}" --yes rollback --force 2> "$E2E_DIR/rollback-forced.err" || rc=$?
tail -12 "$E2E_DIR/rollback-forced.err" >&2
[ $rc = 0 ] || fail "rollback --force exit $rc"
expect_versions 2.2.14
[ "$(lb_status)" = 200 ] || fail "traffic not live after the rollback"
user_exists e2e_before || fail "the record from before the upgrade is gone"
user_exists e2e_after_upgrade && fail "the record written after the upgrade survived the restore"
echo "rollback on demand: refused without --force, then back on 2.2.14 with the upgrade's backup"
