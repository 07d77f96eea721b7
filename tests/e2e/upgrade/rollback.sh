#!/usr/bin/env bash
# rollback.sh FAULT: the canary never becomes ready (canary-never-ready) or passes readiness but an
# inventory check fails (check-fails): exit 5, every node back on A, the record intact, traffic live,
# and clients saw only 503 + Retry-After in the window (no write could land).
source "$(dirname "$0")/lib.sh"
fault=${1:?fault}
[ "$(versions)" = "2.2.14 2.2.14 2.2.14" ] || reset_to_a
sed 's/^  ready: .*/  ready: 60s/' "$INV" > "$E2E_DIR/short.yaml"
"$HARNESS/cluster.sh" fault "$E2E_DIR" "$fault" on
probe=$E2E_DIR/rollback-$fault.probe; : > "$probe"
prober_start "$probe"
rc=0; "$NCBCTL" -i "$E2E_DIR/short.yaml" --state-dir "$E2E_DIR/state" --no-color --yes upgrade --to 2.2.15 \
  > "$E2E_DIR/rollback.out" 2> "$E2E_DIR/rollback.err" || rc=$?
"$HARNESS/cluster.sh" fault "$E2E_DIR" "$fault" off
expect_versions 2.2.14
sleep 1; prober_stop
tail -25 "$E2E_DIR/rollback.err" >&2
[ $rc = 5 ] || fail "exit $rc, expected 5 (rolled back)"
if [ "$fault" = canary-never-ready ]; then  # the operator sees why: the canary's own log, where it failed
  grep -q "node app1: the last lines of its service log:" "$E2E_DIR/rollback.err" ||
    fail "the canary's readiness failure does not show its service log"
  [ "$(grep -c '^  | ' "$E2E_DIR/rollback.err")" -ge 3 ] || fail "fewer than 3 log lines shown for the canary"
  # The cause (the harness points the canary at port 1 for its database) is among them, above the runs of
  # NocoBase's per-request errors, which are shown once each with their count.
  grep '^  | ' "$E2E_DIR/rollback.err" | grep -q 'ECONNREFUSED 127.0.0.1:1' ||
    fail "the canary's log excerpt does not show its database connection failure"
fi
[ "$(lb_status)" = 200 ] || fail "traffic not live after the rollback: $(lb_status)"
user_exists e2e_before || fail "the record written before the upgrade is gone"
shape=$(window_shape "$probe")
[ "$shape" = AMA ] || { bad_answers "$probe" >&2; fail "clients saw '$shape', expected AMA"; }
echo "rollback ($fault): exit 5, back on 2.2.14, 503 window $(window_seconds "$probe") s"
