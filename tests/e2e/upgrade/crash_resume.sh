#!/usr/bin/env bash
# SIGKILL ncbctl after the backup, resume; SIGKILL again after the canary start, resume: the upgrade
# completes, every node at B, traffic live.
source "$(dirname "$0")/lib.sh"
[ "$(versions)" = "2.2.14 2.2.14 2.2.14" ] || reset_to_a
before=$(ls "$E2E_DIR"/state/runs/ 2>/dev/null || true)
JOURNAL=""
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
