#!/usr/bin/env bash
# A -> B on the real cluster: every node at B; through the LB only 200 before, only 503 + Retry-After
# during, only 200 after; the record written before is still there; a second upgrade meanwhile exits 4
# naming the holder; upgrading again to the same version changes nothing; the cluster preflight finds no
# error and only the no-adapters warning. The backup is taken with database.run_on: node:app1 (pg_dump on app1's host over SSH).
source "$(dirname "$0")/lib.sh"
runon_inventory "$INV" "$E2E_DIR/runon.yaml"
NC=("$NCBCTL" -i "$E2E_DIR/runon.yaml" --state-dir "$E2E_DIR/state" --no-color)
probe=$E2E_DIR/upgrade.probe; : > "$probe"
prober_start "$probe"
"${NC[@]}" --yes upgrade --to 2.2.15 > "$E2E_DIR/upgrade.out" 2> "$E2E_DIR/upgrade.err" & UPID=$!
for _ in $(seq 300); do "${NC[@]}" lock status 2>/dev/null | grep -q free || break; sleep 0.1; done
rc2=0; "${NC[@]}" --yes upgrade --to 2.2.15 2> "$E2E_DIR/second.err" || rc2=$?
rc=0; wait $UPID || rc=$?
sleep 1; prober_stop
tail -15 "$E2E_DIR/upgrade.err" >&2
[ $rc = 0 ] || fail "upgrade exit $rc"
[ $rc2 = 4 ] || fail "second upgrade during the first: exit $rc2, expected 4 ($(cat "$E2E_DIR/second.err"))"
grep -q "upgrade --to 2.2.15" "$E2E_DIR/second.err" || fail "exit 4 does not name the holder: $(cat "$E2E_DIR/second.err")"
expect_versions 2.2.15
# The e2e cluster passes the cluster preflight clean: no error, and the one warning of a cluster without
# cluster-mode adapters (docs/preflight.md).
findings=$(grep -E 'preflight/cluster: (error|warning) \[' "$E2E_DIR/upgrade.err" || true)
[ "$(printf '%s\n' "$findings" | grep -c .)" = 1 ] && printf '%s\n' "$findings" | grep -q 'warning \[cluster_mode\]' ||
  fail "the cluster preflight is not clean (expected only the no-adapters warning): $findings"
shape=$(window_shape "$probe")
[ "$shape" = AMA ] || { bad_answers "$probe" >&2; fail "clients saw '$shape' through the LB, expected AMA (200s, 503s with Retry-After, 200s)"; }
user_exists e2e_before || fail "the record written before the upgrade is gone"
expect_dump_ran_on_app1
# Nothing to do is not a maintenance: every node runs 2.2.15 now, so a second upgrade ends after preflight.
rc3=0; again=$("${NC[@]}" --yes --output json upgrade --to 2.2.15 2> "$E2E_DIR/again.err") || rc3=$?
[ $rc3 = 0 ] || { tail -5 "$E2E_DIR/again.err" >&2; fail "upgrade to the version every node runs: exit $rc3, expected 0"; }
[ "$(echo "$again" | jq -r 'select(.type=="run.finished") | .details.changed')" = false ] ||
  fail "upgrade to the version every node runs does not say changed=false"
beyond=$(echo "$again" | jq -r 'select(.type=="step.started") | .step' | grep -v '^preflight/' || true)
[ -z "$beyond" ] || fail "upgrade to the version every node runs ran steps: $beyond"
echo "$again" | jq -r 'select(.type=="run.finished") | .message' | grep -q "runs 2.2.15 already" ||
  fail "run.finished does not say why nothing changed"
echo "upgrade: ok (backup through run_on node:app1); 503 window seen by clients: $(window_seconds "$probe") s; lock held exit 4"
