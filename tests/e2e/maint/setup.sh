#!/usr/bin/env bash
# Fixture: the real local cluster on the maint ports, started with ncbctl, live.
source "$(dirname "$0")/lib.sh"
"$HARNESS/cluster.sh" down "$E2E_DIR" || true
unlink_plugin
"$HARNESS/cluster.sh" up "$E2E_DIR"
"${NC[@]}" --yes -q start || fail "ncbctl start failed"
[ "$(lb_status)" = 200 ] || fail "LB does not answer 200 after start"
