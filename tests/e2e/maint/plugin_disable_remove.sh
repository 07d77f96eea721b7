#!/usr/bin/env bash
# disable: the route is gone (404) on every node; remove: no node lists it installed.
source "$(dirname "$0")/lib.sh"
"${NC[@]}" --yes plugin disable "$PLUGIN" 2> "$E2E_DIR/disable.err" ||
  { tail -20 "$E2E_DIR/disable.err" >&2; fail "plugin disable failed"; }
all_nodes_answer /api/testHello:getInfo 404
"${NC[@]}" --yes plugin remove "$PLUGIN" 2> "$E2E_DIR/remove.err" ||
  { tail -20 "$E2E_DIR/remove.err" >&2; fail "plugin remove failed"; }
out=$("${NC[@]}" --output json plugin list)
installed=$(echo "$out" | jq "[.plugins[\"$PLUGIN\"] // {} | .[] | select(.installed)] | length")
[ "$installed" = 0 ] || fail "$PLUGIN still installed on $installed node(s)"
[ "$(lb_status)" = 200 ] || fail "LB not live after remove"
