#!/usr/bin/env bash
# backup run --method api, then a record, then `ncbctl backup restore`: the record is gone on every node.
source "$(dirname "$0")/lib.sh"
"${NC[@]}" -q backup run --method api || fail "api backup failed"
file=$(ls -t "$E2E_DIR"/backups/*.nbdata | head -1)
name=$(jq -r .app_backup "$file.json")
[ -n "$name" ] && [ "$name" != null ] || fail "no app backup name in $file.json"
"${NC[@]}" -q backup verify "$file" || fail "verify of $file failed"
# The app's copy downloaded again by name: a second verified file with the same content.
sleep 1
"${NC[@]}" -q backup download "$name" || fail "backup download $name failed"
again=$(ls -t "$E2E_DIR"/backups/*.nbdata | head -1)
[ "$again" != "$file" ] || fail "backup download wrote no new file"
[ "$(jq -r .sha256 "$again.json")" = "$(jq -r .sha256 "$file.json")" ] || fail "downloaded copy differs from $file"
create_user e2e_after_backup
for p in $NODE_PORTS; do [ "$(user_on_node "$p" e2e_after_backup)" = 1 ] || fail "node $p does not see the new user"; done
"${NC[@]}" --yes backup restore "$name" 2> "$E2E_DIR/restore.err" ||
  { tail -20 "$E2E_DIR/restore.err" >&2; fail "backup restore failed"; }
for p in $NODE_PORTS; do
  got=$(user_on_node "$p" e2e_after_backup)
  [ "$got" = 0 ] || fail "node $p still serves the user created after the backup ($got)"
done
[ "$(lb_status)" = 200 ] || fail "LB not live after restore"
