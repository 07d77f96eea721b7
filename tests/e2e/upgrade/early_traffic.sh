#!/usr/bin/env bash
# upgrade --early-traffic A -> B: through the LB clients see 200s, 503s with Retry-After, then only 200s (a
# node joining never answers them an error); in the journal each fan-out node joins only after its ready
# step, one join served the canary and its node alone (the LB really was partial), the other every node,
# and the live phase comes after every join. Which node is ready first is not asserted (not
# deterministic); when one served before the other was ready it is reported.
source "$(dirname "$0")/lib.sh"
[ "$(versions)" = "2.2.14 2.2.14 2.2.14" ] || reset_to_a
before=$(ls "$E2E_DIR"/state/runs/ 2>/dev/null || true)
probe=$E2E_DIR/early.probe; : > "$probe"
prober_start "$probe"
rc=0; "${NC[@]}" --yes upgrade --to 2.2.15 --early-traffic > "$E2E_DIR/early.out" 2> "$E2E_DIR/early.err" || rc=$?
sleep 1; prober_stop
tail -15 "$E2E_DIR/early.err" >&2
[ $rc = 0 ] || fail "upgrade --early-traffic exit $rc"
expect_versions 2.2.15
shape=$(window_shape "$probe")
[ "$shape" = AMA ] || { bad_answers "$probe" >&2; fail "clients saw '$shape' through the LB, expected AMA"; }
user_exists e2e_before || fail "the record written before the upgrade is gone"

journal=""
for f in $(ls "$E2E_DIR"/state/runs/); do grep -qx "$f" <<< "$before" || journal=$E2E_DIR/state/runs/$f; done
[ -n "$journal" ] || fail "no journal for the --early-traffic run"
# One line per finished step, in journal order: "<step> <result> <serving>".
finished=$(jq -r 'select(.type == "step.finished") | "\(.step) \(.result) \(.details.serving // "-")"' "$journal")
pos() { grep -n "^$1 " <<< "$finished" | head -1 | cut -d: -f1; }
canary=$(sed -n 's|^early-traffic/pin/\([^ ]*\) ok .*|\1|p' <<< "$finished")
[ -n "$canary" ] || fail "no finished early-traffic/pin step in $journal"
joins=$(grep '^fanout/join/' <<< "$finished" || true)
[ "$(wc -l <<< "$joins")" = 2 ] || fail "expected 2 fan-out joins, journal has: $joins"
while read -r step result serving; do
  node=${step#fanout/join/}
  [ "$result" = ok ] || fail "$step: $result"
  [ -n "$(pos "fanout/ready/$node")" ] && [ "$(pos "fanout/ready/$node")" -lt "$(pos "$step")" ] ||
    fail "$step finished before fanout/ready/$node"
  [[ ",$serving," == *",$canary,"* && ",$serving," == *",$node,"* ]] || fail "$step served '$serving'"
done <<< "$joins"
# The joins take the runner's traffic lock in turn: one served the canary and its node alone (the LB was
# partial), the other every node, whichever finished first in the journal.
sizes=$(while read -r _ _ serving; do tr ',' '\n' <<< "$serving" | wc -l; done <<< "$joins" | sort | paste -sd' ')
[ "$sizes" = "2 3" ] || fail "the joins served $(cut -d' ' -f3 <<< "$joins" | paste -sd' '), expected 2 then 3 nodes"
last_join=$(tail -1 <<< "$joins" | cut -d' ' -f1)
[ "$(pos live/traffic)" -gt "$(pos "$last_join")" ] || fail "live/traffic finished before $last_join"
first_node=$(head -1 <<< "$joins" | cut -d' ' -f1); first_node=${first_node#fanout/join/}
other=${last_join#fanout/join/}
early=no; [ "$(pos "fanout/join/$first_node")" -lt "$(pos "fanout/ready/$other")" ] && early=yes
echo "early-traffic: ok; 503 window seen by clients: $(window_seconds "$probe") s;" \
  "joins served $(cut -d' ' -f3 <<< "$joins" | paste -sd' '); $first_node served before $other was ready: $early"
