#!/usr/bin/env bash
# A -> B by image tag on the Docker cluster: every container recreated on ncb/nocobase:2.2.15, NocoBase's
# upgrade ran once (the marker consumed, the database at 2.2.15), through nginx only 200 before, only 503
# + Retry-After during, only 200 after; the record written before is still there; the backup ran in the
# ncb-tools container (database.run_on: container:ncb-tools).
source "$(dirname "$0")/lib.sh"
[ "$(versions)" = "2.2.14 2.2.14 2.2.14" ] || reset_to_a
probe=$E2E_DIR/upgrade.probe; : > "$probe"
prober_start "$probe"
rc=0; "${NC[@]}" --yes upgrade --to 2.2.15 > "$E2E_DIR/upgrade.out" 2> "$E2E_DIR/upgrade.err" || rc=$?
sleep 1; prober_stop
tail -15 "$E2E_DIR/upgrade.err" >&2
[ $rc = 0 ] || fail "upgrade exit $rc"
expect_versions 2.2.15
expect_images 2.2.15
shape=$(window_shape "$probe")
[ "$shape" = AMA ] || { bad_answers "$probe" >&2; fail "clients saw '$shape' through nginx, expected AMA"; }
user_exists e2e_before || fail "the record written before the upgrade is gone"
[ "$("$DC" psql "$E2E_DIR" "select value from \"applicationVersion\"")" = 2.2.15 ] || fail "the database is not at 2.2.15"
[ ! -e "$(cat "$E2E_DIR/nb.dir")/storage/.upgrading" ] || fail "the upgrade marker is still there"
ups=0; for i in 1 2 3; do
  n=$(dapi "http://d/v1.41/containers/ncb-app$i/logs?stdout=1&stderr=1" | grep -ac 'upgrading\|app.upgrade\|start upgrade' || true)
  [ "$n" = 0 ] || ups=$((ups + 1))
done
[ "$ups" = 1 ] || fail "NocoBase's upgrade ran in $ups containers, expected 1 (the canary)"
m=$(ls -t "$E2E_DIR"/backups/*.pgdump.json | head -1)
jq -e '.ran_on | startswith("container ncb-tools")' "$m" >/dev/null || fail "the dump did not run in ncb-tools: $(jq -c .ran_on "$m")"
echo "upgrade: ok by image tag; 503 window seen by clients: $(window_seconds "$probe") s"
grep -E '503 window' "$E2E_DIR/upgrade.out" >&2 || true
