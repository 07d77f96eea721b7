#!/usr/bin/env bash
# `plugin enable` through the maintain workflow on the Docker cluster (a plugin that ships in the image,
# not installed yet): afterwards every container's own API lists it enabled, `plugin list` agrees, and
# clients through nginx saw only 200 or the pinned container's reload 503 (never a 502).
source "$(dirname "$0")/lib.sh"
PLUGIN=locale-tester
enabled_on() {  # PORT: 1 when that container's NocoBase lists PLUGIN enabled
  curl -sf -m 10 -H "Authorization: Bearer $(token)" "http://127.0.0.1:$1/api/pm:listEnabled" |
    jq --arg p "$PLUGIN" '[.data[] | select(.name == $p)] | length'
}
if "${NC[@]}" plugin list | grep -qE "^$PLUGIN +enabled"; then
  note "$PLUGIN is enabled from an earlier run: disable it first"
  "${NC[@]}" --yes -q plugin disable "$PLUGIN" || fail "plugin disable (reset) failed"
fi
for p in $NODE_PORTS; do [ "$(enabled_on "$p")" = 0 ] || fail "$PLUGIN is enabled on port $p before the test"; done
probe=$E2E_DIR/enable.probe; : > "$probe"
prober_start "$probe"
rc=0; "${NC[@]}" --yes plugin enable "$PLUGIN" > "$E2E_DIR/enable.out" 2> "$E2E_DIR/enable.err" || rc=$?
sleep 1; prober_stop
[ $rc = 0 ] || { tail -20 "$E2E_DIR/enable.err" >&2; fail "plugin enable exit $rc"; }
for p in $NODE_PORTS; do [ "$(enabled_on "$p")" = 1 ] || fail "the container on port $p does not list $PLUGIN enabled"; done
"${NC[@]}" plugin list | grep -E "^$PLUGIN " | grep -q "enabled.*enabled.*enabled" ||
  fail "plugin list does not show $PLUGIN enabled on the three nodes: $("${NC[@]}" plugin list | grep "$PLUGIN")"
[ "$(lb_status)" = 200 ] || fail "nginx does not answer 200 after the enable"
only_200_or_pinned_503 "$probe"
echo "plugin enable: ok on the Docker cluster; nginx saw $(window_shape "$probe"); $(tail -1 "$E2E_DIR/enable.out")"
