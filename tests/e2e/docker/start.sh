#!/usr/bin/env bash
# `ncbctl start` of the fresh Docker cluster (containers created, never started): the canary's container
# starts alone and gets ready, then the two others, then traffic goes live; every node at A; clients
# through nginx see only 200 once the first 200 came (nothing was serving before), never a 502 after it.
source "$(dirname "$0")/lib.sh"
probe=$E2E_DIR/start.probe; : > "$probe"
prober_start "$probe"
rc=0; "${NC[@]}" --yes --output json start > "$E2E_DIR/start.json" 2> "$E2E_DIR/start.err" || rc=$?
sleep 1; prober_stop
[ $rc = 0 ] || { tail -20 "$E2E_DIR/start.err" >&2; fail "ncbctl start exit $rc"; }
expect_versions 2.2.14
expect_images 2.2.14
[ "$(lb_status)" = 200 ] || fail "nginx does not answer 200 after start"
# The canary (app1) was ready before the others were started.
order=$(jq -r 'select(.type=="step.finished" or .type=="step.started") | "\(.type) \(.step)"' "$E2E_DIR/start.json")
ready1=$(grep -n "step.finished .*ready.*app1" <<<"$order" | head -1 | cut -d: -f1)
start2=$(grep -n "step.started .*start.*app2" <<<"$order" | head -1 | cut -d: -f1)
[ -n "$ready1" ] && [ -n "$start2" ] && [ "$ready1" -lt "$start2" ] ||
  { echo "$order" >&2; fail "app1 was not ready before app2 was started"; }
after=$(awk '$2 == 200 { seen = 1 } seen' "$probe" | window_shape /dev/stdin)
[ "$after" = A ] || { bad_answers "$probe" >&2; fail "after the first 200 clients saw '$after', expected only 200"; }
create_user e2e_before
echo "start: canary first, then the others; LB saw $(window_shape "$probe")"
