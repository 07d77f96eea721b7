#!/usr/bin/env bash
# SIGKILL ncbctl after the backup, resume; SIGKILL it again in the fan-out (app2's container
# started, app3's maybe not), resume: the upgrade completes, every container on B, traffic live, the record intact.
source "$(dirname "$0")/lib.sh"
[ "$(versions)" = "2.2.14 2.2.14 2.2.14" ] || reset_to_a
FANOUT_STEP=fanout/start/app2
before=$(ls "$E2E_DIR"/state/runs/ 2>/dev/null || true)
JOURNAL=""
kill_after() {  # STEP COMMAND...: as in tests/e2e/upgrade/crash_resume.sh
  local step=$1; shift
  "$@" > /dev/null 2>> "$E2E_DIR/crash.err" & local pid=$!
  for _ in $(seq 3000); do
    if [ -z "$JOURNAL" ]; then
      local f; for f in $(ls "$E2E_DIR"/state/runs/ 2>/dev/null); do
        grep -qx "$f" <<< "$before" || JOURNAL=$E2E_DIR/state/runs/$f; done
    fi
    journal_has "$JOURNAL" "$step" step.finished && break
    kill -0 $pid 2>/dev/null || break; sleep 0.1
  done
  kill -0 $pid 2>/dev/null || fail "ncbctl ended before $step finished: $(tail -3 "$E2E_DIR/crash.err")"
  kill -KILL $pid; wait $pid 2>/dev/null || true
  note "killed ncbctl after $step"
}
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
