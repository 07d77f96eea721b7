#!/usr/bin/env bash
# One node unreachable: exit 3 and nothing changed (nodes, LB, version, lock).
source "$(dirname "$0")/lib.sh"
sed 's/port: '"$SSHPORT"'$/port: '"$SSHPORT"'/; /name: app3/,/port:/ s/port: '"$SSHPORT"'/port: 2399/' "$INV" > "$E2E_DIR/unreachable.yaml"
grep -q 'port: 2399' "$E2E_DIR/unreachable.yaml" || fail "could not make app3 unreachable in the inventory copy"
rc=0; "$NCBCTL" -i "$E2E_DIR/unreachable.yaml" --state-dir "$E2E_DIR/state" --no-color --yes upgrade --to 2.2.15 \
  2> "$E2E_DIR/preflight.err" || rc=$?
cat "$E2E_DIR/preflight.err" | tail -5 >&2
[ $rc = 3 ] || fail "exit $rc, expected 3"
grep -q app3 "$E2E_DIR/preflight.err" || fail "the error does not name node app3"
expect_versions 2.2.14
[ "$(lb_status)" = 200 ] || fail "LB changed: $(lb_status)"
"${NC[@]}" lock status | grep -q free || fail "lock left held"
echo "preflight: exit 3, nothing changed"
