#!/usr/bin/env bash
# plugin add + enable through the maintain workflow: afterwards the plugin's route answers 200 on every
# node directly, and clients through the LB saw only 200 or the pinned node's reload 503.
source "$(dirname "$0")/lib.sh"
registry=$(npm config get registry)
probe=$E2E_DIR/enable.probe; : > "$probe"
prober_start "$probe"
start=$(date +%s.%N)
rc=0; "${NC[@]}" --yes plugin add "$PLUGIN_PKG" --registry "$registry" 2> "$E2E_DIR/add.err" || rc=$?
[ $rc = 0 ] || { tail -20 "$E2E_DIR/add.err" >&2; fail "plugin add exit $rc"; }
mid=$(date +%s.%N)
rc=0; "${NC[@]}" --yes plugin enable "$PLUGIN" 2> "$E2E_DIR/enable.err" || rc=$?
[ $rc = 0 ] || { tail -20 "$E2E_DIR/enable.err" >&2; fail "plugin enable exit $rc"; }
end=$(date +%s.%N)
prober_stop
all_nodes_answer /api/testHello:getInfo 200
[ "$(lb_status)" = 200 ] || fail "LB not live after enable"
only_200_or_pinned_503 "$probe"
"${NC[@]}" plugin list | grep -E "^$PLUGIN " | grep -q "enabled.*enabled.*enabled" ||
  fail "plugin list does not show $PLUGIN enabled on the three nodes: $("${NC[@]}" plugin list | grep "$PLUGIN")"
# Bad input: an unknown plugin fails in preflight (exit 3), nothing changed, every node still up.
rc=0; "${NC[@]}" --yes plugin enable does-not-exist 2> "$E2E_DIR/unknown.err" || rc=$?
[ $rc = 3 ] || fail "enable of an unknown plugin: exit $rc, expected 3"
grep -q "no plugin does-not-exist" "$E2E_DIR/unknown.err" || fail "unknown plugin message: $(tail -3 "$E2E_DIR/unknown.err")"
all_nodes_answer /api/testHello:getInfo 200
awk -v a="$start" -v m="$mid" -v e="$end" -v s="$(window_shape "$probe")" \
  'BEGIN { printf "plugin: add %.1f s, enable %.1f s (until every node serves it); LB saw %s\n", m - a, e - m, s }' 
