#!/usr/bin/env bash
# SIGKILL ncbctl after the backup, resume; SIGKILL it again in the fan-out (app2's container
# started, app3's maybe not), resume: the upgrade completes, every container on B, traffic live, the record intact.
source "$(dirname "$0")/lib.sh"
[ "$(versions)" = "2.2.14 2.2.14 2.2.14" ] || reset_to_a
FANOUT_STEP=fanout/start/app2
before=$(ls "$E2E_DIR"/state/runs/ 2>/dev/null || true)
JOURNAL=""
KILL_WAIT=3000  # the Docker canary boots slower
probe=$E2E_DIR/crash.probe; : > "$probe"
prober_start "$probe"
kill_after backup/database "${NC[@]}" --yes upgrade --to 2.2.15
kill_after "$FANOUT_STEP" "${NC[@]}" --yes resume
rc=0; "${NC[@]}" --yes resume 2>> "$E2E_DIR/crash.err" || rc=$?
sleep 1; prober_stop
tail -12 "$E2E_DIR/crash.err" >&2
[ $rc = 0 ] || fail "final resume exit $rc"
expect_versions 2.2.15
expect_images 2.2.15
[ "$(lb_status)" = 200 ] || fail "traffic not live after resume"
user_exists e2e_before || fail "the record is gone"
shape=$(window_shape "$probe")
[ "$shape" = AMA ] || { bad_answers "$probe" >&2; fail "clients saw '$shape', expected AMA"; }
echo "crash/resume: completed after two SIGKILLs (the second after $FANOUT_STEP)"
