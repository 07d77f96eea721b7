#!/usr/bin/env bash
# B's canary never gets ready (a B image whose NocoBase cannot reach its database): exit 5, the old
# containers back (same ids, image A), the database restored (version 2.2.14), a record written before the
# run intact, traffic live, and clients saw only 503 + Retry-After in the window.
source "$(dirname "$0")/lib.sh"
[ "$(versions)" = "2.2.14 2.2.14 2.2.14" ] || reset_to_a
create_user e2e_rollback
ids=$(for i in 1 2 3; do dapi "http://d/v1.41/containers/ncb-app$i/json" | jq -r .Id; done)
short_ready "$INV" "$E2E_DIR/short.yaml"
"$DC" break-b "$E2E_DIR" on
probe=$E2E_DIR/rollback.probe; : > "$probe"
prober_start "$probe"
rc=0; "$NCBCTL" -i "$E2E_DIR/short.yaml" --state-dir "$E2E_DIR/state" --no-color --yes upgrade --to 2.2.15 \
  > "$E2E_DIR/rollback.out" 2> "$E2E_DIR/rollback.err" || rc=$?
"$DC" break-b "$E2E_DIR" off
expect_versions 2.2.14
sleep 1; prober_stop
tail -25 "$E2E_DIR/rollback.err" >&2
[ $rc = 5 ] || fail "exit $rc, expected 5 (rolled back)"
expect_images 2.2.14
[ "$(for i in 1 2 3; do dapi "http://d/v1.41/containers/ncb-app$i/json" | jq -r .Id; done)" = "$ids" ] ||
  fail "the containers are not the old ones"
grep -q "ECONNREFUSED 127.0.0.1:1" "$E2E_DIR/rollback.err" || fail "the canary's log excerpt does not show why it failed"
[ "$("$DC" psql "$E2E_DIR" "select value from \"applicationVersion\"")" = 2.2.14 ] || fail "the database is not at 2.2.14"
user_exists e2e_rollback || fail "the record written before the run is gone"
[ "$(lb_status)" = 200 ] || fail "traffic not live after the rollback: $(lb_status)"
shape=$(window_shape "$probe")
[ "$shape" = AMA ] || { bad_answers "$probe" >&2; fail "clients saw '$shape', expected AMA"; }
echo "rollback (canary never ready): exit 5, old containers back on 2.2.14, 503 window $(window_seconds "$probe") s"
