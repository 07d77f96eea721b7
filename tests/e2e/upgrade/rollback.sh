#!/usr/bin/env bash
# rollback.sh FAULT: the canary never becomes ready (canary-never-ready) or passes readiness but an
# inventory check fails (check-fails): exit 5, every node back on A, the record intact, traffic live,
# and clients saw only 503 + Retry-After in the window (no write could land).
source "$(dirname "$0")/lib.sh"
fault=${1:?fault}
[ "$(versions)" = "2.2.14 2.2.14 2.2.14" ] || reset_to_a
short_ready "$INV" "$E2E_DIR/short.yaml"
# canary-never-ready takes its backup and restores it through run_on node:app1 (SSH); check-fails locally.
if [ "$fault" = canary-never-ready ]; then runon_inventory "$E2E_DIR/short.yaml" "$E2E_DIR/short-runon.yaml" &&
  mv "$E2E_DIR/short-runon.yaml" "$E2E_DIR/short.yaml"; fi
"$HARNESS/cluster.sh" fault "$E2E_DIR" "$fault" on
probe=$E2E_DIR/rollback-$fault.probe; : > "$probe"
prober_start "$probe"
rc=0; "$NCBCTL" -i "$E2E_DIR/short.yaml" --state-dir "$E2E_DIR/state" --no-color --yes upgrade --to 2.2.15 \
  > "$E2E_DIR/rollback.out" 2> "$E2E_DIR/rollback.err" || rc=$?
"$HARNESS/cluster.sh" fault "$E2E_DIR" "$fault" off
expect_versions 2.2.14
sleep 1; prober_stop
tail -25 "$E2E_DIR/rollback.err" >&2
[ $rc = 5 ] || fail "exit $rc, expected 5 (rolled back)"
if [ "$fault" = canary-never-ready ]; then  # the operator sees why: the canary's own log, where it failed
  grep -q "node app1: the last lines of its service log:" "$E2E_DIR/rollback.err" ||
    fail "the canary's readiness failure does not show its service log"
  [ "$(grep -c '^  | ' "$E2E_DIR/rollback.err")" -ge 3 ] || fail "fewer than 3 log lines shown for the canary"
  # The cause (the harness points the canary at port 1 for its database) is among them, above the runs of
  # NocoBase's per-request errors, which are shown once each with their count.
  grep '^  | ' "$E2E_DIR/rollback.err" | grep -q 'ECONNREFUSED 127.0.0.1:1' ||
    fail "the canary's log excerpt does not show its database connection failure"
fi
[ "$(lb_status)" = 200 ] || fail "traffic not live after the rollback: $(lb_status)"
user_exists e2e_before || fail "the record written before the upgrade is gone"
[ "$fault" != canary-never-ready ] || expect_dump_ran_on_app1
shape=$(window_shape "$probe")
[ "$shape" = AMA ] || { bad_answers "$probe" >&2; fail "clients saw '$shape', expected AMA"; }
# The picture of the window, in the summary and in `runs show` of this real run, plain ASCII without a TTY.
run=$(sed -n 's/.*(run \([^,]*\), exit 5)$/\1/p' "$E2E_DIR/rollback.out" | tail -1)
[ -n "$run" ] || fail "no run id in the summary"
grep -Eq '^  503 window +\|' "$E2E_DIR/rollback.out" || fail "the summary draws no timeline"
LANG=C NO_COLOR=1 "$NCBCTL" --state-dir "$E2E_DIR/state" runs show "$run" > "$E2E_DIR/rollback-show.out" ||
  fail "runs show $run"
tl=$(sed -n '/^Timeline: /,/^  # ok/p' "$E2E_DIR/rollback-show.out")
echo "$tl" >&2
failed_phase=canary; [ "$fault" = check-fails ] && failed_phase=verify
grep -Eq "^  $failed_phase +\|[ #~]*X+ *\| +[0-9.hms]+  failed(, undone)?\$" <<<"$tl" || fail "runs show: no failed $failed_phase bar"
grep -Eq '^  stop +\|[ ]*~+ *\|.*ok, undone$' <<<"$tl" || fail "runs show: the stop phase is not shown undone"
grep -Eq '^  undo +\| *<[<X ]*\|' <<<"$tl" || fail "runs show: no undo row"
grep -Eq '^  503 window +\| *=+ *\| +[0-9.hms]+$' <<<"$tl" || fail "runs show: no closed 503 window"
! LC_ALL=C grep -q '[^ -~]' <<<"$tl" || fail "runs show: the timeline is not plain ASCII"
echo "rollback ($fault): exit 5, back on 2.2.14, 503 window $(window_seconds "$probe") s"
