#!/usr/bin/env bash
# disable: the route is gone (404) on every node; remove: no node lists it installed. Nothing to do is not a
# maintenance: disabling again and removing again end after preflight (exit 0, changed=false, no node
# stopped, the LB live throughout); disabling a plugin that is not installed is refused at preflight (exit 3).
source "$(dirname "$0")/lib.sh"
"${NC[@]}" --yes plugin disable "$PLUGIN" 2> "$E2E_DIR/disable.err" ||
  { tail -20 "$E2E_DIR/disable.err" >&2; fail "plugin disable failed"; }
all_nodes_answer /api/testHello:getInfo 404

# Run $@ expecting "nothing changed": exit 0, run.finished changed=false, no step after preflight ran.
expect_unchanged() {
  local out rc=0
  out=$("${NC[@]}" --yes --output json "$@" 2> "$E2E_DIR/unchanged.err") || rc=$?
  [ "$rc" = 0 ] || { tail -20 "$E2E_DIR/unchanged.err" >&2; fail "$* exited $rc (expected 0: nothing to do)"; }
  [ "$(echo "$out" | jq -r 'select(.type=="run.finished") | .details.changed')" = false ] ||
    fail "$*: run.finished does not say changed=false"
  local beyond; beyond=$(echo "$out" | jq -r 'select(.type=="step.started") | .step' | grep -v '^preflight/' || true)
  [ -z "$beyond" ] || fail "$*: steps ran although nothing was to do: $beyond"
  [ "$(lb_status)" = 200 ] || fail "$*: LB not live"
}
expect_unchanged plugin disable "$PLUGIN"

"${NC[@]}" --yes plugin remove "$PLUGIN" 2> "$E2E_DIR/remove.err" ||
  { tail -20 "$E2E_DIR/remove.err" >&2; fail "plugin remove failed"; }
out=$("${NC[@]}" --output json plugin list)
installed=$(echo "$out" | jq "[.plugins[\"$PLUGIN\"] // {} | .[] | select(.installed)] | length")
[ "$installed" = 0 ] || fail "$PLUGIN still installed on $installed node(s)"
[ "$(lb_status)" = 200 ] || fail "LB not live after remove"
expect_unchanged plugin remove "$PLUGIN"

set +e
"${NC[@]}" --yes plugin disable "$PLUGIN" 2> "$E2E_DIR/disable-absent.err"
rc=$?
set -e
[ "$rc" = 3 ] || { tail -20 "$E2E_DIR/disable-absent.err" >&2; fail "disable of a removed plugin exited $rc, expected 3"; }
grep -q "not installed\|no plugin $PLUGIN" "$E2E_DIR/disable-absent.err" ||
  fail "disable of a removed plugin does not say it is not installed: $(tail -3 "$E2E_DIR/disable-absent.err")"
[ "$(lb_status)" = 200 ] || fail "LB not live after the refused disable"
