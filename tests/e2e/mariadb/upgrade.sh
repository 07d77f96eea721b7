#!/usr/bin/env bash
# A -> B of a NocoBase cluster on MariaDB: the backup is a mariadb-dump (run on app1's host over SSH,
# database.run_on: node:app1), verified; every node at B; clients saw 200, then 503 + Retry-After, then 200;
# the record written before is there; `backup verify` restores the dump into a scratch database.
source "$(dirname "$0")/../upgrade/lib.sh"
[ "$(versions)" = "2.2.14 2.2.14" ] || reset_to_a
runon_inventory "$INV" "$E2E_DIR/runon.yaml"
NC=("$NCBCTL" -i "$E2E_DIR/runon.yaml" --state-dir "$E2E_DIR/state" --no-color)
probe=$E2E_DIR/upgrade.probe; : > "$probe"
prober_start "$probe"
rc=0; "${NC[@]}" --yes --output json upgrade --to 2.2.15 > "$E2E_DIR/upgrade.ndjson" 2> "$E2E_DIR/upgrade.err" || rc=$?
sleep 1; prober_stop
tail -15 "$E2E_DIR/upgrade.err" >&2
[ $rc = 0 ] || fail "upgrade exit $rc"
expect_versions 2.2.15
shape=$(window_shape "$probe")
[ "$shape" = AMA ] || { bad_answers "$probe" >&2; fail "clients saw '$shape' through the LB, expected AMA"; }
user_exists e2e_before || fail "the record written before the upgrade is gone"
dump=$(jq -r 'select(.type == "step.finished" and .step == "backup/database") | .details.path' "$E2E_DIR/upgrade.ndjson")
case "$dump" in *.sql) ;; *) fail "the backup is not a MariaDB dump: '$dump'" ;; esac
jq -e '.dialect == "mariadb" and (.ran_on | startswith("node app1 (")) and (.verified_by | test("completion line"))' \
  "$dump.json" >/dev/null || fail "the dump's manifest: $(jq -c . "$dump.json")"
grep -q -- '-- Dump completed' "$dump" || fail "the dump has no completion line"
grep -q 'CREATE TABLE `users`' "$dump" || fail "the dump has no users table"
out=$("${NC[@]}" backup verify "$dump") || fail "backup verify of the MariaDB dump failed"
grep -q "mysql restore into scratch database" <<<"$out" || fail "backup verify did not restore into a scratch database: $out"
echo "mariadb upgrade: ok, dump $(basename "$dump") ($(jq -r .bytes "$dump.json") bytes) through app1, 503 window $(window_seconds "$probe") s"
