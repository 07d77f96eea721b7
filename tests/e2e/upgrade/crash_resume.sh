#!/usr/bin/env bash
# SIGKILL ncbctl after the backup, resume; SIGKILL again after the canary start, resume: the upgrade
# completes, every node at B, traffic live.
source "$(dirname "$0")/lib.sh"
[ "$(versions)" = "2.2.14 2.2.14 2.2.14" ] || reset_to_a
before=$(ls "$E2E_DIR"/state/runs/ 2>/dev/null || true)
JOURNAL=""
kill_after() {  # STEP COMMAND...: run COMMAND, SIGKILL it once STEP finished in this run's journal
  local step=$1; shift
  "$@" > /dev/null 2>> "$E2E_DIR/crash.err" & local pid=$!
  for _ in $(seq 1800); do
    if [ -z "$JOURNAL" ]; then  # the upgrade's own journal: the one file that was not there before
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
kill_after backup/database "${NC[@]}" --yes upgrade --to 2.2.15
kill_after canary/start/app1 "${NC[@]}" --yes resume
rc=0; "${NC[@]}" --yes resume 2>> "$E2E_DIR/crash.err" || rc=$?
tail -12 "$E2E_DIR/crash.err" >&2
[ $rc = 0 ] || fail "final resume exit $rc"
expect_versions 2.2.15
[ "$(lb_status)" = 200 ] || fail "traffic not live after resume"
user_exists e2e_before || fail "the record is gone"
backups=$(ls "$E2E_DIR"/backups/*.pgdump | wc -l)
echo "crash/resume: completed after two SIGKILLs ($backups database backups on disk)"
